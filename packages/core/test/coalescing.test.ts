import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import {
  defineBackend,
  MemoryDriver,
  type RowStore,
  type StorageDriver,
  StorageError,
  StorageRuntime,
} from '../src/index.js';
import { memoryBackend } from '../src/memory/memory-backend.js';

/**
 * Coalescing counted at the driver: a memory driver whose row store records every call it receives
 * (member, ids, and the async-context scope it ran in). The conformance suite proves the results on every
 * backend; this proves how many driver calls they took.
 */
interface Call {
  member: string;
  ids: string[];
  scope: string | undefined;
}

interface Harness {
  store: StorageRuntime;
  calls: Call[];
  scope: AsyncLocalStorage<string>;
  /** Makes the next batched call of `member` throw (after it has been counted). */
  failNext: (member: string, error?: unknown) => void;
}

async function open(
  config: Record<string, unknown> = {},
  options: { batched?: boolean } = {},
): Promise<Harness> {
  const calls: Call[] = [];
  const scope = new AsyncLocalStorage<string>();
  const failures = new Map<string, unknown>();
  const batchedMembers = new Set(['loadRows', 'existsRows', 'deleteRowsReturning']);
  const definition = defineBackend({
    ...memoryBackend,
    name: 'counted',
    createDriver: (_config, context): StorageDriver => {
      const inner = new MemoryDriver(context.settings);
      const rows = new Proxy(inner.rows, {
        get(target, member: string) {
          const fn = (target as unknown as Record<string, unknown>)[member];
          if (typeof fn !== 'function') return fn;
          if (options.batched === false && batchedMembers.has(member)) return undefined;
          return (...args: unknown[]) => {
            const first = args[0];
            const ids = typeof first === 'string' ? [first] : Array.isArray(first) ? (first as string[]) : [];
            calls.push({ member, ids: [...ids], scope: scope.getStore() });
            if (failures.has(member)) {
              const error = failures.get(member);
              failures.delete(member);
              return Promise.reject(error);
            }
            return (fn as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          };
        },
      }) as RowStore;
      return {
        name: 'counted',
        capabilities: inner.capabilities,
        open: () => inner.open(),
        close: () => inner.close(),
        rows,
        transaction: (fn) => inner.transaction(fn),
        health: () => inner.health(),
        coalesceScope: () => scope.getStore(),
      };
    },
  });
  const store = new StorageRuntime(definition, config);
  await store.connect();
  return {
    store,
    calls,
    scope,
    failNext: (member, error = new Error('boom')) => failures.set(member, error),
  };
}

const ids = (n: number, prefix = 'id') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const of = (calls: Call[], member: string) => calls.filter((c) => c.member === member);

describe('coalescing (driver calls counted)', () => {
  it('50 concurrent load(id) are one loadRows call of 50 ids; coalesce: false makes 50 loadRow calls', async () => {
    for (const coalesce of [true, false]) {
      const { store, calls } = await open({ coalesce });
      await store.saveMany(ids(50).map((id) => ({ id })));
      calls.length = 0;
      const loaded = await Promise.all(ids(50).map((id) => store.load(id)));
      expect(loaded.map((r) => r?.id)).toEqual(ids(50));
      if (coalesce) {
        expect(calls.map((c) => c.member)).toEqual(['loadRows']);
        expect(calls[0]!.ids).toEqual(ids(50));
      } else {
        expect(of(calls, 'loadRow')).toHaveLength(50);
        expect(calls.every((c) => c.member === 'loadRow')).toBe(true);
      }
      await store.close();
    }
  });

  it('exists and delete batch per kind, duplicates are sent once, and a lone call keeps its per-call member', async () => {
    const { store, calls } = await open();
    await store.saveMany(ids(10).map((id) => ({ id })));
    calls.length = 0;
    const exists = await Promise.all([...ids(12), 'id0'].map((id) => store.exists(id)));
    expect(exists).toEqual([...Array(10).fill(true), false, false, true]);
    expect(calls).toEqual([{ member: 'existsRows', ids: ids(12), scope: undefined }]);
    calls.length = 0;
    const deleted = await Promise.all(['id0', 'id1', 'id0', 'nope'].map((id) => store.delete(id)));
    expect(deleted.filter(Boolean)).toHaveLength(2);
    expect([deleted[0], deleted[2]].filter(Boolean)).toHaveLength(1);
    expect(deleted[3]).toBe(false);
    expect(calls).toEqual([{ member: 'deleteRowsReturning', ids: ['id0', 'id1', 'nope'], scope: undefined }]);
    calls.length = 0;
    expect(await store.load('id5')).toMatchObject({ id: 'id5' });
    expect(await store.exists('id5')).toBe(true);
    expect(await store.delete('id5')).toBe(true);
    expect(calls.map((c) => c.member)).toEqual(['loadRow', 'existsRow', 'deleteRows']);
  });

  it('batches hold at most batch_size ids', async () => {
    const { store, calls } = await open({ batch_size: 16 });
    await store.saveMany(ids(40).map((id) => ({ id })));
    calls.length = 0;
    await Promise.all(ids(40).map((id) => store.load(id)));
    expect(of(calls, 'loadRows').map((c) => c.ids.length)).toEqual([16, 16, 8]);
  });

  it('another operation sends the pending batches first, so statements keep the order of their calls', async () => {
    const { store, calls } = await open();
    await store.saveMany([{ id: 'a', v: 1 }, { id: 'b' }]);
    calls.length = 0;
    const first = [store.load('a'), store.load('b')];
    const saved = store.save({ id: 'a', v: 2 });
    const later = store.load('a');
    expect((await Promise.all(first)).map((r) => r?.v ?? null)).toEqual([1, null]);
    await saved;
    expect(await later).toMatchObject({ v: 2 });
    expect(calls.map((c) => c.member)).toEqual(['loadRows', 'upsertRows', 'loadRow']);
    calls.length = 0;
    // A delete does not commute with reads: reads issued before it go first, reads after it wait for it.
    const reads = [store.load('b'), store.exists('b')];
    const gone = store.delete('b');
    const after = [store.load('b'), store.exists('b')];
    expect(await Promise.all(reads)).toMatchObject([{ id: 'b' }, true]);
    expect(await gone).toBe(true);
    expect(await Promise.all(after)).toEqual([null, false]);
    expect(calls.map((c) => c.member)).toEqual([
      'loadRow',
      'existsRow',
      'deleteRows',
      'loadRow',
      'existsRow',
    ]);
  });

  it('calls of different driver scopes are never mixed, and each batch runs in its own scope', async () => {
    const { store, calls, scope } = await open();
    await store.saveMany(ids(6).map((id) => ({ id })));
    calls.length = 0;
    const results = await Promise.all([
      scope.run('alice', () => store.load('id0')),
      scope.run('bob', () => store.load('id1')),
      scope.run('alice', () => store.load('id2')),
      scope.run('bob', () => store.delete('id3')),
      scope.run('bob', () => store.delete('id4')),
      store.load('id5'),
    ]);
    expect(results.map((r) => (typeof r === 'boolean' ? r : r?.id))).toEqual([
      'id0',
      'id1',
      'id2',
      true,
      true,
      'id5',
    ]);
    const seen = calls.map((c) => `${c.member}:${c.scope ?? '-'}:${c.ids.join(',')}`).sort();
    expect(seen).toEqual(
      [
        'loadRows:alice:id0,id2',
        'loadRow:bob:id1',
        'deleteRowsReturning:bob:id3,id4',
        'loadRow:-:id5',
      ].sort(),
    );
  });

  it('a flush from another scope still runs the batch in the scope of its first call', async () => {
    const { store, calls, scope } = await open();
    await store.saveMany(ids(2).map((id) => ({ id })));
    calls.length = 0;
    const loads = scope.run('alice', () => [store.load('id0'), store.load('id1')]);
    await scope.run('bob', () => store.save({ id: 'x' }));
    await Promise.all(loads);
    expect(calls.map((c) => `${c.member}:${c.scope}`)).toEqual(['loadRows:alice', 'upsertRows:bob']);
  });

  it('a failed batch serves each caller on its own, so one failure reaches only its caller', async () => {
    const { store, calls, failNext } = await open();
    await store.saveMany(ids(4).map((id) => ({ id })));
    calls.length = 0;
    failNext('loadRows');
    const loaded = await Promise.all(ids(4).map((id) => store.load(id)));
    expect(loaded.map((r) => r?.id)).toEqual(ids(4));
    expect(calls.map((c) => c.member)).toEqual(['loadRows', 'loadRow', 'loadRow', 'loadRow', 'loadRow']);
    // A connection failure is the batch's: every caller gets it once, nothing is retried.
    calls.length = 0;
    failNext('existsRows', new StorageError('connection', 'counted: connection lost'));
    const settled = await Promise.allSettled(ids(3).map((id) => store.exists(id)));
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect((settled[0] as PromiseRejectedResult).reason).toMatchObject({ kind: 'connection' });
    expect(calls.map((c) => c.member)).toEqual(['existsRows']);
  });

  it('a driver without the batched members runs every call on its own, with the same results', async () => {
    const { store, calls } = await open({}, { batched: false });
    await store.saveMany(ids(5).map((id) => ({ id })));
    calls.length = 0;
    const results = await Promise.all([
      ...ids(5).map((id) => store.load(id)),
      store.delete('id0'),
      store.delete('id0'),
    ]);
    expect(results.slice(0, 5).map((r) => (r as { id: string } | null)?.id)).toEqual(ids(5));
    expect(results.slice(5).filter(Boolean)).toHaveLength(1);
    expect(of(calls, 'loadRow')).toHaveLength(5);
    expect(of(calls, 'deleteRows')).toHaveLength(2);
  });

  it('coalesce_window_us keeps a batch open over several event-loop turns', async () => {
    const { store, calls } = await open({ coalesce_window_us: 500 });
    await store.saveMany(ids(3).map((id) => ({ id })));
    // The window is real time: on a busy machine a turn can outlast it, so take the first attempt whose
    // three calls were all issued well within it (and fail if none was).
    for (let attempt = 0; attempt < 20; attempt++) {
      calls.length = 0;
      const started = process.hrtime.bigint();
      const first = store.load('id0');
      await new Promise((resolve) => setImmediate(resolve));
      const second = store.load('id1');
      await new Promise((resolve) => setImmediate(resolve));
      const third = store.load('id2');
      const issuedWithinUs = Number(process.hrtime.bigint() - started) / 1000;
      expect((await Promise.all([first, second, third])).map((r) => r?.id)).toEqual(ids(3));
      if (issuedWithinUs > 300) continue;
      expect(calls).toEqual([{ member: 'loadRows', ids: ids(3), scope: undefined }]);
      return;
    }
    throw new Error('no attempt issued its calls within 300 µs: the machine is too busy to test the window');
  });

  it('without a window, calls of different event-loop turns are separate batches', async () => {
    const { store, calls } = await open();
    await store.saveMany(ids(2).map((id) => ({ id })));
    calls.length = 0;
    const first = store.load('id0');
    await new Promise((resolve) => setImmediate(resolve));
    const second = store.load('id1');
    expect((await Promise.all([first, second])).map((r) => r?.id)).toEqual(ids(2));
    expect(calls.map((c) => c.member)).toEqual(['loadRow', 'loadRow']);
  });

  it('closing the store sends the pending batches before the driver closes', async () => {
    const { store, calls } = await open();
    await store.saveMany(ids(2).map((id) => ({ id })));
    calls.length = 0;
    const loads = [store.load('id0'), store.load('id1')];
    await store.close();
    expect((await Promise.all(loads)).map((r) => r?.id)).toEqual(ids(2));
    expect(calls.map((c) => c.member)).toEqual(['loadRows']);
  });
});
