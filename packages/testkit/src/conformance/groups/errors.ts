import type { Filter, RecordInput, StorageBackend } from '@recordstore/core';
import { describe, expect, it } from 'vitest';
import { collect, expectStorageError, type Harness, show, snapshot } from '../harness.js';

const SEED: RecordInput[] = [
  { id: 'keep-1', n: 1, nested: { a: [1, 2] }, type: 't', metadata: { m: 1 } },
  { id: 'keep-2', n: 2, s: 'two' },
];

/**
 * Opens one store with a little data, then runs each bad call: each must fail with kind validation
 * naming `culprit`, and leave the store exactly as it was.
 */
async function refused(
  h: Harness,
  culprit: string | RegExp,
  ...calls: ((store: StorageBackend) => Promise<unknown> | AsyncIterable<unknown>)[]
): Promise<void> {
  const { store } = await h.open();
  await store.saveMany(SEED);
  const before = await snapshot(store);
  for (const bad of calls) {
    await expectStorageError(
      async () => {
        const result = bad(store);
        if (result && typeof (result as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
          await collect(result as AsyncIterable<unknown>);
        } else {
          await result;
        }
      },
      'validation',
      culprit,
    );
    expect(await snapshot(store)).toEqual(before);
  }
}

function circular(): Record<string, unknown> {
  const node: Record<string, unknown> = { name: 'loop' };
  node.self = node;
  return { id: 'circ', child: node };
}

function deepFilter(levels: number): Filter {
  let filter: Filter = { a: 1 };
  for (let i = 0; i < levels; i++) filter = { $not: filter };
  return filter;
}

function deepRecord(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < levels; i++) value = { d: value };
  return { id: 'deep', root: value };
}

const BAD_RECORDS: [string, () => unknown, string | RegExp][] = [
  ['a BigInt', () => ({ id: 'x', big: 10n }), 'record.big'],
  ['a circular object', circular, /record\.child.*circular/],
  ['a function', () => ({ id: 'x', fn: () => 1 }), 'record.fn'],
  ['a symbol', () => ({ id: 'x', sym: Symbol('s') }), 'record.sym'],
  ['NaN', () => ({ id: 'x', deep: { nan: Number.NaN } }), 'record.deep.nan'],
  ['Infinity', () => ({ id: 'x', inf: Number.POSITIVE_INFINITY }), 'record.inf'],
  ['-Infinity in metadata', () => ({ id: 'x', metadata: { m: Number.NEGATIVE_INFINITY } }), 'metadata.m'],
  ['a lone surrogate', () => ({ id: 'x', s: 'bad \uD800 half' }), 'record.s'],
  ['a lone surrogate in a key', () => ({ id: 'x', 'k\uDC00': 1 }), 'surrogate'],
  ['a NUL character in a string', () => ({ id: 'x', s: 'nul\u0000here' }), 'record.s'],
  ['a NUL character in a key', () => ({ id: 'x', 'k\u0000': 1 }), 'NUL'],
  ['a NUL character in type', () => ({ id: 'x', type: 'a\u0000' }), 'type'],
  ['undefined in an array', () => ({ id: 'x', list: [1, undefined, 3] }), 'record.list[1]'],
  ['a class instance', () => ({ id: 'x', m: new Map() }), 'record.m'],
  ['nesting 1,000 levels deep', () => deepRecord(1000), 'nested'],
  ['not an object', () => 'just a string', 'record'],
  ['an array instead of an object', () => [1, 2], 'record'],
  ['null', () => null, 'record'],
];

const BAD_IDS: [string, unknown, string][] = [
  ['an empty id', '', 'id'],
  ['an id of 10,000 characters', 'x'.repeat(10_000), '10000'],
  ['a number id', 42, 'id'],
  ['an object id', { $ne: null }, 'id'],
  ['an id containing NUL', 'a\u0000b', 'NUL'],
];

const BAD_FILTERS: [Filter | unknown, string | RegExp][] = [
  [{ n: { $foo: 1 } }, '$foo'],
  [{ $foo: [{ n: 1 }] }, '$foo'],
  [{ $in: 'stored' }, '$in'],
  [{ $where: 'stored' }, '$where'],
  [{ $and: { n: 1 } }, '$and'],
  [{ $or: [] }, '$or'],
  [{ $not: [{ n: 1 }] }, '$not'],
  [{ n: { $gt: 1, m: 2 } }, 'mixes'],
  [{ n: { $gt: true } }, '$gt'],
  [{ n: { $lt: null } }, '$lt'],
  [{ n: { $gte: [1] } }, '$gte'],
  [{ n: { $in: 5 } }, '$in'],
  [{ n: { $nin: 'abc' } }, '$nin'],
  [{ n: { $in: [[1]] } }, '$in'],
  [{ n: { $exists: 'yes' } }, '$exists'],
  [{ n: { $like: 5 } }, '$like'],
  [{ n: { $like: 'ends with escape \\' } }, '$like'],
  [{ n: [1, 2] }, 'array'],
  [{ n: {} }, 'empty'],
  [{ n: Number.NaN }, 'filter.n'],
  [{ n: 10n }, 'filter.n'],
  [{ n: 'nul\u0000' }, 'NUL'],
  [{ 'a..b': 1 }, 'empty segment'],
  [{ type: 5 }, 'type'],
  [{ type: { $gt: 5 } }, 'type'],
  [{ id: null }, 'id'],
  [{ created_at: 'yesterday' }, 'created_at'],
  [{ created_at: { $like: '2024%' } }, '$like'],
  [{ 'type.sub': 'x' }, 'reserved'],
  [{ metadata: 5 }, 'metadata'],
  [deepFilter(1000), 'nested'],
  ['not an object', 'filter'],
  // An array is a list of ids to deleteMany, and not a filter anywhere else.
  [[{ n: 1 }], /filter|ids\[0\]/],
];

/** Bad input of every kind: a StorageError of kind validation naming the culprit, and no change stored. */
export function errorsGroup(h: Harness): void {
  describe('bad input', () => {
    for (const [what, make, culprit] of BAD_RECORDS) {
      it(`save(record) with ${what} rejects with kind validation and stores nothing`, async () => {
        await refused(h, culprit, (store) => store.save(make() as RecordInput));
      });
    }

    it('saveMany(records) with a BigInt at index 57 of 100 saves none and names records[57]', async () => {
      await refused(h, 'records[57]', (store) =>
        store.saveMany(
          Array.from({ length: 100 }, (_, i) => (i === 57 ? { id: `r${i}`, v: 57n } : { id: `r${i}`, v: i })),
        ),
      );
    });

    it('save(record) over an existing id with a bad value leaves the stored record unchanged', async () => {
      await refused(h, 'record.bad', (store) => store.save({ id: 'keep-1', n: 99, bad: Number.NaN }));
    });

    it('save(record) with a 50 MB record is refused under the default max_record_bytes', async () => {
      await refused(h, 'max_record_bytes', (store) =>
        store.save({ id: 'huge', blob: 'x'.repeat(50 * 1024 * 1024) }),
      );
    });

    for (const [what, id, culprit] of BAD_IDS) {
      it(`save/load/update/delete/exists with ${what} reject with kind validation`, async () => {
        await refused(
          h,
          culprit,
          (store) => store.save({ id } as RecordInput),
          (store) => store.load(id as string),
          (store) => store.exists(id as string),
          (store) => store.update(id as string, { n: 1 }),
          (store) => store.delete(id as string),
          (store) => store.deleteMany(['keep-1', id as string]),
        );
      });
    }

    for (const [filter, culprit] of BAD_FILTERS) {
      it(`list/count/stream/deleteMany(${show(filter).slice(0, 80)}) reject with kind validation`, async () => {
        await refused(
          h,
          culprit,
          (store) => store.list(filter as Filter),
          (store) => store.count(filter as Filter),
          (store) => store.stream(filter as Filter),
          (store) => store.deleteMany(filter as Filter),
        );
      });
    }

    it('list(filter, options) rejects a bad limit, offset or orderBy with kind validation', async () => {
      await refused(h, 'limit', (store) => store.list({}, { limit: -1 }));
      await refused(h, 'limit', (store) => store.list({}, { limit: 1.5 }));
      await refused(h, 'offset', (store) => store.list({}, { offset: -3 }));
      await refused(h, 'orderBy', (store) => store.list({}, { orderBy: 'data' }));
      await refused(h, 'orderBy', (store) =>
        store.list({}, { orderBy: { field: 'id', direction: 'up' } as never }),
      );
      await refused(h, 'batchSize', (store) => store.stream({}, { batchSize: 0 }));
    });

    it('saveMany/deleteMany/transaction with the wrong argument type reject with kind validation', async () => {
      await refused(h, 'records', (store) => store.saveMany('nope' as never));
      await refused(h, 'records[1]', (store) => store.saveMany([{ id: 'ok' }, 5 as never]));
      await refused(h, 'transaction', (store) => store.transaction('nope' as never));
    });

    it('save(record) stores $-prefixed data keys, but filtering on one is an unknown operator', async () => {
      const { store } = await h.open();
      await store.save({ id: 'd', $weird: 1, $in: 'x' });
      expect(await store.load('d')).toMatchObject({ $weird: 1, $in: 'x' });
      await expectStorageError(store.list({ $weird: 1 }), 'validation', '$weird');
    });
  });
}
