import { describe, expect, it } from 'vitest';
import { collect, expectStorageError, type Harness } from '../harness.js';

/** connect, close, isConnected, and what calls do on a closed store. */
export function lifecycleGroup(h: Harness): void {
  describe('lifecycle', () => {
    it('connect() twice, also concurrently, is fine and isConnected() reports it', async () => {
      const { store } = await h.create();
      expect(store.isConnected()).toBe(false);
      await Promise.all([store.connect(), store.connect()]);
      await store.connect();
      expect(store.isConnected()).toBe(true);
      expect(await store.count()).toBe(0);
    });

    it('save/load/list/count/stream before connect() reject with kind connection', async () => {
      const { store } = await h.create();
      await expectStorageError(store.save({ a: 1 }), 'connection', 'connect');
      await expectStorageError(store.load('x'), 'connection');
      await expectStorageError(store.list(), 'connection');
      await expectStorageError(store.count(), 'connection');
      await expectStorageError(store.exists('x'), 'connection');
      await expectStorageError(
        store.transaction(async () => 1),
        'connection',
      );
      await expectStorageError(collect(store.stream()), 'connection');
    });

    it('close() is idempotent, also before connect(), and calls after it reject with kind connection', async () => {
      const { store } = await h.create();
      await store.close();
      await store.connect();
      await store.save({ id: 'a' });
      await store.close();
      await store.close();
      expect(store.isConnected()).toBe(false);
      await expectStorageError(store.load('a'), 'connection');
      await expectStorageError(store.save({ id: 'b' }), 'connection');
    });

    it('name is a non-empty string and capabilities are data', async () => {
      const { store } = await h.create();
      expect(typeof store.name).toBe('string');
      expect(store.name.length).toBeGreaterThan(0);
      const caps = h.capabilitiesOf(store);
      expect(typeof caps.persistent).toBe('boolean');
      expect(typeof caps.multiProcess).toBe('boolean');
      expect(['none', 'payload', 'column']).toContain(caps.compression);
      expect(caps.maxRecordBytes).toBeGreaterThan(0);
    });
  });
}
