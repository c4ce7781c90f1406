import { describe, expect, it } from 'vitest';
import { type Harness, sortedIds } from '../harness.js';

/** healthCheck() and stats() shapes, and persistence across close and reopen. */
export function healthGroup(h: Harness): void {
  describe('health, stats and persistence', () => {
    it('healthCheck() reports healthy with backend name, responseTimeMs and details', async () => {
      const { store } = await h.open();
      const report = await store.healthCheck();
      expect(report.status).toBe('healthy');
      expect(report.backend).toBe(store.name);
      expect(typeof report.responseTimeMs).toBe('number');
      expect(report.responseTimeMs).toBeGreaterThanOrEqual(0);
      expect(report.checkedAt).toBeInstanceOf(Date);
      expect(typeof report.details).toBe('object');
      expect(report.error).toBeUndefined();
      expect(() => JSON.stringify(report)).not.toThrow();
    });

    it('healthCheck() on a store that is not connected reports unhealthy without throwing', async () => {
      const { store } = await h.create();
      const before = await store.healthCheck();
      expect(before.status).toBe('unhealthy');
      expect(typeof before.error).toBe('string');
      await store.connect();
      await store.close();
      expect((await store.healthCheck()).status).toBe('unhealthy');
    });

    it('stats() counts operations, hits, misses and errors', async () => {
      const { store } = await h.open();
      const start = await store.stats();
      expect(start.backend).toBe(store.name);
      await store.save({ id: 'a' });
      await store.save({ id: 'b' });
      await store.saveMany([{ id: 'c' }]);
      await store.load('a');
      await store.load('a');
      await store.load('missing');
      await store.save({ bad: 1n }).catch(() => undefined);
      const stats = await store.stats();
      expect(stats.operations.save).toBe((start.operations.save ?? 0) + 3);
      expect(stats.operations.saveMany).toBe((start.operations.saveMany ?? 0) + 1);
      expect(stats.operations.load).toBe((start.operations.load ?? 0) + 3);
      expect(stats.hits).toBe(start.hits + 2);
      expect(stats.misses).toBe(start.misses + 1);
      expect(stats.errors).toBe(start.errors + 1);
      expect(typeof stats.expiredRemoved).toBe('number');
      if (stats.records !== undefined) expect(stats.records).toBe(3);
      if (stats.sizeBytes !== undefined) expect(stats.sizeBytes).toBeGreaterThan(0);
      expect(() => JSON.stringify(stats)).not.toThrow();
    });

    it('close() then a new backend on the same store keeps every record (persistent backends)', async (ctx) => {
      const first = await h.open();
      ctx.skip(!first.capabilities.persistent, 'the backend is not persistent');
      const records = [
        { id: 'a', type: 't', metadata: { m: 1 }, body: 'x'.repeat(3000), expires_at: Date.UTC(2031, 0, 1) },
        { id: 'b', nested: { list: [1, 'two', null] }, session_id: 's' },
      ];
      await first.store.saveMany(records);
      const before = await first.store.list({}, { orderBy: 'id' });
      await first.store.close();
      const second = await h.open({ storeKey: first.storeKey, clock: first.clock });
      expect(await second.store.list({}, { orderBy: 'id' })).toEqual(before);
      expect(sortedIds(await second.store.list({ session_id: 's' }))).toEqual(['b']);
      await second.store.save({ id: 'c' });
      await second.store.close();
      const third = await h.open({
        storeKey: first.storeKey,
        config: { compression_enabled: true, compression_threshold: 64 },
      });
      expect(await third.store.count()).toBe(3);
      expect(await third.store.load('a')).toEqual(before[0]);
    });
  });
}
