import type { ListOptions, RecordInput } from '@recordstore/core';
import { describe, expect, it } from 'vitest';
import { type Harness, idsOf, START } from '../harness.js';

const S = START - 100_000;
// Ties on purpose: created_at has pairs, type has duplicates and gaps, expires_at is sometimes null.
const ROWS: RecordInput[] = [
  { id: 'a', created_at: S + 3, type: 'b', session_id: 'x', expires_at: START + 50 },
  { id: 'b', created_at: S + 1, type: 'a', thread_id: 't2', expires_at: START + 10 },
  { id: 'c', created_at: S + 3, type: 'b', session_id: 'y' },
  { id: 'd', created_at: S + 2, thread_id: 't1', expires_at: START + 10 },
  { id: 'e', created_at: S + 5, type: 'c' },
  { id: 'f', created_at: S + 1, type: 'a', session_id: 'x', expires_at: START + 30 },
];

const ORDERS: [orderBy: ListOptions['orderBy'], expected: string[]][] = [
  ['created_at', ['b', 'f', 'd', 'a', 'c', 'e']],
  ['-created_at', ['e', 'c', 'a', 'd', 'f', 'b']],
  [{ field: 'created_at', direction: 'asc' }, ['b', 'f', 'd', 'a', 'c', 'e']],
  ['id', ['a', 'b', 'c', 'd', 'e', 'f']],
  ['-id', ['f', 'e', 'd', 'c', 'b', 'a']],
  ['type', ['b', 'f', 'a', 'c', 'e', 'd']],
  ['-type', ['e', 'c', 'a', 'f', 'b', 'd']],
  ['expires_at', ['b', 'd', 'f', 'a', 'c', 'e']],
  ['-expires_at', ['a', 'f', 'd', 'b', 'e', 'c']],
  ['session_id', ['a', 'f', 'c', 'b', 'd', 'e']],
  ['-thread_id', ['b', 'd', 'f', 'e', 'c', 'a']],
  ['updated_at', ['a', 'b', 'c', 'd', 'e', 'f']],
  ['-updated_at', ['f', 'e', 'd', 'c', 'b', 'a']],
  [
    ['type', '-created_at'],
    ['b', 'f', 'a', 'c', 'e', 'd'],
  ],
  [
    ['-type', 'created_at'],
    ['e', 'c', 'a', 'f', 'b', 'd'],
  ],
  [
    [
      { field: 'session_id', direction: 'desc' },
      { field: 'expires_at', direction: 'asc' },
    ],
    ['c', 'f', 'a', 'd', 'b', 'e'],
  ],
];

/** Default order, every orderBy column in both directions with ties broken by id, nulls last, windows. */
export function orderingGroup(h: Harness): void {
  describe('ordering, limit, offset', () => {
    it('list() returns newest created_at first, ties by id descending', async () => {
      const { store } = await h.open();
      await store.saveMany(ROWS);
      expect(idsOf(await store.list())).toEqual(['e', 'c', 'a', 'd', 'f', 'b']);
    });

    for (const [orderBy, expected] of ORDERS) {
      it(`list({}, { orderBy: ${JSON.stringify(orderBy)} }) returns ${expected.join('')} (ties by id, nulls last)`, async () => {
        const { store } = await h.open();
        await store.saveMany(ROWS);
        expect(idsOf(await store.list({}, { orderBy }))).toEqual(expected);
        // A window of the same order is a slice of it.
        expect(idsOf(await store.list({}, { orderBy, limit: 3, offset: 2 }))).toEqual(expected.slice(2, 5));
      });
    }

    it('list(filter, { limit, offset }) windows the filtered, ordered result', async () => {
      const { store } = await h.open();
      await store.saveMany(ROWS);
      const order = { orderBy: 'id' };
      expect(idsOf(await store.list({ type: { $ne: 'c' } }, { ...order, limit: 2 }))).toEqual(['a', 'b']);
      expect(idsOf(await store.list({ type: { $ne: 'c' } }, { ...order, limit: 2, offset: 2 }))).toEqual([
        'c',
        'd',
      ]);
      expect(idsOf(await store.list({}, { ...order, offset: 4 }))).toEqual(['e', 'f']);
      expect(await store.list({}, { ...order, offset: 6 })).toEqual([]);
      expect(await store.list({}, { ...order, offset: 1000 })).toEqual([]);
      expect(await store.list({}, { ...order, limit: 0 })).toEqual([]);
      expect(idsOf(await store.list({}, { ...order, limit: 1000 }))).toHaveLength(6);
    });

    it('list({}, { orderBy: "type" }) orders strings by code point ("\\uFFFF" before "😀")', async () => {
      const { store } = await h.open();
      const types = ['😀', '\uFFFF', 'a', 'B', 'é', 'Z', '中', 'ab', ''];
      await store.saveMany(types.map((type, i) => ({ id: `t${i}`, type })));
      const listed = await store.list({}, { orderBy: 'type' });
      expect(listed.map((r) => r.type)).toEqual(['', 'B', 'Z', 'a', 'ab', 'é', '中', '\uFFFF', '😀']);
      const desc = await store.list({}, { orderBy: '-type' });
      expect(desc.map((r) => r.type)).toEqual(['😀', '\uFFFF', '中', 'é', 'ab', 'a', 'Z', 'B', '']);
    });

    it('list({}, { orderBy: "id" }) orders ids by code point', async () => {
      const { store } = await h.open();
      const ids = ['😀', '\uFFFF', 'a', 'B', 'é', '10', '9', 'a-b', 'a_b'];
      await store.saveMany(ids.map((id) => ({ id })));
      expect(idsOf(await store.list({}, { orderBy: 'id' }))).toEqual([
        '10',
        '9',
        'B',
        'a',
        'a-b',
        'a_b',
        'é',
        '\uFFFF',
        '😀',
      ]);
    });
  });
}
