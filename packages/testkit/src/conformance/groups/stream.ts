import { describe, expect, it } from 'vitest';
import { collect, type Harness, idsOf, START } from '../harness.js';

/** Rows with distinct and tied created_at values, so keyset pagination has ties at batch edges. */
function rows(n: number, prefix = 'r') {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}${String(i).padStart(4, '0')}`,
    created_at: START - 1_000_000 + Math.floor(i / 3) * 1000,
    even: i % 2 === 0,
  }));
}

/** stream(filter, { batchSize }): same order as list, lazy, correct under concurrent writes. */
export function streamGroup(h: Harness): void {
  describe('stream', () => {
    it('stream(filter, { batchSize }) yields every match in the same order as list(filter)', async () => {
      const { store } = await h.open();
      await store.saveMany(rows(50));
      for (const batchSize of [1, 3, 7, 25, 50, 51, 1000]) {
        expect(idsOf(await collect(store.stream({}, { batchSize }))), `batchSize ${batchSize}`).toEqual(
          idsOf(await store.list()),
        );
        expect(idsOf(await collect(store.stream({ even: true }, { batchSize })))).toEqual(
          idsOf(await store.list({ even: true })),
        );
      }
      expect(await collect(store.stream())).toHaveLength(50);
    });

    it('stream() of an empty store or a filter matching nothing yields nothing', async () => {
      const { store } = await h.open();
      expect(await collect(store.stream())).toEqual([]);
      await store.saveMany(rows(5));
      expect(await collect(store.stream({ even: 'no' }, { batchSize: 2 }))).toEqual([]);
    });

    it('stream(filter, { batchSize }) stops cleanly when the consumer breaks early', async () => {
      const { store } = await h.open();
      const b = 4;
      await store.saveMany(rows(10 * b));
      const seen: string[] = [];
      for await (const record of store.stream({}, { batchSize: b })) {
        seen.push(record.id);
        if (seen.length === b + 2) break;
      }
      expect(seen).toEqual(idsOf(await store.list({}, { limit: b + 2 })));
      // The store is still usable: breaking released whatever the stream held.
      expect(await store.count()).toBe(10 * b);
      await store.save({ id: 'after' });
      expect(await store.exists('after')).toBe(true);
    });

    it('stream(filter, { batchSize }) reads batch by batch: rows deleted after the first batch are not yielded', async () => {
      const { store } = await h.open();
      const b = 5;
      await store.saveMany(rows(10 * b));
      const all = idsOf(await store.list());
      let yielded = 0;
      for await (const record of store.stream({}, { batchSize: b })) {
        if (yielded === 0) {
          expect(record.id).toBe(all[0]);
          // Delete everything not yet read; a stream holding one batch cannot yield more than what it has.
          expect(await store.deleteMany(all.slice(1))).toBe(all.length - 1);
        }
        yielded++;
      }
      // At most the batch in hand (and one prefetched batch) may still come out, never all 50.
      expect(yielded).toBeLessThanOrEqual(2 * b);
    });

    it('stream(filter, { batchSize }) neither duplicates nor skips older rows while newer ones are inserted', async () => {
      const { store, clock } = await h.open();
      await store.saveMany(rows(30));
      const expected = idsOf(await store.list());
      const seen: string[] = [];
      let inserted = 0;
      for await (const record of store.stream({}, { batchSize: 4 })) {
        seen.push(record.id);
        clock.advance(1);
        await store.save({ id: `new${inserted++}`, even: true });
      }
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.filter((id) => !id.startsWith('new'))).toEqual(expected);
    });

    it('stream(filter) skips expired records', async () => {
      const { store, clock } = await h.open();
      await store.saveMany([
        { id: 'a', expires_at: START + 10 },
        { id: 'b' },
        { id: 'c', expires_at: START + 1_000 },
      ]);
      clock.advance(10);
      expect(idsOf(await collect(store.stream({}, { batchSize: 1 }))).sort()).toEqual(['b', 'c']);
    });
  });
}
