import { describe, expect, it } from 'vitest';
import {
  asciiLower,
  compareCodePoints,
  compareRows,
  likeMatches,
  likeToRegExp,
  parseOrderBy,
  type RecordRow,
  StorageError,
  validateLikePattern,
} from '../src/index.js';

describe('LIKE helpers', () => {
  it.each([
    ['abc', 'abc', true],
    ['abc', 'a%', true],
    ['abc', '%c', true],
    ['abc', 'a_c', true],
    ['ac', 'a_c', false],
    ['a😀c', 'a_c', true],
    ['a😀😀c', 'a_c', false],
    ['100%', '100\\%', true],
    ['1000', '100\\%', false],
    ['100_', '100\\_', true],
    ['100x', '100\\_', false],
    ['a\\b', 'a\\\\b', true],
    ['a.b', 'a_b', true],
    ['axb', 'a.b', false],
    ['(x)', '(%)', true],
    ['line\nbreak', 'line%', true],
    ['', '', true],
    ['', '%', true],
    ['x', '', false],
    ['ABC', 'abc', false],
  ])('likeMatches(%j, %j) is %s', (value, pattern, expected) => {
    expect(likeMatches(value, pattern, false)).toBe(expected);
  });

  it('likeMatches with caseInsensitive folds ASCII letters only', () => {
    expect(likeMatches('ABC', 'abc', true)).toBe(true);
    expect(likeMatches('abc', 'A%', true)).toBe(true);
    expect(likeMatches('É', 'é', true)).toBe(false);
    expect(likeMatches('é', 'É', true)).toBe(false);
    expect(likeMatches('STRASSE', 'straße', true)).toBe(false);
    expect(asciiLower('AbÉ😀Z')).toBe('abÉ😀z');
  });

  it('likeToRegExp caches compiled patterns and anchors them', () => {
    expect(likeToRegExp('a%', false)).toBe(likeToRegExp('a%', false));
    expect(likeToRegExp('a', false).test('ba')).toBe(false);
  });

  it('validateLikePattern refuses a pattern ending in a lone backslash', () => {
    expect(() => validateLikePattern('a\\\\', 'p')).not.toThrow();
    expect(() => validateLikePattern('a\\', 'p')).toThrow(StorageError);
    expect(() => validateLikePattern('\\\\\\', 'p')).toThrow(/lone escape/);
  });
});

describe('ordering helpers', () => {
  it('compareCodePoints orders by code point, unlike UTF-16 comparison', () => {
    expect('\uFFFF' > '😀').toBe(true);
    expect(compareCodePoints('\uFFFF', '😀')).toBeLessThan(0);
    expect(compareCodePoints('😀', '\uE000')).toBeGreaterThan(0);
    expect(compareCodePoints('a', 'b')).toBeLessThan(0);
    expect(compareCodePoints('ab', 'a')).toBeGreaterThan(0);
    expect(compareCodePoints('😀', '😁')).toBeLessThan(0);
    expect(compareCodePoints('x', 'x')).toBe(0);
    const words = ['😀', '\uFFFF', 'é', 'Z', 'a', '中'];
    expect([...words].sort(compareCodePoints)).toEqual(['Z', 'a', 'é', '中', '\uFFFF', '😀']);
  });

  const row = (id: string, type: string | null, created_at: number): RecordRow => ({
    id,
    type,
    session_id: null,
    thread_id: null,
    metadata: null,
    data: {},
    created_at,
    updated_at: 0,
    expires_at: null,
  });

  it('compareRows puts nulls last in both directions and breaks ties by id in the first direction', () => {
    const rows = [row('b', 'x', 1), row('a', null, 2), row('c', 'x', 1), row('d', 'w', 3)];
    const asc = [...rows].sort((x, y) => compareRows(x, y, [{ field: 'type', direction: 'asc' }]));
    expect(asc.map((r) => r.id)).toEqual(['d', 'b', 'c', 'a']);
    const desc = [...rows].sort((x, y) => compareRows(x, y, [{ field: 'type', direction: 'desc' }]));
    expect(desc.map((r) => r.id)).toEqual(['c', 'b', 'd', 'a']);
  });

  it('parseOrderBy accepts names, -names, objects and lists, and refuses anything else', () => {
    expect(parseOrderBy(undefined)).toEqual([{ field: 'created_at', direction: 'desc' }]);
    expect(parseOrderBy([])).toEqual([{ field: 'created_at', direction: 'desc' }]);
    expect(parseOrderBy('-id')).toEqual([{ field: 'id', direction: 'desc' }]);
    expect(parseOrderBy(['type', { field: 'id', direction: 'desc' }])).toEqual([
      { field: 'type', direction: 'asc' },
      { field: 'id', direction: 'desc' },
    ]);
    expect(() => parseOrderBy('data')).toThrow(/orderBy\[0\]/);
    expect(() => parseOrderBy({ field: 'id', direction: 'sideways' } as never)).toThrow(StorageError);
  });
});
