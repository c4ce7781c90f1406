import { describe, expect, it } from 'vitest';
import { expectStorageError, type Harness, snapshot, sortedIds } from '../harness.js';

class CallerError extends Error {
  readonly marker = 'mine';
}

/**
 * A promise that rejects, instead of waiting forever, when `call` has not settled within `ms`: a store
 * that deadlocks on an outer call from inside its own transaction must fail the test, not hang the run.
 */
async function settleWithin<T>(call: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the call did not settle within ${ms} ms (it waits for the transaction)`)),
      ms,
    );
  });
  try {
    return await Promise.race([call, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** transaction(fn): commit, rollback of every kind of write, the caller's error unchanged. */
export function transactionGroup(h: Harness): void {
  describe('transaction', () => {
    it('transaction(fn) commits every write and returns what fn returns', async () => {
      const { store } = await h.open();
      await store.save({ id: 'old', v: 1 });
      const result = await store.transaction(async (tx) => {
        await tx.save({ id: 'a', v: 1 });
        await tx.saveMany([{ id: 'b' }, { id: 'c' }]);
        await tx.update('old', { v: 2 });
        await tx.delete('c');
        return 'done';
      });
      expect(result).toBe('done');
      expect(sortedIds(await store.list())).toEqual(['a', 'b', 'old']);
      expect((await store.load('old'))?.v).toBe(2);
    });

    it('transaction(fn) sees its own writes in load/exists/count/list/getBySession', async () => {
      const { store } = await h.open();
      await store.transaction(async (tx) => {
        await tx.save({ id: 'a', session_id: 's', v: 1 });
        expect(await tx.load('a')).toMatchObject({ v: 1 });
        expect(await tx.exists('a')).toBe(true);
        expect(await tx.count({ v: 1 })).toBe(1);
        expect(sortedIds(await tx.list({ session_id: 's' }))).toEqual(['a']);
        expect(sortedIds(await tx.getBySession('s'))).toEqual(['a']);
        await tx.update('a', { v: 2 });
        expect(await tx.count({ v: 2 })).toBe(1);
        await tx.deleteMany({ v: 2 });
        expect(await tx.exists('a')).toBe(false);
      });
    });

    it('transaction(fn) that throws rolls back saves, updates and deletes and rethrows the same error', async () => {
      const { store } = await h.open();
      await store.saveMany([
        { id: 'keep', v: 1 },
        { id: 'gone', v: 1 },
      ]);
      const before = await snapshot(store);
      const thrown = new CallerError('boom');
      let caught: unknown;
      try {
        await store.transaction(async (tx) => {
          await tx.save({ id: 'new', v: 1 });
          await tx.saveMany([{ id: 'new2' }, { id: 'keep', v: 'overwritten' }]);
          await tx.update('keep', { v: 3 });
          await tx.delete('gone');
          await tx.deleteMany(['new2']);
          throw thrown;
        });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBe(thrown);
      expect((caught as CallerError).marker).toBe('mine');
      expect(await snapshot(store)).toEqual(before);
    });

    it('transaction(fn) that throws a non-Error value rethrows it unchanged', async () => {
      const { store } = await h.open();
      await expect(
        store.transaction(async (tx) => {
          await tx.save({ id: 'a' });
          throw 'plain string';
        }),
      ).rejects.toBe('plain string');
      expect(await store.count()).toBe(0);
    });

    it('transaction(fn) with an invalid write rolls back the earlier writes and rejects with kind validation', async () => {
      const { store } = await h.open();
      await store.save({ id: 'keep', v: 1 });
      const before = await snapshot(store);
      await expectStorageError(
        store.transaction(async (tx) => {
          await tx.save({ id: 'a' });
          await tx.update('keep', { v: 2 });
          await tx.save({ id: 'b', bad: 1n });
        }),
        'validation',
        'record.bad',
      );
      expect(await snapshot(store)).toEqual(before);
    });

    it('transaction(fn) refuses a tx used after the transaction ended, and writes nothing', async () => {
      const { store } = await h.open();
      let leaked: Parameters<Parameters<typeof store.transaction>[0]>[0] | undefined;
      await store.transaction(async (tx) => {
        leaked = tx;
        await tx.save({ id: 'inside' });
      });
      const before = await snapshot(store);
      await expectStorageError(leaked!.save({ id: 'late' }), 'validation', /after its transaction ended/);
      await expectStorageError(leaked!.load('inside'), 'validation', /after its transaction ended/);
      expect(await snapshot(store)).toEqual(before);
      expect(await store.exists('late')).toBe(false);
    });

    it('transaction(fn) refuses a call on the outer store from inside fn at once (kind validation), and tx still works', async () => {
      const { store } = await h.open();
      await store.save({ id: 'before' });
      const result = await store.transaction(async (tx) => {
        await tx.save({ id: 'inside' });
        // Without the guard this waits for the transaction it is part of (memory, SQLite): bound it.
        await expectStorageError(
          settleWithin(store.save({ id: 'outer' }), 5_000),
          'validation',
          /inside store\.transaction\(fn\).*tx\.save\(\)/,
        );
        await expectStorageError(settleWithin(store.load('before'), 5_000), 'validation', 'tx.load()');
        await expectStorageError(
          settleWithin(
            store.transaction(async () => undefined),
            5_000,
          ),
          'validation',
          'transactions do not nest',
        );
        expect(await tx.exists('before')).toBe(true);
        return 'committed';
      });
      expect(result).toBe('committed');
      expect(sortedIds(await store.list())).toEqual(['before', 'inside']);
      // After the transaction the store answers normally again.
      expect(await store.exists('outer')).toBe(false);
    });

    it('transaction(fn) calls in sequence see each other committed', async () => {
      const { store } = await h.open();
      for (let i = 0; i < 5; i++) {
        await store.transaction(async (tx) => {
          const current = (await tx.load('counter'))?.n ?? 0;
          await tx.save({ id: 'counter', n: (current as number) + 1 });
        });
      }
      expect((await store.load('counter'))?.n).toBe(5);
    });
  });
}
