import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SQLiteStorageBackend } from '../../sqlite/dist/index.js';
import {
  copyRecords,
  createBackup,
  createStorage,
  isStorageError,
  type RecordInput,
  restoreBackup,
  type StorageBackend,
} from '../src/index.js';
import { useTempDir } from './helpers/transfer.js';

/**
 * `await using` closes stores; an AbortSignal stops `list` (and `getBySession`, `getByThread`), `stream`,
 * `saveMany` and the transfer engines with a StorageError of kind `aborted`, leaving what is stored whole:
 * an aborted saveMany stores nothing, an aborted copy or restore leaves whole batches (a copy resumes), an
 * aborted backup leaves no file.
 */

const dir = useTempDir('rs-abort-');

/** Records r0000... in sessions s0, s1 and s2 by turn (so s1 holds 2 of 5). */
function records(n: number, prefix = 'r'): RecordInput[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}${String(i).padStart(4, '0')}`,
    session_id: `s${i % 3}`,
    data: { i },
  }));
}

/**
 * A signal that reads as aborted from its `after + 1`-th check on: stops a call at a chosen batch
 * boundary, deterministically (a real controller aborted from a callback would race the batches).
 */
function abortAfterChecks(after: number): AbortSignal {
  let checks = 0;
  return {
    get aborted() {
      checks += 1;
      return checks > after;
    },
    reason: new Error('stopped by the test'),
    addEventListener() {},
    removeEventListener() {},
  } as unknown as AbortSignal;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

const backends: { name: string; open(): Promise<StorageBackend> }[] = [
  { name: 'memory', open: () => createStorage({ class: 'memory', config: { batch_size: 10 } }) },
  {
    name: 'sqlite',
    open: async () => {
      const store = new SQLiteStorageBackend({
        path: join(dir.path, `a-${Math.random().toString(36).slice(2)}.db`),
        batch_size: 10,
      }) as unknown as StorageBackend;
      await store.connect();
      return store;
    },
  },
];

describe.each(backends)('abort and dispose on $name', (backend) => {
  it('await using closes the store at the end of the block', async () => {
    let seen: StorageBackend | undefined;
    {
      await using store = await backend.open();
      seen = store;
      await store.save({ id: 'u1' });
      expect(store.isConnected()).toBe(true);
    }
    expect(seen.isConnected()).toBe(false);
    await expect(seen.load('u1')).rejects.toMatchObject({ kind: 'connection' });
  });

  it('await using closes the store when the block throws', async () => {
    let seen: StorageBackend | undefined;
    const error = await rejection(
      (async () => {
        await using store = await backend.open();
        seen = store;
        throw new Error('inside');
      })(),
    );
    expect((error as Error).message).toBe('inside');
    expect(seen?.isConnected()).toBe(false);
  });

  it('saveMany stopped between batches stores none of its records', async () => {
    await using store = await backend.open();
    await store.save({ id: 'keep' });
    // 45 records in batches of 10: the check before the third batch fires, after two were written.
    const error = await rejection(store.saveMany(records(45), { signal: abortAfterChecks(2) }));
    expect(isStorageError(error, 'aborted')).toBe(true);
    expect((error as Error).message).toMatch(/saveMany stopped: stopped by the test/);
    expect(await store.count()).toBe(1);
    expect(await store.load('r0000')).toBeNull();
    // The same call without a signal writes everything.
    expect(await store.saveMany(records(45))).toHaveLength(45);
  });

  it('an already aborted signal stops saveMany, list and stream before any work', async () => {
    await using store = await backend.open();
    await store.saveMany(records(5));
    const signal = AbortSignal.abort(new Error('never mind'));
    expect(isStorageError(await rejection(store.saveMany(records(3, 'x'), { signal })), 'aborted')).toBe(
      true,
    );
    expect(await store.count()).toBe(5);
    const listed = await rejection(store.list(undefined, { signal }));
    expect(isStorageError(listed, 'aborted')).toBe(true);
    expect((listed as Error).message).toBe('list stopped: never mind.');
    // The session and thread reads are lists too, and take the same options.
    const bySession = await rejection(store.getBySession('s1', { signal }));
    expect((bySession as Error).message).toBe('getBySession stopped: never mind.');
    expect(isStorageError(bySession, 'aborted')).toBe(true);
    const byThread = await rejection(store.getByThread('t1', { signal }));
    expect((byThread as Error).message).toBe('getByThread stopped: never mind.');
    expect(isStorageError(byThread, 'aborted')).toBe(true);
    const streamed = await rejection(
      (async () => {
        for await (const _ of store.stream(undefined, { signal })) throw new Error('no record expected');
      })(),
    );
    expect(isStorageError(streamed, 'aborted')).toBe(true);
    // A signal that never fires changes nothing.
    expect(await store.list(undefined, { signal: new AbortController().signal })).toHaveLength(5);
    expect(await store.getBySession('s1', { signal: new AbortController().signal })).toHaveLength(2);
    // Inside a transaction too.
    const inside = await rejection(store.transaction((tx) => tx.getBySession('s1', { signal })));
    expect((inside as Error).message).toBe('getBySession stopped: never mind.');
  });

  it('stream stops between batches', async () => {
    await using store = await backend.open();
    await store.saveMany(records(30));
    const controller = new AbortController();
    const seen: string[] = [];
    const error = await rejection(
      (async () => {
        for await (const record of store.stream(undefined, { batchSize: 10, signal: controller.signal })) {
          seen.push(record.id);
          if (seen.length === 3) controller.abort(new Error('enough'));
        }
      })(),
    );
    expect(isStorageError(error, 'aborted')).toBe(true);
    // The batch in hand is delivered; the next one is never fetched.
    expect(seen).toHaveLength(10);
  });

  it('copy stops between batches with kind aborted and resumes to a complete copy', async () => {
    await using from = await backend.open();
    await using to = await backend.open();
    await from.saveMany(records(50));
    const controller = new AbortController();
    const error = await rejection(
      copyRecords({
        from,
        to,
        batchSize: 10,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.phase === 'copy' && p.done >= 20) controller.abort(new Error('operator'));
        },
      }),
    );
    expect(isStorageError(error, 'aborted')).toBe(true);
    const partial = await to.count();
    expect(partial).toBeGreaterThanOrEqual(20);
    expect(partial).toBeLessThan(50);
    expect(partial % 10).toBe(0);
    const report = await copyRecords({ from, to, batchSize: 10 });
    expect(report).toBeDefined();
    expect(await to.count()).toBe(50);
  });

  it('backup create stops with kind aborted and leaves no file behind', async () => {
    await using store = await backend.open();
    await store.saveMany(records(50));
    const folder = join(dir.path, `bk-${backend.name}-${Math.random().toString(36).slice(2)}`);
    const controller = new AbortController();
    const error = await rejection(
      createBackup(store, folder, {
        batchSize: 10,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.done >= 10) controller.abort(new Error('operator'));
        },
      }),
    );
    expect(isStorageError(error, 'aborted')).toBe(true);
    expect(existsSync(folder) ? readdirSync(folder) : []).toEqual([]);
  });

  it('restore stops between batches with kind aborted; every restored record is whole', async () => {
    await using source = await backend.open();
    await source.saveMany(records(50));
    const { file } = await createBackup(source, join(dir.path, `rs-${backend.name}-${Date.now()}`));
    await using target = await backend.open();
    const controller = new AbortController();
    const error = await rejection(
      restoreBackup(file, target, {
        batchSize: 10,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.phase === 'restore' && p.done >= 10) controller.abort(new Error('operator'));
        },
      }),
    );
    expect(isStorageError(error, 'aborted')).toBe(true);
    const restored = await target.list();
    expect(restored.length % 10).toBe(0);
    expect(restored.length).toBeLessThan(50);
    for (const record of restored) expect(record).toEqual(await source.load(record.id));
  });
});
