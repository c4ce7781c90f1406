import { describe, expect, it } from 'vitest';
import { deepFreeze, type Harness } from '../harness.js';

/** The caller's objects are never written to, and what comes back is never shared with the store. */
export function immutabilityGroup(h: Harness): void {
  describe('no mutation of input, fresh copies out', () => {
    const frozenRecord = () =>
      deepFreeze({
        name: 'frozen',
        nested: { list: [1, { x: 2 }], when: new Date(Date.UTC(2024, 0, 1)) },
        metadata: { m: { n: 1 } },
        created_at: new Date(Date.UTC(2024, 0, 1)),
      });

    it('save(record) accepts a deep-frozen record and does not add an id to it', async () => {
      const { store } = await h.open();
      const record = frozenRecord();
      const before = structuredClone(record);
      const id = await store.save(record);
      expect(record).toEqual(before);
      expect(Object.hasOwn(record, 'id')).toBe(false);
      expect(await store.load(id)).toMatchObject({ name: 'frozen', metadata: { m: { n: 1 } } });
    });

    it('saveMany(records) accepts a deep-frozen array of deep-frozen records', async () => {
      const { store } = await h.open();
      const records = deepFreeze([frozenRecord(), { ...frozenRecord(), id: 'given' }]);
      const before = structuredClone(records);
      const ids = await store.saveMany(records);
      expect(ids).toHaveLength(2);
      expect(ids[1]).toBe('given');
      expect(records).toEqual(before);
    });

    it('update(id, changes) accepts deep-frozen changes', async () => {
      const { store } = await h.open();
      await store.save({ id: 'a', x: 1 });
      const changes = deepFreeze({ y: { z: [1, 2] }, metadata: { k: 'v' } });
      expect(await store.update('a', changes)).toBe(true);
      expect(await store.load('a')).toMatchObject({ x: 1, y: { z: [1, 2] }, metadata: { k: 'v' } });
    });

    it('transaction(fn) writes accept deep-frozen input', async () => {
      const { store } = await h.open();
      await store.transaction(async (tx) => {
        await tx.save(deepFreeze({ id: 'a', n: { v: 1 } }));
        await tx.saveMany(deepFreeze([{ id: 'b' }]));
        await tx.update('a', deepFreeze({ m: [1] }));
      });
      expect(await store.load('a')).toMatchObject({ n: { v: 1 }, m: [1] });
    });

    it('mutating the input after save(record) does not change the stored record', async () => {
      const { store } = await h.open();
      const record: Record<string, unknown> = { id: 'a', nested: { v: 1 }, list: [1] };
      await store.save(record);
      (record.nested as { v: number }).v = 2;
      (record.list as number[]).push(2);
      record.extra = true;
      expect(await store.load('a')).toMatchObject({ nested: { v: 1 }, list: [1] });
      expect((await store.load('a'))?.extra).toBeUndefined();
    });

    it('mutating a record returned by load/list/stream does not change the store', async () => {
      const { store } = await h.open();
      await store.save({ id: 'a', nested: { v: 1 }, metadata: { m: 1 } });
      const loaded = (await store.load('a'))!;
      (loaded.nested as { v: number }).v = 99;
      (loaded.metadata as { m: number }).m = 99;
      loaded.created_at.setTime(0);
      const listed = (await store.list())[0]!;
      (listed.nested as { v: number }).v = 98;
      for await (const r of store.stream()) (r.nested as { v: number }).v = 97;
      const again = (await store.load('a'))!;
      expect(again.nested).toEqual({ v: 1 });
      expect(again.metadata).toEqual({ m: 1 });
      expect(again.created_at.getTime()).not.toBe(0);
      expect(again).not.toBe(loaded);
    });
  });
}
