import { setTimeout as sleep } from 'node:timers/promises';
import { RecordStoreStore } from '../src/index.js';
import { BACKENDS, useBackend } from './helpers/backends.js';
import { asSet, ReferenceStore } from './helpers/store-model.js';

describe.each(BACKENDS)('RecordStoreStore on %s', (backend) => {
  const open = useBackend(backend);
  let n = 0;
  const store = (options: ConstructorParameters<typeof RecordStoreStore>[1] = {}) =>
    new RecordStoreStore(open.store, { prefix: `store${++n}`, ...options });

  it('walks hundreds of namespaces page by page, as InMemoryStore lists them', async () => {
    const ours = store();
    const reference = new ReferenceStore();
    for (let i = 0; i < 120; i++) {
      for (const leaf of ['notes', 'prefs']) {
        for (const s of [ours, reference]) {
          await s.put(['users', `u${String(i).padStart(3, '0')}`, leaf], 'k', { i, even: i % 2 === 0 });
        }
      }
    }
    await ours.put(['teams', 't1'], 'k', { i: -1 });
    await reference.put(['teams', 't1'], 'k', { i: -1 });
    for (const options of [
      { limit: 1000 },
      { maxDepth: 1, limit: 1000 },
      { maxDepth: 2, limit: 50, offset: 30 },
      { prefix: ['users'], suffix: ['prefs'], limit: 1000 },
      { prefix: ['users', '*', 'notes'], limit: 5, offset: 100 },
      { suffix: ['t1'], limit: 10 },
    ]) {
      expect(await ours.listNamespaces(options)).toEqual(await reference.listNamespaces(options));
    }
  });

  it('pages through filters the database can only narrow (here: a boolean), with offset', async () => {
    const ours = store();
    const reference = new ReferenceStore();
    for (let i = 0; i < 260; i++) {
      for (const s of [ours, reference]) await s.put(['docs'], `d${i}`, { i, even: i % 2 === 0 });
    }
    const everything = await ours.search(['docs'], { filter: { even: true }, limit: 1000 });
    expect(asSet(everything)).toEqual(
      asSet(await reference.search(['docs'], { filter: { even: true }, limit: 1000 })),
    );
    const page = await ours.search(['docs'], { filter: { even: true }, limit: 20, offset: 100 });
    expect(page.map((item) => item.key)).toEqual(everything.slice(100, 120).map((item) => item.key));
    // Newest write first.
    expect(everything[0]?.key).toBe('d258');
    const ranged = await ours.search(['docs'], { filter: { i: { $gte: 250 } }, limit: 100 });
    expect(ranged.map((item) => item.value.i).sort((a, b) => a - b)).toEqual([
      250, 251, 252, 253, 254, 255, 256, 257, 258, 259,
    ]);
  });

  it('expires items by TTL (minutes) and restarts the TTL on read unless told not to', async () => {
    const minute = 60_000;
    const ours = store({ prefix: 'ttl_default', ttl: { defaultTtl: 10 } });
    const noRefresh = store({ prefix: 'ttl_norefresh', ttl: { refreshOnRead: false } });
    const expiresAt = async (s: RecordStoreStore, key: string) => {
      const prefix = s === ours ? 'ttl_default' : 'ttl_norefresh';
      const [record] = await open.store.list({ type: `${prefix}.store_item`, key });
      return record?.expires_at?.getTime();
    };
    const before = Date.now();
    await ours.put(['t'], 'default', { v: 1 });
    await ours.put(['t'], 'forever', { v: 2 }, undefined, { ttl: null });
    await noRefresh.put(['t'], 'short', { v: 3 }, undefined, { ttl: 1 });
    const written = (await expiresAt(ours, 'default'))!;
    expect(written).toBeGreaterThanOrEqual(before + 10 * minute);
    expect(written).toBeLessThanOrEqual(Date.now() + 10 * minute);
    expect(await expiresAt(ours, 'forever')).toBeUndefined();
    const short = (await expiresAt(noRefresh, 'short'))!;
    await sleep(30);
    expect(await ours.get(['t'], 'default')).not.toBeNull();
    expect(await expiresAt(ours, 'default')).toBeGreaterThan(written);
    expect(await noRefresh.get(['t'], 'short')).not.toBeNull();
    expect(await expiresAt(noRefresh, 'short')).toBe(short);
    await expect(ours.put(['t'], 'bad', {}, undefined, { ttl: -1 })).rejects.toThrow(
      /positive number of minutes/,
    );
  });

  it('hides expired items from get, search and listNamespaces', async () => {
    const ours = store();
    await ours.put(['gone'], 'k', { v: 1 }, undefined, { ttl: 0.2 / 60 });
    await ours.put(['kept'], 'k', { v: 1 });
    await sleep(400);
    expect(await ours.get(['gone'], 'k')).toBeNull();
    expect((await ours.search([])).map((item) => item.namespace)).toEqual([['kept']]);
    expect(await ours.listNamespaces()).toEqual([['kept']]);
  });

  it('keeps createdAt across updates and moves updatedAt', async () => {
    const ours = store();
    await ours.put(['c'], 'k', { v: 1 });
    const first = await ours.get(['c'], 'k');
    await sleep(20);
    await ours.put(['c'], 'k', { v: 2 });
    const second = await ours.get(['c'], 'k');
    expect(second?.createdAt).toEqual(first?.createdAt);
    expect(second!.updatedAt.getTime()).toBeGreaterThan(first!.updatedAt.getTime());
    expect(second?.value).toEqual({ v: 2 });
  });

  it('takes keys of any length (long ids become digests) and refuses invalid namespaces', async () => {
    const ours = store();
    const key = 'k'.repeat(600);
    await ours.put(['long'], key, { v: 1 });
    expect((await ours.get(['long'], key))?.value).toEqual({ v: 1 });
    expect((await ours.search(['long'])).map((item) => item.key)).toEqual([key]);
    await ours.delete(['long'], key);
    expect(await ours.get(['long'], key)).toBeNull();
    await expect(ours.put(['a.b'], 'k', {})).rejects.toThrow(/periods/);
    await expect(ours.put(['langgraph'], 'k', {})).rejects.toThrow(/langgraph/);
  });
});
