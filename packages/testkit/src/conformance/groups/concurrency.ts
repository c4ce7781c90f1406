import { describe, expect, it } from 'vitest';
import { type Harness, sortedIds } from '../harness.js';

/** Concurrent calls on one backend object. */
export function concurrencyGroup(h: Harness): void {
  describe('concurrency', () => {
    it('save(record) 50 times concurrently with one id gives exactly one record and no error', async () => {
      const { store } = await h.open();
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) => store.save({ id: 'same', i, payload: 'x'.repeat(i * 10) })),
      );
      const failures = results.filter((r) => r.status === 'rejected');
      expect(failures, String((failures[0] as PromiseRejectedResult | undefined)?.reason)).toEqual([]);
      expect(await store.count()).toBe(1);
      const loaded = (await store.load('same'))!;
      expect(loaded.payload).toBe('x'.repeat((loaded.i as number) * 10));
    });

    it('save(record) of 50 different ids concurrently stores all of them', async () => {
      const { store } = await h.open();
      await Promise.all(Array.from({ length: 50 }, (_, i) => store.save({ id: `id${i}` })));
      expect(await store.count()).toBe(50);
    });

    it('reads and writes interleaved with a running transaction see either none or all of it', async () => {
      const { store } = await h.open();
      const tx = store.transaction(async (t) => {
        await t.saveMany(Array.from({ length: 20 }, (_, i) => ({ id: `t${i}`, group: 'tx' })));
      });
      const counts = await Promise.all(Array.from({ length: 5 }, () => store.count({ group: 'tx' })));
      await tx;
      for (const count of counts) expect([0, 20]).toContain(count);
      expect(sortedIds(await store.list({ group: 'tx' }))).toHaveLength(20);
    });
  });
}
