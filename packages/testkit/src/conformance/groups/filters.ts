import type { Filter, RecordInput } from '@recordstore/core';
import { describe, expect, it } from 'vitest';
import { type Harness, START, show, sortedIds } from '../harness.js';

/** One filter and the ids it must select, worked out by hand from the documented semantics. */
type Case = [filter: Filter, ids: string[]];

/**
 * One test per filter: the fixture is saved into a fresh store, then list(filter) must return exactly
 * `ids`, count(filter) their number, and count({$not: filter}) the rest (which catches SQL's
 * three-valued logic turning NOT over a missing key into "unknown").
 */
function filterCases(
  h: Harness,
  title: string,
  records: readonly RecordInput[],
  cases: readonly Case[],
): void {
  describe(title, () => {
    for (const [filter, ids] of cases) {
      it(`list(${show(filter)}) returns [${ids.join(', ')}]`, async () => {
        const { store } = await h.open();
        await store.saveMany(records);
        const expected = [...ids].sort();
        expect(sortedIds(await store.list(filter))).toEqual(expected);
        expect(await store.count(filter)).toBe(expected.length);
        expect(await store.count({ $not: filter })).toBe(records.length - expected.length);
      });
    }
  });
}

const ALL = (records: readonly RecordInput[]) => records.map((r) => r.id as string);

const TYPED: RecordInput[] = [
  { id: 'n100', v: 100 },
  { id: 'n30', v: 30 },
  { id: 'n5', v: 5 },
  { id: 'n2.5', v: 2.5 },
  { id: 'n1', v: 1 },
  { id: 'n0', v: 0 },
  { id: 'nneg', v: -7 },
  { id: 's100', v: '100' },
  { id: 's30', v: '30' },
  { id: 's5', v: '5' },
  { id: 'btrue', v: true },
  { id: 'bfalse', v: false },
  { id: 'null', v: null },
  { id: 'missing' },
  { id: 'arr', v: [5, 'x', true] },
  { id: 'obj', v: { a: 1 } },
];
const without = (records: readonly RecordInput[], ...ids: string[]) =>
  ALL(records).filter((id) => !ids.includes(id));

const NESTED: RecordInput[] = [
  { id: 'u5', user: { id: 5, name: 'Ann', address: { city: 'Oslo' } } },
  { id: 'u6', user: { id: 6, name: 'Bob', address: { city: 'Rome' } } },
  { id: 'us5', user: { id: '5' } },
  { id: 'unull', user: null },
  { id: 'ustr', user: 'plain' },
  { id: 'uarr', user: [{ id: 5 }] },
  { id: 'dotkey', 'user.id': 5 },
  { id: 'none' },
];

const ARRAYS: RecordInput[] = [
  { id: 'xy', tags: ['x', 'y'] },
  { id: 'y', tags: ['y'] },
  { id: 'empty', tags: [] },
  { id: 'scalar', tags: 'x' },
  { id: 'nested', tags: [['x']] },
  { id: 'nums', tags: [1, 2, 30] },
  { id: 'mixed', tags: [null, true, '1'] },
  { id: 'objs', tags: [{ name: 'x' }] },
  { id: 'none' },
];

const STRINGS: RecordInput[] = [
  { id: 'apple', s: 'apple' },
  { id: 'Apple', s: 'Apple' },
  { id: 'APPLE', s: 'APPLE PIE' },
  { id: 'pct', s: '100%' },
  { id: 'under', s: '100_' },
  { id: 'thousand', s: '1000' },
  { id: 'emoji', s: 'a😀b' },
  { id: 'ab', s: 'ab' },
  { id: 'axb', s: 'axb' },
  { id: 'E_upper', s: 'É' },
  { id: 'e_lower', s: 'é' },
  { id: 'cjk', s: '中文' },
  { id: 'ffff', s: '\uFFFF' },
  { id: 'grin', s: '😀' },
  { id: 'backslash', s: 'a\\b' },
  { id: 'empty', s: '' },
  { id: 'num', s: 100 },
  { id: 'none' },
];
const STRING_IDS = without(STRINGS, 'num', 'none');

const T0 = START - 10_000;
const RESERVED: RecordInput[] = [
  {
    id: 'r1',
    type: 'note',
    session_id: 's1',
    thread_id: 't1',
    metadata: { source: 'web', score: 3, tags: ['a'] },
    created_at: T0,
    expires_at: START + 365 * 86_400_000,
  },
  {
    id: 'r2',
    type: 'message',
    session_id: 's1',
    metadata: { source: 'cli', score: 10 },
    created_at: T0 + 1000,
  },
  { id: 'r3', type: 'Message', session_id: 's2', thread_id: 't2', created_at: T0 + 2000 },
  { id: 'r4', type: 'note', metadata: {}, created_at: T0 + 3000 },
  { id: 'r5', source: 'web', metadata: { nested: { deep: true } }, created_at: T0 + 4000 },
];

const LOGIC: RecordInput[] = [
  { id: 'a', n: 1, s: 'x' },
  { id: 'b', n: 2, s: 'y' },
  { id: 'c', n: 3, s: 'x' },
  { id: 'd', n: 4 },
  { id: 'e', s: 'z' },
];

const DROP = "a'); DROP TABLE x;--";
const HOSTILE: RecordInput[] = [
  { id: DROP, [DROP]: DROP, v: 1 },
  { id: 'quotes', "it's": 'single', '"dq"': 'double', '`bt`': 'backtick' },
  { id: 'dots', 'a.b': 'dotted-key', a: { b: 'nested' }, v: 'x.y.z' },
  { id: 'brackets', 'a[0]': 'br', '*': 'star', ')': 'paren', 'a b': 'space', v: '%_\\' },
  { id: 'sql', v: "' OR 1=1 --", 'k"); DELETE FROM records; --': 'x' },
  { id: 'json', v: '{"a":1}', 'back\\slash': 'bs', $in: 'stored' },
  { id: 'blank', ' ': 'space key', 'new\nline': 'nl', '\u0001': 'control' },
  JSON.parse('{"id":"proto","__proto__":{"polluted":true},"constructor":"c"}') as RecordInput,
];

/** Every operator and type rule of the filter language, each as a test with hand-computed results. */
export function filtersGroup(h: Harness): void {
  describe('filters', () => {
    filterCases(h, 'typed comparisons and null', TYPED, [
      [{ v: 5 }, ['n5', 'arr']],
      [{ v: { $eq: 5 } }, ['n5', 'arr']],
      [{ v: '5' }, ['s5']],
      [{ v: 'true' }, []],
      [{ v: true }, ['btrue', 'arr']],
      [{ v: false }, ['bfalse']],
      [{ v: 1 }, ['n1']],
      [{ v: 0 }, ['n0']],
      [{ v: null }, ['null', 'missing']],
      [{ v: { $in: [null] } }, ['null', 'missing']],
      [{ v: { $ne: null } }, without(TYPED, 'null', 'missing')],
      [{ v: { $ne: 5 } }, without(TYPED, 'n5', 'arr')],
      [{ v: { $ne: true } }, without(TYPED, 'btrue', 'arr')],
      [{ v: { $gt: 30 } }, ['n100']],
      [{ v: { $gte: 30 } }, ['n100', 'n30']],
      [{ v: { $lt: 5 } }, ['n2.5', 'n1', 'n0', 'nneg']],
      [{ v: { $lte: 5 } }, ['n5', 'n2.5', 'n1', 'n0', 'nneg']],
      [{ v: { $gte: 0 } }, ['n100', 'n30', 'n5', 'n2.5', 'n1', 'n0']],
      [{ v: { $gt: '30' } }, ['s5']],
      [{ v: { $lt: '30' } }, ['s100']],
      [{ v: { $gt: 2, $lt: 50 } }, ['n30', 'n5', 'n2.5']],
      [{ v: { $gt: 1.5, $lte: 2.5 } }, ['n2.5']],
      [{ v: { $gte: -7, $lt: 0 } }, ['nneg']],
      [{ v: { $in: [5, '30', false] } }, ['n5', 'arr', 's30', 'bfalse']],
      [{ v: { $in: [] } }, []],
      [{ v: { $nin: [] } }, ALL(TYPED)],
      [{ v: { $nin: [5, null] } }, without(TYPED, 'n5', 'arr', 'null', 'missing')],
      [{ v: { $exists: true } }, without(TYPED, 'missing')],
      [{ v: { $exists: false } }, ['missing']],
      [{ 'v.a': 1 }, ['obj']],
    ]);

    filterCases(h, 'nested paths', NESTED, [
      [{ 'user.id': 5 }, ['u5']],
      [{ user: { id: 5 } }, ['u5']],
      [{ user: { id: { $gte: 5 } } }, ['u5', 'u6']],
      [{ user: { id: 5, name: 'Bob' } }, []],
      [{ 'user.id': 5, 'user.name': 'Ann' }, ['u5']],
      [{ 'user.address.city': 'Rome' }, ['u6']],
      [{ user: { address: { city: { $like: 'O%' } } } }, ['u5']],
      [{ 'user.id': { $exists: true } }, ['u5', 'u6', 'us5']],
      [{ 'user.id': { $exists: false } }, ['unull', 'ustr', 'uarr', 'dotkey', 'none']],
      [{ 'user.id': null }, ['unull', 'ustr', 'uarr', 'dotkey', 'none']],
      [{ 'user.name': { $ne: 'Ann' } }, without(NESTED, 'u5')],
      [{ 'user.address': { $exists: true } }, ['u5', 'u6']],
      [{ user: { $exists: true } }, ['u5', 'u6', 'us5', 'unull', 'ustr', 'uarr']],
      [{ user: null }, ['unull', 'dotkey', 'none']],
      [{ 'user.0.id': 5 }, []],
      [{ $or: [{ 'user.id': 6 }, { user: 'plain' }] }, ['u6', 'ustr']],
    ]);

    filterCases(h, 'arrays', ARRAYS, [
      [{ tags: 'x' }, ['xy', 'scalar']],
      [{ tags: 'y' }, ['xy', 'y']],
      [{ tags: 2 }, ['nums']],
      [{ tags: 1 }, ['nums']],
      [{ tags: '1' }, ['mixed']],
      [{ tags: true }, ['mixed']],
      [{ tags: { $in: ['y', 2] } }, ['xy', 'y', 'nums']],
      [{ tags: { $ne: 'x' } }, without(ARRAYS, 'xy', 'scalar')],
      [{ tags: { $nin: ['x'] } }, without(ARRAYS, 'xy', 'scalar')],
      [{ tags: { $gt: 0 } }, []],
      [{ tags: { $gte: 'x' } }, ['scalar']],
      [{ tags: { $like: 'x%' } }, ['scalar']],
      [{ 'tags.0': 'x' }, []],
      [{ 'tags.0': { $exists: true } }, []],
      [{ 'tags.name': 'x' }, []],
      [{ tags: null }, ['none']],
      [{ tags: { $in: [null] } }, ['none']],
      [{ tags: { $ne: null } }, without(ARRAYS, 'none')],
      [{ tags: { $exists: true } }, without(ARRAYS, 'none')],
    ]);

    filterCases(h, 'strings, unicode and LIKE', STRINGS, [
      [{ s: '😀' }, ['grin']],
      [{ s: 100 }, ['num']],
      [{ s: { $in: ['中文', 'É'] } }, ['cjk', 'E_upper']],
      [{ s: { $like: 'apple' } }, ['apple']],
      [{ s: { $ilike: 'apple' } }, ['apple', 'Apple']],
      [{ s: { $ilike: 'apple%' } }, ['apple', 'Apple', 'APPLE']],
      [{ s: { $like: 'A%' } }, ['Apple', 'APPLE']],
      [{ s: { $like: '%' } }, STRING_IDS],
      [{ s: { $like: '' } }, ['empty']],
      [{ s: { $like: '_' } }, ['E_upper', 'e_lower', 'ffff', 'grin']],
      [{ s: { $like: 'a_b' } }, ['emoji', 'axb', 'backslash']],
      [{ s: { $ilike: 'a%B' } }, ['emoji', 'ab', 'axb', 'backslash']],
      [{ s: { $like: '100%' } }, ['pct', 'under', 'thousand']],
      [{ s: { $like: '100_' } }, ['pct', 'under', 'thousand']],
      [{ s: { $like: '100\\%' } }, ['pct']],
      [{ s: { $like: '100\\_' } }, ['under']],
      [{ s: { $like: '%\\%' } }, ['pct']],
      [{ s: { $like: 'a\\\\b' } }, ['backslash']],
      [{ s: { $like: '1%' } }, ['pct', 'under', 'thousand']],
      [{ s: { $like: '%😀%' } }, ['emoji', 'grin']],
      [{ s: { $like: '中%' } }, ['cjk']],
      [{ s: { $ilike: 'é' } }, ['e_lower']],
      [{ s: { $ilike: 'É' } }, ['E_upper']],
      [{ s: { $gt: '\uFFFF' } }, ['grin']],
      [{ s: { $lt: '😀' } }, STRING_IDS.filter((id) => id !== 'grin')],
      [
        { s: { $gte: 'a' } },
        ['apple', 'emoji', 'ab', 'axb', 'E_upper', 'e_lower', 'cjk', 'ffff', 'grin', 'backslash'],
      ],
      [{ s: { $lt: 'B' } }, ['Apple', 'APPLE', 'pct', 'under', 'thousand', 'empty']],
      [{ s: { $gte: 0 } }, ['num']],
    ]);

    filterCases(h, 'reserved columns and metadata', RESERVED, [
      [{ type: 'note' }, ['r1', 'r4']],
      [{ type: { $ilike: 'message' } }, ['r2', 'r3']],
      [{ type: { $like: 'M%' } }, ['r3']],
      [{ type: null }, ['r5']],
      [{ type: { $ne: 'note' } }, ['r2', 'r3', 'r5']],
      [{ type: { $exists: false } }, ['r5']],
      [{ type: { $in: ['note', 'x'] } }, ['r1', 'r4']],
      [{ type: { $gt: 'n' } }, ['r1', 'r4']],
      [{ session_id: 's1' }, ['r1', 'r2']],
      [{ session_id: { $nin: ['s1'] } }, ['r3', 'r4', 'r5']],
      [{ thread_id: { $exists: true } }, ['r1', 'r3']],
      [{ id: 'r3' }, ['r3']],
      [{ id: { $in: ['r1', 'r5', 'zz'] } }, ['r1', 'r5']],
      [{ id: { $gte: 'r3' } }, ['r3', 'r4', 'r5']],
      [{ created_at: { $gte: new Date(T0 + 2000) } }, ['r3', 'r4', 'r5']],
      [{ created_at: { $lt: new Date(T0 + 2000).toISOString() } }, ['r1', 'r2']],
      [{ created_at: T0 + 1000 }, ['r2']],
      [{ created_at: { $gt: T0, $lte: T0 + 3000 } }, ['r2', 'r3', 'r4']],
      [{ updated_at: { $gte: START } }, ['r1', 'r2', 'r3', 'r4', 'r5']],
      [{ expires_at: null }, ['r2', 'r3', 'r4', 'r5']],
      [{ expires_at: { $exists: true } }, ['r1']],
      [{ expires_at: { $gt: START } }, ['r1']],
      [{ 'metadata.source': 'web' }, ['r1']],
      [{ metadata: { source: 'cli' } }, ['r2']],
      [{ 'metadata.score': { $gt: 5 } }, ['r2']],
      [{ 'metadata.tags': 'a' }, ['r1']],
      [{ metadata: null }, ['r3']],
      [{ metadata: { $exists: true } }, ['r1', 'r2', 'r4', 'r5']],
      [{ metadata: { $exists: false } }, ['r3']],
      [{ 'metadata.nested.deep': true }, ['r5']],
      [{ 'metadata.source': { $exists: false } }, ['r3', 'r4', 'r5']],
      [{ source: 'web' }, ['r5']],
    ]);

    filterCases(h, 'logical operators', LOGIC, [
      [{}, ['a', 'b', 'c', 'd', 'e']],
      [{ n: 1, s: 'x' }, ['a']],
      [{ n: { $gt: 1, $lt: 4 } }, ['b', 'c']],
      [{ n: { $gt: 1, $lt: 4, $ne: 3 } }, ['b']],
      [{ $and: [{ n: { $gt: 1 } }, { s: 'x' }] }, ['c']],
      [{ $or: [{ n: 1 }, { s: 'z' }] }, ['a', 'e']],
      [{ $not: { s: 'x' } }, ['b', 'd', 'e']],
      [{ $not: { n: { $gt: 2 } } }, ['a', 'b', 'e']],
      [{ $not: { $not: { n: 1 } } }, ['a']],
      [{ $not: { $or: [{ n: 1 }, { n: 2 }] } }, ['c', 'd', 'e']],
      [{ s: 'x', $or: [{ n: 1 }, { n: 4 }] }, ['a']],
      [{ $and: [{ $or: [{ n: 1 }, { n: 2 }] }, { $or: [{ s: 'y' }, { s: 'z' }] }] }, ['b']],
      [
        { $or: [{ $and: [{ n: { $gte: 2 } }, { n: { $lte: 3 } }] }, { $not: { n: { $exists: true } } }] },
        ['b', 'c', 'e'],
      ],
      [{ n: { $in: [1, 3] }, s: { $ne: 'x' } }, []],
    ]);

    filterCases(h, 'hostile keys and values', HOSTILE, [
      [{ [DROP]: DROP }, [DROP]],
      [{ id: DROP }, [DROP]],
      [{ "it's": 'single' }, ['quotes']],
      [{ '"dq"': 'double' }, ['quotes']],
      [{ '`bt`': 'backtick' }, ['quotes']],
      [{ 'a.b': 'nested' }, ['dots']],
      [{ 'a.b': 'dotted-key' }, []],
      [{ v: 'x.y.z' }, ['dots']],
      [{ 'a[0]': 'br' }, ['brackets']],
      [{ '*': 'star' }, ['brackets']],
      [{ ')': 'paren' }, ['brackets']],
      [{ 'a b': 'space' }, ['brackets']],
      [{ v: { $like: '\\%\\_\\\\' } }, ['brackets']],
      [{ v: "' OR 1=1 --" }, ['sql']],
      [{ 'k"); DELETE FROM records; --': 'x' }, ['sql']],
      [{ v: { $in: ["' OR 1=1 --", DROP] } }, ['sql']],
      [{ v: '{"a":1}' }, ['json']],
      [{ 'back\\slash': 'bs' }, ['json']],
      [{ ' ': 'space key' }, ['blank']],
      [{ 'new\nline': 'nl' }, ['blank']],
      [{ '\u0001': 'control' }, ['blank']],
      [JSON.parse('{"__proto__.polluted":true}') as Filter, ['proto']],
      [JSON.parse('{"__proto__":{"polluted":true}}') as Filter, ['proto']],
      [{ constructor: 'c' }, ['proto']],
      [{ toString: { $exists: true } }, []],
      [{ "x'); DROP TABLE x;--": { $exists: false } }, ALL(HOSTILE)],
    ]);
  });
}
