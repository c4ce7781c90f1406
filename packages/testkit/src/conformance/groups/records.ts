import { describe, expect, it } from 'vitest';
import { expectStorageError, type Harness, START } from '../harness.js';

/** save/load/delete/exists and the record model: ids, timestamps, reserved keys, JSON round trips. */
export function recordsGroup(h: Harness): void {
  describe('records and upsert', () => {
    it('save(record) generates a time-ordered id when none is given', async () => {
      const { store } = await h.open();
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) ids.push(await store.save({ i }));
      ids.push(await store.save({ id: null as never, i: 20 }));
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of ids)
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      // Time-ordered: later saves get larger ids, so new rows land at the end of the id index.
      expect([...ids].sort()).toEqual(ids);
      expect(await store.load(ids[20]!)).toMatchObject({ id: ids[20], i: 20 });
    });

    it('save(record) returns the id it was given and load(id) returns the record', async () => {
      const { store } = await h.open();
      expect(await store.save({ id: 'rec-1', text: 'hello' })).toBe('rec-1');
      const loaded = await store.load('rec-1');
      expect(loaded).toEqual({
        id: 'rec-1',
        text: 'hello',
        created_at: new Date(START),
        updated_at: new Date(START),
      });
    });

    it('load(id) returns null and exists(id) false for an unknown id', async () => {
      const { store } = await h.open();
      await store.save({ id: 'a' });
      expect(await store.load('b')).toBeNull();
      expect(await store.exists('b')).toBe(false);
      expect(await store.exists('a')).toBe(true);
    });

    it('save(record) over an existing id keeps the first created_at and bumps updated_at', async () => {
      const { store, clock } = await h.open();
      await store.save({ id: 'a', v: 1 });
      clock.advance(5_000);
      await store.save({ id: 'a', v: 2, created_at: START + 99_999 });
      const loaded = await store.load('a');
      expect(loaded?.v).toBe(2);
      expect(loaded?.created_at).toEqual(new Date(START));
      expect(loaded?.updated_at).toEqual(new Date(START + 5_000));
      expect(await store.count()).toBe(1);
    });

    it('save(record) replaces the whole record: keys and reserved columns not given again are gone', async () => {
      const { store } = await h.open();
      await store.save({ id: 'a', x: 1, y: 2, type: 't', session_id: 's', metadata: { m: 1 } });
      await store.save({ id: 'a', x: 3 });
      const loaded = await store.load('a');
      expect(loaded).toEqual({ id: 'a', x: 3, created_at: new Date(START), updated_at: new Date(START) });
    });

    it('save(record) accepts created_at as Date, ISO-8601 string or epoch ms and returns a Date with ms precision', async () => {
      const { store } = await h.open();
      const t = Date.UTC(2024, 1, 29, 13, 14, 15, 123);
      await store.save({ id: 'date', created_at: new Date(t) });
      await store.save({ id: 'iso', created_at: '2024-02-29T13:14:15.123Z' });
      await store.save({ id: 'offset', created_at: '2024-02-29T15:14:15.123+02:00' });
      await store.save({ id: 'micro', created_at: '2024-02-29T13:14:15.123456Z' });
      await store.save({ id: 'ms', created_at: t });
      for (const id of ['date', 'iso', 'offset', 'micro', 'ms']) {
        const loaded = await store.load(id);
        expect(loaded?.created_at, id).toBeInstanceOf(Date);
        expect(loaded?.created_at.getTime(), id).toBe(t);
        expect(loaded?.updated_at).toBeInstanceOf(Date);
      }
    });

    it('save(record) ignores a given updated_at unless preserveTimestamps is set', async () => {
      const { store, clock } = await h.open();
      await store.save({ id: 'a', updated_at: START - 1000 });
      expect((await store.load('a'))?.updated_at).toEqual(new Date(START));
      clock.advance(1000);
      await store.save(
        { id: 'a', created_at: START - 50_000, updated_at: START - 40_000 },
        { preserveTimestamps: true },
      );
      const loaded = await store.load('a');
      expect(loaded?.created_at).toEqual(new Date(START - 50_000));
      expect(loaded?.updated_at).toEqual(new Date(START - 40_000));
    });

    it('load(id) merges the reserved keys back into the record', async () => {
      const { store } = await h.open();
      await store.save({
        id: 'a',
        type: 'message',
        session_id: 'sess',
        thread_id: 'thr',
        metadata: { source: 'web', tags: ['x'], nested: { n: 1 } },
        expires_at: '2031-01-01T00:00:00.000Z',
        role: 'user',
        content: { text: 'hi' },
      });
      expect(await store.load('a')).toEqual({
        id: 'a',
        type: 'message',
        session_id: 'sess',
        thread_id: 'thr',
        metadata: { source: 'web', tags: ['x'], nested: { n: 1 } },
        created_at: new Date(START),
        updated_at: new Date(START),
        expires_at: new Date('2031-01-01T00:00:00.000Z'),
        role: 'user',
        content: { text: 'hi' },
      });
    });

    it('load(id) omits reserved keys that are null', async () => {
      const { store } = await h.open();
      await store.save({
        id: 'a',
        type: null,
        session_id: null,
        thread_id: null,
        metadata: null,
        expires_at: null,
      });
      const loaded = (await store.load('a'))!;
      for (const key of ['type', 'session_id', 'thread_id', 'metadata', 'expires_at']) {
        expect(Object.hasOwn(loaded, key), key).toBe(false);
      }
    });

    it('save(record) round-trips JSON values exactly', async () => {
      const { store } = await h.open();
      const record = {
        id: 'json',
        int: 42,
        negative: -17,
        maxSafe: 9_007_199_254_740_991,
        float: 0.1,
        tiny: -1.5e-7,
        huge: 1e300,
        zero: 0,
        t: true,
        f: false,
        nil: null,
        empty: '',
        emptyObject: {},
        emptyArray: [],
        mixed: [1, 'two', null, true, { three: [3] }, [[]]],
        unicode: 'héllo wörld 中文 😀 \u{10FFFF} \uFFFF',
        中文键: 'cjk key',
        '😀': 'emoji key',
        'a.b': 'dotted key',
        "it's": 'quote',
        '"dq"': 'double quote',
        'a[0]': 'bracket',
        ' ': 'space key',
        $dollar: 'dollar key',
        deep: { a: { b: { c: { d: { e: 'deep' } } } } },
        escapes: 'line\nbreak\ttab "quoted" back\\slash \u0001 \u001f',
      };
      await store.save(record);
      const loaded = await store.load('json');
      expect(loaded).toEqual({ ...record, created_at: new Date(START), updated_at: new Date(START) });
    });

    it('save(record) stores a Date inside data as an ISO-8601 string and omits undefined properties', async () => {
      const { store } = await h.open();
      await store.save({ id: 'a', when: new Date(Date.UTC(2024, 0, 2)), gone: undefined, kept: 1 });
      const loaded = (await store.load('a'))!;
      expect(loaded.when).toBe('2024-01-02T00:00:00.000Z');
      expect(Object.hasOwn(loaded, 'gone')).toBe(false);
      expect(loaded.kept).toBe(1);
    });

    it('save(record) stores a __proto__ key as data, without touching any prototype', async () => {
      const { store } = await h.open();
      const record = JSON.parse('{"id":"p","__proto__":{"polluted":true},"constructor":{"x":1},"a":1}');
      await store.save(record);
      const loaded = (await store.load('p'))!;
      expect(Object.hasOwn(loaded, '__proto__')).toBe(true);
      expect(Object.getOwnPropertyDescriptor(loaded, '__proto__')?.value).toEqual({ polluted: true });
      expect(Object.getPrototypeOf(loaded)).toBe(Object.prototype);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(loaded.constructor).toEqual({ x: 1 });
      expect(await store.count(JSON.parse('{"__proto__.polluted":true}'))).toBe(1);
    });

    it('delete(id) returns true once, then false, and the record is gone', async () => {
      const { store } = await h.open();
      await store.save({ id: 'a' });
      await store.save({ id: 'b' });
      expect(await store.delete('a')).toBe(true);
      expect(await store.delete('a')).toBe(false);
      expect(await store.load('a')).toBeNull();
      expect(await store.exists('b')).toBe(true);
    });

    it('getBySession(id) and getByThread(id) list one session or thread, newest first', async () => {
      const { store, clock } = await h.open();
      await store.save({ id: 's1-old', session_id: 's1', thread_id: 't1' });
      clock.advance(1000);
      await store.save({ id: 's1-new', session_id: 's1', thread_id: 't2' });
      await store.save({ id: 's2', session_id: 's2', thread_id: 't1' });
      expect((await store.getBySession('s1')).map((r) => r.id)).toEqual(['s1-new', 's1-old']);
      expect((await store.getByThread('t1')).map((r) => r.id)).toEqual(['s2', 's1-old']);
      expect((await store.getBySession('s1', { limit: 1 })).map((r) => r.id)).toEqual(['s1-new']);
      expect(await store.getBySession('none')).toEqual([]);
    });

    it('save(record) refuses bad reserved keys with kind validation naming the key', async () => {
      const { store } = await h.open();
      await expectStorageError(store.save({ type: 5 as never }), 'validation', 'type');
      await expectStorageError(store.save({ session_id: {} as never }), 'validation', 'session_id');
      await expectStorageError(store.save({ metadata: 'x' as never }), 'validation', 'metadata');
      await expectStorageError(store.save({ metadata: [1] as never }), 'validation', 'metadata');
      await expectStorageError(store.save({ created_at: 'yesterday' }), 'validation', 'created_at');
      await expectStorageError(store.save({ expires_at: Number.NaN }), 'validation', 'expires_at');
      await expectStorageError(store.save({ updated_at: new Date(Number.NaN) }), 'validation', 'updated_at');
      expect(await store.count()).toBe(0);
    });
  });
}
