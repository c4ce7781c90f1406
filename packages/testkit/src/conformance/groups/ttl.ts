import { ManualClock } from '@recordstore/core';
import { describe, expect, it } from 'vitest';
import { collect, expectStorageError, type Harness, START, sortedIds } from '../harness.js';

const TTL = { ttl_enabled: true, default_ttl_seconds: 60 };

/** Time to live with an injected clock: nothing here sleeps. */
export function ttlGroup(h: Harness): void {
  describe('TTL (injected clock)', () => {
    it('save(record) sets expires_at = now + default_ttl_seconds when TTL is enabled', async () => {
      const { store } = await h.open({ config: TTL });
      await store.save({ id: 'a' });
      expect((await store.load('a'))?.expires_at).toEqual(new Date(START + 60_000));
    });

    it('save(record) sets no expires_at when TTL is disabled', async () => {
      const { store, clock } = await h.open();
      await store.save({ id: 'a' });
      expect(Object.hasOwn((await store.load('a'))!, 'expires_at')).toBe(false);
      clock.advance(10 * 365 * 86_400_000);
      expect(await store.exists('a')).toBe(true);
    });

    it('load(id) returns the record until expires_at and null from that instant on', async () => {
      const { store, clock } = await h.open({ config: TTL });
      await store.save({ id: 'a' });
      clock.advance(59_999);
      expect(await store.load('a')).not.toBeNull();
      clock.advance(1);
      expect(await store.load('a')).toBeNull();
    });

    it('load(id) returns null for an expired record and deletes it', async () => {
      const { store, clock } = await h.open({ config: TTL });
      await store.save({ id: 'a' });
      clock.advance(61_000);
      const before = await store.stats();
      expect(await store.load('a')).toBeNull();
      const after = await store.stats();
      expect(after.expiredRemoved).toBe(before.expiredRemoved + 1);
      // Already deleted lazily: nothing left for the cleanup to remove.
      expect(await store.cleanupExpired()).toBe(0);
    });

    it('tx.load(id) of an expired record inside transaction(fn) reads as null and deletes it', async () => {
      const { store, clock } = await h.open({ config: TTL });
      await store.saveMany([{ id: 'a' }, { id: 'b', expires_at: null }]);
      clock.advance(61_000);
      const seen = await store.transaction(async (tx) => [await tx.load('a'), await tx.load('b')]);
      expect(seen[0]).toBeNull();
      expect(seen[1]?.id).toBe('b');
      expect(await store.cleanupExpired()).toBe(0);
    });

    it('load(id) of a live record never deletes it; of an expired one deletes only that record', async () => {
      const { store, clock } = await h.open();
      await store.saveMany([
        { id: 'live', expires_at: START + 60_000 },
        { id: 'forever' },
        { id: 'dead1', expires_at: START + 1_000 },
        { id: 'dead2', expires_at: START + 1_000 },
      ]);
      clock.advance(1_000);
      expect(await store.load('live')).not.toBeNull();
      expect(await store.load('forever')).not.toBeNull();
      expect(await store.load('dead1')).toBeNull();
      // dead1 went lazily; dead2 (expired too, never loaded) is still there for the cleanup.
      expect(await store.cleanupExpired()).toBe(1);
      expect(sortedIds(await store.list())).toEqual(['forever', 'live']);
    });

    it('a record re-saved while a load of its expired version is in flight survives the lazy delete', async () => {
      const { store, clock } = await h.open();
      await store.save({ id: 'a', v: 'old', expires_at: START + 1_000 });
      clock.advance(1_000);
      // The load reads the expired row, then deletes it only if it is STILL expired: the save in between
      // must win, whatever order the backend runs the two calls in.
      const [loaded] = await Promise.all([
        store.load('a'),
        store.save({ id: 'a', v: 'new', expires_at: START + 3_600_000 }),
      ]);
      if (loaded !== null) expect(loaded.v).toBe('new');
      expect(await store.load('a')).toMatchObject({ v: 'new' });
      expect(await store.cleanupExpired()).toBe(0);
      expect(await store.count()).toBe(1);
    });

    it('save(record) with an explicit expires_at overrides the default TTL', async () => {
      const { store, clock } = await h.open({ config: TTL });
      await store.save({ id: 'long', expires_at: new Date(START + 3_600_000) });
      await store.save({ id: 'short', expires_at: START + 1_000 });
      clock.advance(120_000);
      expect(await store.exists('long')).toBe(true);
      expect(await store.exists('short')).toBe(false);
    });

    it('save(record) with expires_at: null never expires, even with a default TTL', async () => {
      const { store, clock } = await h.open({ config: TTL });
      await store.save({ id: 'forever', expires_at: null });
      clock.advance(365 * 86_400_000);
      const loaded = await store.load('forever');
      expect(loaded).not.toBeNull();
      expect(Object.hasOwn(loaded!, 'expires_at')).toBe(false);
    });

    it('expired records are excluded from load/exists/list/count/stream/getBySession/getByThread', async () => {
      const { store, clock } = await h.open();
      await store.saveMany([
        { id: 'live', session_id: 's', thread_id: 't', k: 1 },
        { id: 'dead', session_id: 's', thread_id: 't', k: 1, expires_at: START + 1_000 },
        { id: 'later', session_id: 's', thread_id: 't', k: 1, expires_at: START + 100_000 },
      ]);
      expect(await store.count({ k: 1 })).toBe(3);
      clock.advance(1_000);
      expect(await store.exists('dead')).toBe(false);
      expect(await store.count()).toBe(2);
      expect(await store.count({ k: 1 })).toBe(2);
      expect(sortedIds(await store.list())).toEqual(['later', 'live']);
      expect(sortedIds(await store.list({ k: 1 }))).toEqual(['later', 'live']);
      expect(sortedIds(await collect(store.stream({ k: 1 }, { batchSize: 1 })))).toEqual(['later', 'live']);
      expect(sortedIds(await store.getBySession('s'))).toEqual(['later', 'live']);
      expect(sortedIds(await store.getByThread('t'))).toEqual(['later', 'live']);
      expect(await store.count({ expires_at: { $exists: true } })).toBe(1);
      expect(await store.load('dead')).toBeNull();
    });

    it('cleanupExpired() deletes only expired records and returns how many', async () => {
      const { store, clock } = await h.open();
      await store.saveMany([
        { id: 'a', expires_at: START + 1_000 },
        { id: 'b', expires_at: START + 2_000 },
        { id: 'c', expires_at: START + 3_000 },
        { id: 'd', expires_at: START + 10_000 },
        { id: 'e' },
      ]);
      clock.advance(3_000);
      const before = await store.stats();
      expect(await store.cleanupExpired()).toBe(3);
      expect(await store.cleanupExpired()).toBe(0);
      expect((await store.stats()).expiredRemoved).toBe(before.expiredRemoved + 3);
      clock.set(START);
      // Gone for good: turning the clock back does not bring them back.
      expect(sortedIds(await store.list())).toEqual(['d', 'e']);
    });

    it('cleanupOldData(days) deletes records created before now - days and returns how many', async () => {
      const { store } = await h.open();
      const day = 86_400_000;
      await store.saveMany([
        { id: 'old', created_at: START - 40 * day },
        { id: 'edge', created_at: START - 30 * day - 1 },
        { id: 'recent', created_at: START - 29 * day },
        { id: 'now' },
      ]);
      expect(await store.cleanupOldData(30)).toBe(2);
      expect(sortedIds(await store.list())).toEqual(['now', 'recent']);
      expect(await store.cleanupOldData(30)).toBe(0);
      expect(await store.cleanupOldData(0.5)).toBe(1);
      await expectStorageError(store.cleanupOldData(Number.NaN), 'validation', 'retentionDays');
    });

    it('cleanupOldData(days) keeps a record created exactly at now - days (the cutoff is exclusive)', async () => {
      const { store } = await h.open();
      const day = 86_400_000;
      await store.saveMany([
        { id: 'before', created_at: START - 7 * day - 1 },
        { id: 'at', created_at: START - 7 * day },
        { id: 'after', created_at: START - 7 * day + 1 },
      ]);
      expect(await store.cleanupOldData(7)).toBe(1);
      expect(sortedIds(await store.list())).toEqual(['after', 'at']);
    });

    it('save(record) over an expired record behaves as a fresh insert', async () => {
      const { store, clock } = await h.open({ config: TTL });
      await store.save({ id: 'a', old: true, created_at: START - 5_000 });
      clock.advance(120_000);
      await store.save({ id: 'a', fresh: true });
      const loaded = await store.load('a');
      expect(loaded).toMatchObject({ id: 'a', fresh: true });
      expect(loaded?.old).toBeUndefined();
      expect(loaded?.created_at).toEqual(new Date(START + 120_000));
      expect(loaded?.expires_at).toEqual(new Date(START + 180_000));
    });

    it('save(record) without expires_at gives a re-saved record a fresh default TTL', async () => {
      const { store, clock } = await h.open({ config: TTL });
      await store.save({ id: 'a' });
      clock.advance(50_000);
      await store.save({ id: 'a', again: true });
      clock.advance(50_000);
      expect(await store.load('a')).toMatchObject({ again: true, expires_at: new Date(START + 110_000) });
    });

    it('update(id, changes) of an expired record returns false and does not revive it', async () => {
      const { store, clock } = await h.open();
      await store.save({ id: 'a', expires_at: START + 1_000 });
      clock.advance(1_000);
      expect(await store.update('a', { x: 1 })).toBe(false);
      expect(await store.load('a')).toBeNull();
    });

    it('update(id, changes) keeps expires_at unless the changes set it', async () => {
      const clock = new ManualClock(START);
      const { store } = await h.open({ config: TTL, clock });
      await store.save({ id: 'ttl' });
      await store.save({ id: 'never', expires_at: null });
      clock.advance(30_000);
      await store.update('ttl', { x: 1 });
      await store.update('never', { x: 1 });
      expect((await store.load('ttl'))?.expires_at).toEqual(new Date(START + 60_000));
      expect(Object.hasOwn((await store.load('never'))!, 'expires_at')).toBe(false);
      await store.update('ttl', { expires_at: null });
      clock.advance(3_600_000);
      expect(await store.exists('ttl')).toBe(true);
    });
  });
}
