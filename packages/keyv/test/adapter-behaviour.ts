import { type Clock, ManualClock, type StorageBackend } from '@recordstore/core';
import Keyv from 'keyv';
import { afterEach, describe, expect, it } from 'vitest';
import { HASHED_ID_PREFIX, KeyvRecordStore, keyToId } from '../src/index.js';

/** Makes an unconnected store on the file's database; each call may share the data of earlier ones. */
export type MakeBackend = (options: { clock?: Clock; ttl_enabled?: boolean }) => StorageBackend;

/**
 * What the adapter promises beyond @keyv/test-suite: the record each key becomes, TTL as `expires_at`
 * (removed by recordstore's cleanup), long keys, namespaces, the *Many methods at scale, paging iterators.
 */
export function describeAdapterBehaviour(name: string, makeBackend: MakeBackend): void {
  describe(`KeyvRecordStore on ${name}`, () => {
    const opened: StorageBackend[] = [];
    const backendFor = (options: { clock?: Clock; ttl_enabled?: boolean } = {}): StorageBackend => {
      const backend = makeBackend(options);
      opened.push(backend);
      return backend;
    };
    const freshKeyv = async (
      backend: StorageBackend,
      options: { namespace?: string; iterationBatchSize?: number } = {},
    ): Promise<Keyv> => {
      const store = new KeyvRecordStore(backend, { iterationBatchSize: options.iterationBatchSize ?? 100 });
      const keyv = new Keyv({ store, namespace: options.namespace ?? 'keyv' });
      await (await store.store()).deleteMany({});
      return keyv;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((backend) => backend.close()));
    });

    it('set(key, value) stores one record: id and key are the prefixed key, the namespace is session_id', async () => {
      const backend = backendFor();
      const keyv = await freshKeyv(backend, { namespace: 'cache' });
      await keyv.set('user:1', { name: 'Ada' });
      const record = await backend.load('cache:user:1');
      expect(record).toMatchObject({
        id: 'cache:user:1',
        type: 'keyv',
        session_id: 'cache',
        key: 'cache:user:1',
      });
      expect(typeof record?.value).toBe('string');
      expect(JSON.parse(record?.value as string)).toMatchObject({ value: { name: 'Ada' } });
      expect(record?.expires_at).toBeUndefined();
    });

    it('set(key, value, ttl) becomes expires_at, and cleanupExpired() removes the key', async () => {
      const clock = new ManualClock(Date.now());
      const backend = backendFor({ clock });
      const keyv = await freshKeyv(backend);
      const before = Date.now();
      await keyv.set('short', 'lived', 60_000);
      await keyv.set('long', 'lived');
      const record = await backend.load('keyv:short');
      expect(record?.expires_at?.getTime()).toBeGreaterThanOrEqual(before + 60_000);
      expect(record?.expires_at?.getTime()).toBeLessThanOrEqual(Date.now() + 60_000);
      clock.set(Date.now() + 60_001);
      expect(await backend.cleanupExpired()).toBe(1);
      expect(await backend.count({ type: 'keyv' })).toBe(1);
      expect(await keyv.get('long')).toBe('lived');
    });

    it('a key set without TTL never expires, even on a store with ttl_enabled (no default TTL)', async () => {
      const backend = backendFor({ ttl_enabled: true });
      const keyv = await freshKeyv(backend);
      await keyv.set('forever', 1);
      expect((await backend.load('keyv:forever'))?.expires_at).toBeUndefined();
      await keyv.set('forever', 2, 1000);
      await keyv.set('forever', 3);
      expect((await backend.load('keyv:forever'))?.expires_at).toBeUndefined();
    });

    it('keys longer than 255 characters get a hashed id and keep the original key', async () => {
      const backend = backendFor();
      const keyv = await freshKeyv(backend, { namespace: 'long' });
      const longKey = `k${'x'.repeat(400)}`;
      await keyv.set(longKey, 'a');
      await keyv.set('short', 'b');
      const [record] = await backend.list({ key: `long:${longKey}` });
      expect(record?.id).toBe(keyToId(`long:${longKey}`));
      expect(record?.id.startsWith(HASHED_ID_PREFIX) && record.id.length <= 255).toBe(true);
      expect(await keyv.get(longKey)).toBe('a');
      expect(await keyv.get([longKey, 'short', 'missing'])).toEqual(['a', 'b', undefined]);
      expect(await keyv.has(longKey)).toBe(true);
      const iterated = new Map<string, unknown>();
      for await (const [key, value] of keyv.iterator!(undefined)) iterated.set(key as string, value);
      expect(iterated).toEqual(
        new Map([
          [longKey, 'a'],
          ['short', 'b'],
        ]),
      );
      expect(await keyv.delete(longKey)).toBe(true);
      expect(await keyv.get(longKey)).toBeUndefined();
    });

    it('keys shaped like hashed ids, and the empty key, are hashed too, so no two keys share an id', async () => {
      const backend = backendFor();
      const adapter = new KeyvRecordStore(backend);
      await (await adapter.store()).deleteMany({});
      const longKey = 'y'.repeat(300);
      const lookalike = keyToId(longKey);
      expect(keyToId(lookalike)).not.toBe(lookalike);
      await adapter.set(longKey, 'long');
      await adapter.set(lookalike, 'lookalike');
      await adapter.set('', 'empty');
      expect(await adapter.getMany([longKey, lookalike, ''])).toEqual(['long', 'lookalike', 'empty']);
      const keys = [];
      for await (const [key] of adapter.iterator()) keys.push(key);
      expect(keys.sort()).toEqual(['', lookalike, longKey].sort());
      expect(await backend.count({ id: { $like: `${HASHED_ID_PREFIX}%` } })).toBe(3);
    });

    it('clear() empties one namespace and never touches other records of the store', async () => {
      const backend = backendFor();
      const a = await freshKeyv(backend, { namespace: 'a' });
      const b = new Keyv({ store: new KeyvRecordStore(backend), namespace: 'b' });
      await backend.save({ id: 'message-1', type: 'message', session_id: 'a', text: 'keep me' });
      await a.set('k', 1);
      await b.set('k', 2);
      await a.clear();
      expect(await a.get('k')).toBeUndefined();
      expect(await b.get('k')).toBe(2);
      const everything = new Keyv({ store: new KeyvRecordStore(backend), namespace: '' });
      await everything.clear();
      expect(await b.get('k')).toBeUndefined();
      expect(await backend.load('message-1')).toMatchObject({ text: 'keep me' });
    });

    it('a shared adapter files each key under the namespace of its prefix', async () => {
      const backend = backendFor();
      const adapter = new KeyvRecordStore(backend);
      const first = new Keyv({ store: adapter, namespace: 'first' });
      await (await adapter.store()).deleteMany({});
      const second = new Keyv({ store: adapter, namespace: 'second' }); // adapter.namespace is now 'second'
      await first.set('x', 1);
      await second.set('x', 2);
      expect((await backend.load('first:x'))?.session_id).toBe('first');
      expect((await backend.load('second:x'))?.session_id).toBe('second');
    });

    it('setMany, getMany, hasMany and deleteMany handle 1,200 keys (several $in queries) in order', async () => {
      const backend = backendFor();
      const keyv = await freshKeyv(backend, { namespace: 'bulk' });
      const keys = Array.from({ length: 1200 }, (_, i) => `key-${i}`);
      const results = await keyv.setMany(keys.map((key, i) => ({ key, value: i, ttl: i % 2 ? 60_000 : 0 })));
      expect(results).toEqual(keys.map(() => true));
      expect(await backend.count({ session_id: 'bulk' })).toBe(1200);
      const asked = [...keys].reverse().concat(['absent', 'key-7']);
      const expected: unknown[] = keys.map((_, i) => 1199 - i).concat([undefined, 7] as never[]);
      expect(await keyv.get(asked)).toEqual(expected);
      expect(await keyv.has(['key-0', 'absent', 'key-1199'])).toEqual([true, false, true]);
      expect(await keyv.delete(keys.slice(0, 1000))).toBe(true);
      expect(await keyv.delete(keys.slice(0, 1000))).toBe(false);
      expect(await backend.count({ session_id: 'bulk' })).toBe(200);
    });

    it('iterator() pages through a namespace with the configured batch size', async () => {
      const backend = backendFor();
      const keyv = await freshKeyv(backend, { namespace: 'pages', iterationBatchSize: 2 });
      const other = new Keyv({ store: new KeyvRecordStore(backend), namespace: 'other' });
      await other.set('0', 'not mine');
      for (let i = 0; i < 7; i++) await keyv.set(String(i), i);
      const seen: Array<[unknown, unknown]> = [];
      for await (const entry of keyv.iterator!(undefined)) seen.push(entry as [unknown, unknown]);
      expect(seen.sort((x, y) => Number(x[0]) - Number(y[0]))).toEqual(
        Array.from({ length: 7 }, (_, i) => [String(i), i]),
      );
    });
  });
}
