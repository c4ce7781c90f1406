import { type Checkpoint, emptyCheckpoint, uuid6 } from '@langchain/langgraph-checkpoint';
import { RecordStoreSaver } from '../src/index.js';
import { BACKENDS, useBackend } from './helpers/backends.js';

function checkpoint(values: Record<string, unknown>, versions: Record<string, number>): Checkpoint {
  return { ...emptyCheckpoint(), id: uuid6(1), channel_values: values, channel_versions: versions };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe.each(BACKENDS)('RecordStoreSaver on %s', (backend) => {
  const open = useBackend(backend);
  let n = 0;
  const saver = (prefix = `saver${++n}`) => new RecordStoreSaver(open.store, { prefix });

  it('stores each channel value once per version: a thread grows by what changed', async () => {
    const s = saver('growth');
    const big = 'x'.repeat(10_000);
    let config = { configurable: { thread_id: 't', checkpoint_ns: '' } } as Parameters<typeof s.put>[0];
    const versions = { big: 1, step: 0 };
    config = await s.put(
      config,
      checkpoint({ big, step: 0 }, versions),
      { source: 'input', step: -1, parents: {} },
      versions,
    );
    for (let step = 1; step <= 20; step++) {
      const next = { big: 1, step };
      config = await s.put(
        config,
        checkpoint({ big, step }, next),
        { source: 'loop', step, parents: {} },
        { step },
      );
    }
    const blobs = await open.store.count({ type: 'growth.checkpoint_blob' });
    expect(blobs).toBe(22); // big once, step 21 times
    const latest = await s.getTuple({ configurable: { thread_id: 't', checkpoint_ns: '' } });
    expect(latest?.checkpoint.channel_values).toEqual({ big, step: 20 });
    const all = await collect(s.list({ configurable: { thread_id: 't' } }));
    expect(all.map((t) => t.metadata?.step)).toEqual([...Array.from({ length: 20 }, (_, i) => 20 - i), -1]);
  });

  it('filters metadata exactly, also on values the database can only narrow (booleans, objects), with limit', async () => {
    const s = saver();
    let config = { configurable: { thread_id: 'f' } } as Parameters<typeof s.put>[0];
    for (let i = 0; i < 250; i++) {
      const metadata = {
        source: 'loop',
        step: i,
        parents: {},
        even: i % 2 === 0,
        tag: { k: i % 3 },
        list: [i % 5],
      };
      config = await s.put(config, checkpoint({}, {}), metadata as never, {});
    }
    const list = (filter: Record<string, unknown>, limit?: number) =>
      collect(s.list({ configurable: { thread_id: 'f' } }, { filter, limit }));
    expect((await list({ even: true })).length).toBe(125);
    expect((await list({ even: false }, 3)).map((t) => t.metadata?.step)).toEqual([249, 247, 245]);
    expect((await list({ tag: { k: 1 } })).length).toBe(83);
    // An array metadata value: the database's "array contains" is a superset, the saver checks equality.
    expect((await list({ list: 4 })).length).toBe(0);
    expect((await list({ step: 7 })).map((t) => t.metadata?.step)).toEqual([7]);
    expect((await list({ step: '7' })).length).toBe(0);
    expect((await list({ 'dotted.key': 1 })).length).toBe(0);
    expect((await list({ even: true, step: { $gt: 3 } })).length).toBe(0);
  });

  it('deleteThread removes every namespace of the thread and nothing else', async () => {
    const s = saver();
    for (const ns of ['', 'child:1', 'child:1|grandchild:2']) {
      const config = await s.put(
        { configurable: { thread_id: 'd', checkpoint_ns: ns } },
        checkpoint({ a: ns }, { a: 1 }),
        { source: 'loop', step: 0, parents: {} },
        { a: 1 },
      );
      await s.putWrites(config, [['a', 'w']], 'task');
      await s.put(
        { configurable: { thread_id: 'keep', checkpoint_ns: ns } },
        checkpoint({ a: ns }, { a: 1 }),
        { source: 'loop', step: 0, parents: {} },
        { a: 1 },
      );
    }
    await s.deleteThread('d');
    expect(await collect(s.list({ configurable: { thread_id: 'd' } }))).toEqual([]);
    expect(await open.store.count({ thread_id: 'd' })).toBe(0);
    expect((await collect(s.list({ configurable: { thread_id: 'keep' } }))).length).toBe(3);
  });

  it('handles thread ids and namespaces of any length (record ids are digests of them)', async () => {
    const s = saver();
    const thread = 't'.repeat(1000);
    const ns = 'n:'.repeat(400);
    const config = await s.put(
      { configurable: { thread_id: thread, checkpoint_ns: ns } },
      checkpoint({ v: 1 }, { v: 1 }),
      { source: 'input', step: -1, parents: {} },
      { v: 1 },
    );
    await s.putWrites(config, [['v', 2]], 'task-'.repeat(100));
    const tuple = await s.getTuple({ configurable: { thread_id: thread, checkpoint_ns: ns } });
    expect(tuple?.checkpoint.channel_values).toEqual({ v: 1 });
    expect(tuple?.pendingWrites).toEqual([['task-'.repeat(100), 'v', 2]]);
  });

  it('keeps a regular write already stored and replaces special ones, as LangGraph savers do', async () => {
    const s = saver();
    const config = await s.put(
      { configurable: { thread_id: 'w' } },
      checkpoint({}, {}),
      { source: 'input', step: -1, parents: {} },
      {},
    );
    await s.putWrites(
      config,
      [
        ['a', 1],
        ['__error__', 'first'],
      ],
      'task',
    );
    await s.putWrites(config, [['a', 2]], 'task');
    await s.putWrites(config, [['__error__', 'second']], 'task');
    const tuple = await s.getTuple(config);
    expect(tuple?.pendingWrites).toEqual([
      ['task', '__error__', 'second'],
      ['task', 'a', 1],
    ]);
  });

  it('two prefixes share one store without seeing each other', async () => {
    const a = saver('isolated_a');
    const b = saver('isolated_b');
    await a.put(
      { configurable: { thread_id: 'same' } },
      checkpoint({}, {}),
      { source: 'input', step: -1, parents: {} },
      {},
    );
    expect(await b.getTuple({ configurable: { thread_id: 'same' } })).toBeUndefined();
    expect((await collect(a.list({ configurable: {} }))).length).toBe(1);
    expect(() => new RecordStoreSaver(open.store, { prefix: 'bad:prefix' })).toThrow(/prefix must be/);
  });

  it('refuses a put without a thread id, naming what to pass', async () => {
    await expect(
      saver().put({ configurable: {} }, checkpoint({}, {}), { source: 'input', step: -1, parents: {} }, {}),
    ).rejects.toThrow(/thread_id must be a non-empty string/);
  });
});
