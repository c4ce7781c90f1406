import { copyRecords, MemoryStorageBackend, type StoredRecord } from '@recordstore/core';
import { describe, expect, it } from 'vitest';
import { expectStorageError, type Harness, START, snapshot, sortedIds } from '../harness.js';

/** saveMany (all or nothing), deleteMany (ids or filter), a copy into the store (its bulk load path). */
export function bulkGroup(h: Harness): void {
  describe('saveMany and deleteMany', () => {
    it('saveMany(records) saves all and returns the ids in input order', async () => {
      const { store } = await h.open();
      const ids = await store.saveMany([{ id: 'b', v: 1 }, { v: 2 }, { id: 'a', v: 3 }]);
      expect(ids[0]).toBe('b');
      expect(ids[2]).toBe('a');
      expect(typeof ids[1]).toBe('string');
      expect(await store.count()).toBe(3);
      expect((await store.load(ids[1]!))?.v).toBe(2);
      expect(await store.saveMany([])).toEqual([]);
    });

    it('saveMany(records) with one bad record (a BigInt at index 57 of 100) saves none', async () => {
      const { store } = await h.open();
      await store.save({ id: 'r10', v: 'original' });
      const before = await snapshot(store);
      const records = Array.from({ length: 100 }, (_, i) => ({ id: `r${i}`, v: i === 57 ? 57n : i }));
      const error = await expectStorageError(store.saveMany(records), 'validation', 'records[57]');
      expect(error.message).toContain('BigInt');
      expect(await snapshot(store)).toEqual(before);
    });

    it('saveMany(records) larger than batch_size is still all or nothing', async () => {
      const { store } = await h.open({ config: { batch_size: 7 } });
      const good = Array.from({ length: 30 }, (_, i) => ({ id: `g${i}`, i }));
      expect(await store.saveMany(good)).toHaveLength(30);
      expect(await store.count()).toBe(30);
      const before = await snapshot(store);
      const bad = Array.from({ length: 30 }, (_, i) => ({ id: `b${i}`, i: i === 25 ? Number.NaN : i }));
      await expectStorageError(store.saveMany(bad), 'validation', 'records[25]');
      expect(await snapshot(store)).toEqual(before);
    });

    it('saveMany(records) with duplicate ids in one call keeps the last, also across batches', async () => {
      const { store } = await h.open({ config: { batch_size: 3 } });
      const ids = await store.saveMany([
        { id: 'd', v: 1 },
        { id: 'x', v: 1 },
        { id: 'd', v: 2 },
        { id: 'y' },
        { id: 'z' },
        { id: 'd', v: 3 },
        { id: 'x', v: 2 },
      ]);
      expect(ids).toEqual(['d', 'x', 'd', 'y', 'z', 'd', 'x']);
      expect(await store.count()).toBe(4);
      expect((await store.load('d'))?.v).toBe(3);
      expect((await store.load('x'))?.v).toBe(2);
    });

    it('saveMany(records) over existing records keeps their created_at', async () => {
      const { store, clock } = await h.open();
      await store.save({ id: 'a', v: 1 });
      clock.advance(5_000);
      await store.saveMany([{ id: 'a', v: 2 }, { id: 'b' }]);
      expect(await store.load('a')).toMatchObject({
        v: 2,
        created_at: new Date(START),
        updated_at: new Date(START + 5_000),
      });
      expect((await store.load('b'))?.created_at).toEqual(new Date(START + 5_000));
    });

    it('copyRecords into an empty store (through its bulk load path when it offers one) reads back what was copied', async () => {
      const { store } = await h.open();
      const source = new MemoryStorageBackend();
      await source.connect();
      try {
        const records = Array.from({ length: 60 }, (_, i) => ({
          id: `c${String(i).padStart(2, '0')}`,
          kind: i % 3 === 0 ? 'x' : 'y',
          n: i,
          created_at: new Date(START - 60_000 + i * 1000),
          updated_at: new Date(START - 30_000 + i * 1000),
        }));
        await source.saveMany(records, { preserveTimestamps: true });
        // Small batches: a driver's prepareLoad (indexes built after the load) spans several of them.
        const report = await copyRecords({ from: source, to: store, batchSize: 25 });
        expect(report.written).toBe(60);
        const shape = (list: StoredRecord[]) =>
          list.map(({ id, kind, n, created_at, updated_at }) => ({ id, kind, n, created_at, updated_at }));
        expect(shape(await store.list({}, { orderBy: 'id' }))).toEqual(
          shape(await source.list({}, { orderBy: 'id' })),
        );
        expect(await store.count({ kind: 'x', n: { $gte: 30 } })).toBe(10);
        expect(sortedIds(await store.list({ n: { $lt: 2 } }))).toEqual(['c00', 'c01']);
      } finally {
        await source.close();
      }
    });

    it('deleteMany(ids) deletes those that exist and returns how many', async () => {
      const { store } = await h.open({ config: { batch_size: 2 } });
      await store.saveMany([{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }, { id: 'e' }]);
      expect(await store.deleteMany(['a', 'c', 'missing', 'e', 'a'])).toBe(3);
      expect(sortedIds(await store.list())).toEqual(['b', 'd']);
      expect(await store.deleteMany([])).toBe(0);
    });

    it('deleteMany(filter) deletes the live records matching the filter and returns how many', async () => {
      const { store } = await h.open();
      await store.saveMany([
        { id: 'a', kind: 'x', n: 1 },
        { id: 'b', kind: 'x', n: 5 },
        { id: 'c', kind: 'y', n: 5 },
        { id: 'd', n: 7 },
      ]);
      expect(await store.deleteMany({ kind: 'x', n: { $gt: 2 } })).toBe(1);
      expect(await store.deleteMany({ kind: { $ne: 'x' } })).toBe(2);
      expect(sortedIds(await store.list())).toEqual(['a']);
      expect(await store.deleteMany({ kind: 'none' })).toBe(0);
      expect(await store.deleteMany({})).toBe(1);
      expect(await store.count()).toBe(0);
    });
  });
}
