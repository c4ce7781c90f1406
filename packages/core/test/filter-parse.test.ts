import { describe, expect, it } from 'vitest';
import { MATCH_ALL, MAX_IN_VALUES, parseFilter, StorageError } from '../src/index.js';

function refused(filter: unknown): StorageError {
  try {
    parseFilter(filter);
  } catch (error) {
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).kind).toBe('validation');
    return error as StorageError;
  }
  throw new Error(`parseFilter accepted ${JSON.stringify(filter)}`);
}

describe('parseFilter', () => {
  it('parseFilter(undefined | null | {}) matches everything', () => {
    expect(parseFilter(undefined)).toEqual(MATCH_ALL);
    expect(parseFilter(null)).toEqual(MATCH_ALL);
    expect(parseFilter({})).toEqual(MATCH_ALL);
  });

  it('parseFilter({ a: 1 }) is implicit equality on a data path', () => {
    expect(parseFilter({ a: 1 })).toEqual({
      op: 'eq',
      field: { kind: 'json', root: 'data', path: ['a'] },
      value: 1,
    });
  });

  it('parseFilter splits dotted paths and nested-object shorthand the same way', () => {
    const dotted = parseFilter({ 'user.address.city': 'Oslo' });
    expect(parseFilter({ user: { address: { city: 'Oslo' } } })).toEqual(dotted);
    expect(dotted).toMatchObject({ field: { path: ['user', 'address', 'city'] } });
  });

  it('parseFilter maps reserved keys to columns and metadata.* to the metadata root', () => {
    expect(parseFilter({ type: 'x' })).toMatchObject({ field: { kind: 'string', column: 'type' } });
    expect(parseFilter({ created_at: 5 })).toMatchObject({
      field: { kind: 'time', column: 'created_at' },
      value: 5,
    });
    expect(parseFilter({ 'metadata.a.b': 1 })).toMatchObject({
      field: { kind: 'json', root: 'metadata', path: ['a', 'b'] },
    });
    expect(parseFilter({ metadata: null })).toMatchObject({
      field: { kind: 'json', root: 'metadata', path: [] },
      value: null,
    });
  });

  it('parseFilter converts time operands (Date, ISO, ms) to epoch ms', () => {
    const t = Date.UTC(2024, 0, 1);
    for (const operand of [new Date(t), '2024-01-01T00:00:00Z', t]) {
      expect(parseFilter({ updated_at: { $gte: operand } })).toMatchObject({
        op: 'cmp',
        cmp: 'gte',
        value: t,
      });
    }
  });

  it('parseFilter turns a Date operand on a data path into its ISO string', () => {
    expect(parseFilter({ when: new Date(0) })).toMatchObject({ value: '1970-01-01T00:00:00.000Z' });
  });

  it('parseFilter applies every operator on one key (AND)', () => {
    expect(parseFilter({ n: { $gt: 1, $lt: 5 } })).toEqual({
      op: 'and',
      nodes: [
        { op: 'cmp', cmp: 'gt', value: 1, field: { kind: 'json', root: 'data', path: ['n'] } },
        { op: 'cmp', cmp: 'lt', value: 5, field: { kind: 'json', root: 'data', path: ['n'] } },
      ],
    });
  });

  it('parseFilter writes $ne and $nin as not(eq) and not(in)', () => {
    expect(parseFilter({ a: { $ne: 1 } })).toMatchObject({ op: 'not', node: { op: 'eq', value: 1 } });
    expect(parseFilter({ a: { $nin: [1] } })).toMatchObject({ op: 'not', node: { op: 'in', values: [1] } });
  });

  it.each(
    (
      [
        [{ a: { $foo: 1 } }, 'filter.a.$foo', /unknown operator "\$foo"/],
        [{ $foo: 1 }, 'filter.$foo', /unknown logical operator/],
        [{ $gt: 1 }, 'filter.$gt', /applies to a field/],
        [{ $and: { a: 1 } }, 'filter.$and', /non-empty array/],
        [{ $or: [] }, 'filter.$or', /non-empty array/],
        [{ $or: [5] }, 'filter.$or[0]', /must be an object/],
        [{ $not: [] }, 'filter.$not', /must be an object/],
        [{ a: { $gt: 1, b: 2 } }, 'filter.a', /mixes operators/],
        [{ a: {} }, 'filter.a', /empty object/],
        [{ a: { $gt: true } }, 'filter.a.$gt', /finite number or a string/],
        [{ a: { $gt: null } }, 'filter.a.$gt', /finite number or a string/],
        [{ a: { $in: 1 } }, 'filter.a.$in', /array of values/],
        [{ a: { $in: [{}] } }, 'filter.a.$in[0]', /string, number, boolean or null/],
        [{ a: { $exists: 1 } }, 'filter.a.$exists', /true or false/],
        [{ a: { $like: 1 } }, 'filter.a.$like', /string pattern/],
        [{ a: { $like: 'x\\' } }, 'filter.a.$like', /lone escape/],
        [{ a: [1] }, 'filter.a', /\$in/],
        [{ a: 1n }, 'filter.a', /string, number, boolean or null/],
        [{ a: Number.NaN }, 'filter.a', /finite/],
        [{ a: 'x\u0000' }, 'filter.a', /NUL/],
        [{ 'a..b': 1 }, 'filter.a..b', /empty segment/],
        [{ '': 1 }, 'filter.', /empty segment/],
        [{ type: 1 }, 'filter.type', /holds strings/],
        [{ type: { $gt: 1 } }, 'filter.type.$gt', /must be a string/],
        [{ type: { x: 1 } }, 'filter.type', /reserved column/],
        [{ 'type.x': 1 }, 'filter.type.x', /no nested fields/],
        [{ id: null }, 'filter.id', /never null/],
        [{ created_at: 'soon' }, 'filter.created_at', /ISO-8601/],
        [{ created_at: { $like: 'x' } }, 'filter.created_at.$like', /timestamp/],
        [{ metadata: 1 }, 'filter.metadata', /metadata\.<key>/],
        [{ metadata: { $gt: 1 } }, 'filter.metadata.$gt', /metadata\.<key>/],
        ['text', 'filter', /must be an object/],
        [[], 'filter', /must be an object/],
      ] as [unknown, string, RegExp][]
    ).map(([filter, path, message]) => ({ filter, path, message })),
  )('parseFilter throws a validation error at $path ($message)', ({ filter, path, message }) => {
    const error = refused(filter);
    expect(error.path).toBe(path);
    expect(error.message).toMatch(message);
    expect(error.message).toContain(path);
  });

  it('parseFilter refuses more than MAX_IN_VALUES values and nesting deeper than MAX_DEPTH', () => {
    expect(refused({ a: { $in: Array.from({ length: MAX_IN_VALUES + 1 }, (_, i) => i) } }).message).toMatch(
      /limit/,
    );
    let deep: Record<string, unknown> = { a: 1 };
    for (let i = 0; i < 150; i++) deep = { $not: deep };
    expect(refused(deep).message).toMatch(/nested more than/);
  });
});
