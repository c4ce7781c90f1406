import { describe, expect, it } from 'vitest';
import { expectStorageError, type Harness, START } from '../harness.js';

/** update(id, changes): an atomic shallow merge. */
export function updateGroup(h: Harness): void {
  describe('update', () => {
    it('update(id, changes) shallow-merges, keeps created_at and bumps updated_at', async () => {
      const { store, clock } = await h.open();
      await store.save({ id: 'a', keep: 1, over: 1, nested: { x: 1, y: 2 }, type: 't' });
      clock.advance(2_000);
      expect(await store.update('a', { over: 2, nested: { x: 3 }, added: true })).toBe(true);
      expect(await store.load('a')).toEqual({
        id: 'a',
        type: 't',
        keep: 1,
        over: 2,
        nested: { x: 3 },
        added: true,
        created_at: new Date(START),
        updated_at: new Date(START + 2_000),
      });
    });

    it('update(id, changes) sets and clears reserved keys', async () => {
      const { store } = await h.open();
      await store.save({ id: 'a', type: 't', session_id: 's' });
      await store.update('a', { type: 'u', session_id: null, metadata: { m: 1 }, thread_id: 'th' });
      const loaded = (await store.load('a'))!;
      expect(loaded).toMatchObject({ type: 'u', metadata: { m: 1 }, thread_id: 'th' });
      expect(Object.hasOwn(loaded, 'session_id')).toBe(false);
      expect(await store.count({ session_id: 's' })).toBe(0);
      expect(await store.count({ 'metadata.m': 1 })).toBe(1);
    });

    it('update(id, changes) ignores a created_at in the changes', async () => {
      const { store } = await h.open();
      await store.save({ id: 'a' });
      await store.update('a', { created_at: START - 99_000 });
      expect((await store.load('a'))?.created_at).toEqual(new Date(START));
    });

    it('update(id, changes) returns false for a missing record and creates nothing', async () => {
      const { store } = await h.open();
      expect(await store.update('missing', { x: 1 })).toBe(false);
      expect(await store.count()).toBe(0);
    });

    it('update(id, changes) cannot change the id', async () => {
      const { store } = await h.open();
      await store.save({ id: 'a', x: 1 });
      await expectStorageError(store.update('a', { id: 'b' }), 'validation', 'id');
      expect(await store.update('a', { id: 'a', x: 2 })).toBe(true);
      expect(await store.load('a')).toMatchObject({ id: 'a', x: 2 });
      expect(await store.exists('b')).toBe(false);
    });

    it('update(id, changes) with a non-JSON value is refused and the record is unchanged', async () => {
      const { store } = await h.open();
      await store.save({ id: 'a', x: 1 });
      const before = await store.load('a');
      await expectStorageError(store.update('a', { x: 2, bad: 10n }), 'validation', 'bad');
      await expectStorageError(store.update('a', null as never), 'validation', 'changes');
      expect(await store.load('a')).toEqual(before);
    });

    it('update(id, changes) is atomic: 20 concurrent updates of different keys all survive', async () => {
      const { store } = await h.open();
      await store.save({ id: 'a', base: true });
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.update('a', { [`k${i}`]: i })),
      );
      expect(results.every(Boolean)).toBe(true);
      const loaded = (await store.load('a'))!;
      for (let i = 0; i < 20; i++) expect(loaded[`k${i}`], `k${i}`).toBe(i);
      expect(loaded.base).toBe(true);
    });
  });
}
