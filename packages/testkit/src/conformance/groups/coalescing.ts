import type { StorageBackend, StoredRecord } from '@recordstore/core';
import { describe, expect, it } from 'vitest';
import { expectStorageError, type Harness, START, sortedIds } from '../harness.js';

/** Awaits the end of the current event-loop turn (a coalesced batch opened before it has been sent). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The value of a settled call, or its error's kind. */
function outcome(result: PromiseSettledResult<unknown>): unknown {
  if (result.status === 'fulfilled') return result.value;
  const reason = result.reason as { name?: string; kind?: string };
  return { rejected: reason?.name, kind: reason?.kind };
}

/** What a caller compares: the record without its timestamps' identity. */
function view(record: StoredRecord | null): unknown {
  return record === null ? null : JSON.parse(JSON.stringify(record));
}

async function seed(store: StorageBackend, n: number, prefix = 'r'): Promise<string[]> {
  const ids = Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);
  await store.saveMany(ids.map((id, i) => ({ id, i, nested: { tag: `t${i}` }, session_id: `s${i % 3}` })));
  return ids;
}

/**
 * Concurrent point operations (`load`, `exists`, `delete`) issued together: whether the store coalesces
 * them into batched statements (the default) or runs one statement each (`coalesce: false`), every caller
 * gets exactly its own result or its own error, in the order and context it would have without batching.
 */
export function coalescingGroup(h: Harness): void {
  describe('coalescing of concurrent point operations', () => {
    for (const coalesce of [true, false]) {
      const config = { coalesce };
      const label = coalesce ? 'coalesced (default)' : 'coalesce: false';

      it(`${label}: 60 concurrent load(id) of present, missing and repeated ids each get their own record`, async () => {
        const { store } = await h.open({ config });
        const ids = await seed(store, 30);
        const asked = [...ids, ...ids.slice(0, 10), ...Array.from({ length: 20 }, (_, i) => `missing${i}`)];
        const expected: unknown[] = [];
        for (const id of asked) expected.push(view(await store.load(id)));
        const got = await Promise.all(asked.map((id) => store.load(id)));
        expect(got.map(view)).toEqual(expected);
        got.forEach((record, k) => {
          if (k < 40) expect(record).toMatchObject({ id: asked[k], i: Number(asked[k]!.slice(1)) });
          else expect(record).toBeNull();
        });
      });

      it(`${label}: concurrent load, exists and delete over disjoint ids give each caller its own answer`, async () => {
        const { store } = await h.open({ config });
        await seed(store, 12);
        const loads = ['r000', 'r001', 'r002', 'nope', 'r000'];
        const checks = ['r003', 'r004', 'gone', 'r003'];
        const deletes = ['r005', 'r006', 'r007', 'absent', 'r005', 'r006'];
        const calls: Promise<unknown>[] = [];
        // Interleaved, as independent callers would issue them.
        for (let i = 0; i < 6; i++) {
          if (loads[i]) calls.push(store.load(loads[i]!).then((r) => r?.id ?? null));
          if (checks[i]) calls.push(store.exists(checks[i]!));
          if (deletes[i]) calls.push(store.delete(deletes[i]!));
        }
        const results = await Promise.all(calls);
        const byKind = { load: [] as unknown[], exists: [] as unknown[], delete: [] as unknown[] };
        let k = 0;
        for (let i = 0; i < 6; i++) {
          if (loads[i]) byKind.load.push(results[k++]);
          if (checks[i]) byKind.exists.push(results[k++]);
          if (deletes[i]) byKind.delete.push(results[k++]);
        }
        expect(byKind.load).toEqual(['r000', 'r001', 'r002', null, 'r000']);
        expect(byKind.exists).toEqual([true, true, false, true]);
        // Each of r005 and r006 is deleted by exactly one of its two callers.
        const d = byKind.delete as boolean[];
        expect([d[0], d[4]].filter(Boolean)).toHaveLength(1);
        expect([d[1], d[5]].filter(Boolean)).toHaveLength(1);
        expect([d[2], d[3]]).toEqual([true, false]);
        expect(sortedIds(await store.list())).toEqual([
          'r000',
          'r001',
          'r002',
          'r003',
          'r004',
          'r008',
          'r009',
          'r010',
          'r011',
        ]);
      });

      it(`${label}: an invalid id among concurrent calls fails only its own call, with a validation error`, async () => {
        const { store } = await h.open({ config });
        await seed(store, 4);
        const bad = '' as string;
        const tooLong = 'x'.repeat(10_000);
        const results = await Promise.allSettled([
          store.load('r000'),
          store.load(bad),
          store.load('r001'),
          store.load(42 as unknown as string),
          store.exists('r002'),
          store.exists(tooLong),
          store.exists('r000'),
          store.delete(bad),
          store.delete('r003'),
          store.delete(null as unknown as string),
        ]);
        const shown = results.map(outcome);
        expect((shown[0] as StoredRecord).id).toBe('r000');
        expect((shown[2] as StoredRecord).id).toBe('r001');
        expect(shown[4]).toBe(true);
        expect(shown[6]).toBe(true);
        expect(shown[8]).toBe(true);
        for (const k of [1, 3, 5, 7, 9])
          expect(shown[k]).toEqual({ rejected: 'StorageError', kind: 'validation' });
        await expectStorageError(store.load(bad), 'validation', 'id');
        expect(sortedIds(await store.list())).toEqual(['r000', 'r001', 'r002']);
      });

      it(`${label}: five concurrent delete(id) of one id: exactly one returns true`, async () => {
        const { store } = await h.open({ config });
        await store.saveMany([{ id: 'one' }, { id: 'two' }]);
        const results = await Promise.all([
          ...Array.from({ length: 5 }, () => store.delete('one')),
          ...Array.from({ length: 3 }, () => store.delete('two')),
          store.delete('never'),
        ]);
        expect(results.slice(0, 5).filter(Boolean)).toHaveLength(1);
        expect(results.slice(5, 8).filter(Boolean)).toHaveLength(1);
        expect(results[8]).toBe(false);
        expect(await store.count()).toBe(0);
      });

      it(`${label}: concurrent load(id) of expired records returns null and deletes them lazily`, async () => {
        const { store, clock } = await h.open({ config });
        const dead = Array.from({ length: 8 }, (_, i) => ({ id: `dead${i}`, expires_at: START + 1_000 }));
        const live = Array.from({ length: 8 }, (_, i) => ({ id: `live${i}`, expires_at: START + 60_000 }));
        await store.saveMany([...dead, ...live, { id: 'deadUnread', expires_at: START + 1_000 }]);
        clock.advance(1_000);
        const before = await store.stats();
        const loaded = await Promise.all([...dead, ...live].map((r) => store.load(r.id)));
        expect(loaded.slice(0, 8)).toEqual(Array(8).fill(null));
        expect(loaded.slice(8).map((r) => r?.id)).toEqual(live.map((r) => r.id));
        const checks = await Promise.all([
          store.exists('dead0'),
          store.exists('live0'),
          store.exists('deadUnread'),
        ]);
        expect(checks).toEqual([false, true, false]);
        expect((await store.stats()).expiredRemoved).toBe(before.expiredRemoved + 8);
        // Only the expired record nobody loaded is left for the cleanup.
        expect(await store.cleanupExpired()).toBe(1);
        expect(await store.count()).toBe(8);
      });

      it(`${label}: a caller's load after its own save sees that save, while older loads are in flight`, async () => {
        const { store } = await h.open({ config });
        await store.save({ id: 'x', v: 1 });
        const older = Array.from({ length: 10 }, () => store.load('x'));
        await store.save({ id: 'x', v: 2 });
        expect(await store.load('x')).toMatchObject({ v: 2 });
        for (const record of await Promise.all(older)) expect([1, 2]).toContain(record?.v);
        // 16 independent callers, each saving then loading its own record, round after round.
        await Promise.all(
          Array.from({ length: 16 }, async (_, w) => {
            for (let round = 0; round < 5; round++) {
              await store.save({ id: `w${w}`, round });
              expect(await store.load(`w${w}`)).toMatchObject({ id: `w${w}`, round });
              expect(await store.exists(`w${w}`)).toBe(true);
            }
            expect(await store.delete(`w${w}`)).toBe(true);
            expect(await store.load(`w${w}`)).toBeNull();
            expect(await store.exists(`w${w}`)).toBe(false);
          }),
        );
      });
    }

    it('concurrent loads of one id give equal records that the callers own separately', async () => {
      const { store } = await h.open();
      await store.save({ id: 'shared', nested: { list: [1, 2], deep: { k: 'v' } } });
      const [a, b, c] = await Promise.all([store.load('shared'), store.load('shared'), store.load('shared')]);
      expect(view(a)).toEqual(view(b));
      expect(view(b)).toEqual(view(c));
      (a!.nested as { list: number[] }).list.push(3);
      (a!.nested as { deep: { k: string } }).deep.k = 'changed';
      expect(b!.nested).toEqual({ list: [1, 2], deep: { k: 'v' } });
      expect(c!.nested).toEqual({ list: [1, 2], deep: { k: 'v' } });
      expect((await store.load('shared'))!.nested).toEqual({ list: [1, 2], deep: { k: 'v' } });
    });

    it('inside transaction(fn) tx.load/exists/delete see the transaction, concurrent outside calls the committed state', async () => {
      const { store } = await h.open();
      await store.saveMany([{ id: 'kept', v: 0 }, { id: 'doomed' }]);
      let written!: () => void;
      const wrote = new Promise<void>((resolve) => {
        written = resolve;
      });
      const running = store.transaction(async (tx) => {
        await tx.save({ id: 'kept', v: 1 });
        await tx.save({ id: 'fresh' });
        // One after another: a transaction is one connection, whose statements run in sequence anyway.
        const inside = [
          await tx.load('kept'),
          await tx.load('fresh'),
          await tx.exists('fresh'),
          await tx.delete('doomed'),
          await tx.delete('doomed'),
          await tx.exists('doomed'),
        ];
        expect(inside[0]).toMatchObject({ v: 1 });
        expect(inside[1]).toMatchObject({ id: 'fresh' });
        expect(inside[2]).toBe(true);
        expect([inside[3], inside[4]]).toEqual([true, false]);
        expect(inside[5]).toBe(false);
        written();
        await nextTurn();
        await nextTurn();
      });
      await wrote;
      // Calls from outside the callback, concurrent with it, see the state before or after the commit
      // (backends that run one transaction at a time answer them after it), never a mix inside one answer.
      const [kept, fresh] = await Promise.all([store.load('kept'), store.exists('fresh')]);
      await running;
      expect([0, 1]).toContain(kept?.v);
      expect(typeof fresh).toBe('boolean');
      const after = await Promise.all([store.load('kept'), store.exists('fresh'), store.exists('doomed')]);
      expect([after[0]?.v, after[1], after[2]]).toEqual([1, true, false]);
    });

    it('coalesce_window_us: calls over several event-loop turns within the window get their own results', async () => {
      const { store } = await h.open({ config: { coalesce_window_us: 300 } });
      const ids = await seed(store, 11);
      const calls: Promise<unknown>[] = [];
      for (const id of ids.slice(0, 10)) {
        calls.push(store.load(id).then((r) => r?.i));
        calls.push(store.exists(`${id}_missing`));
        await nextTurn();
      }
      calls.push(store.delete('r010'), store.delete('r010'));
      const results = await Promise.all(calls);
      const expected: unknown[] = [];
      for (let i = 0; i < 10; i++) expected.push(i, false);
      expect(results.slice(0, 20)).toEqual(expected);
      expect(results.slice(20).filter(Boolean)).toHaveLength(1);
      expect(await store.count()).toBe(10);
    });

    it('coalesce and coalesce_window_us are validated: a bad value is a config error naming the key', async () => {
      await expectStorageError(
        () => h.create({ config: { coalesce_window_us: 501 } }),
        'config',
        'coalesce_window_us',
      );
      await expectStorageError(
        () => h.create({ config: { coalesce_window_us: -1 } }),
        'config',
        'coalesce_window_us',
      );
      await expectStorageError(() => h.create({ config: { coalesce: 'sometimes' } }), 'config', 'coalesce');
      await expectStorageError(
        () => h.create({ config: { coalesce: false, coalesce_window_us: 100 } }),
        'config',
        'coalesce_window_us',
      );
      const { store } = await h.open({ config: { coalesce: 'false', coalesce_window_us: '0' } });
      await store.save({ id: 'a' });
      expect(await Promise.all([store.load('a'), store.exists('a')]).then(([r, e]) => [r?.id, e])).toEqual([
        'a',
        true,
      ]);
    });
  });
}
