import { describe, expect, it } from 'vitest';
import {
  generateId,
  isExpired,
  MAX_ID_LENGTH,
  StorageError,
  toEpochMs,
  toJsonValue,
  toStoredRecord,
  toWriteRow,
  unstorableStringReason,
  validateId,
} from '../src/index.js';

const NOW = Date.UTC(2030, 0, 1);
const stamp = { now: NOW, defaultTtlMs: null, maxRecordBytes: 1_000_000 };

function validation(fn: () => unknown): StorageError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).kind).toBe('validation');
    return error as StorageError;
  }
  throw new Error('expected a validation error');
}

describe('record model', () => {
  it('validateId(id) accepts up to MAX_ID_LENGTH characters and refuses the rest by name', () => {
    expect(validateId('a'.repeat(MAX_ID_LENGTH))).toHaveLength(MAX_ID_LENGTH);
    expect(validation(() => validateId('')).message).toContain('non-empty');
    expect(validation(() => validateId('a'.repeat(MAX_ID_LENGTH + 1))).message).toContain(
      `${MAX_ID_LENGTH + 1}`,
    );
    expect(validation(() => validateId(5)).message).toContain('a number');
    expect(validation(() => validateId('a\u0000')).message).toContain('NUL');
    expect(validation(() => validateId('\uD800')).message).toContain('surrogate');
    expect(validation(() => validateId('', 'ids[3]')).path).toBe('ids[3]');
  });

  it('unstorableStringReason(s) flags NUL and lone surrogates only', () => {
    expect(unstorableStringReason('ok 😀 \uFFFF')).toBeNull();
    expect(unstorableStringReason('\u0000')).toMatch(/NUL/);
    expect(unstorableStringReason('a\uDC00')).toMatch(/surrogate/);
    expect(unstorableStringReason('\uD83D')).toMatch(/surrogate/);
  });

  it('toEpochMs(value) accepts Date, ISO-8601 and ms, truncating to ms', () => {
    const t = Date.UTC(2024, 1, 29, 1, 2, 3, 456);
    expect(toEpochMs(new Date(t), 'x')).toBe(t);
    expect(toEpochMs('2024-02-29T01:02:03.456789Z', 'x')).toBe(t);
    expect(toEpochMs('2024-02-29T03:02:03.456+02:00', 'x')).toBe(t);
    expect(toEpochMs(t + 0.9, 'x')).toBe(t);
    expect(validation(() => toEpochMs('Feb 29 2024', 'created_at')).path).toBe('created_at');
    expect(validation(() => toEpochMs(Number.POSITIVE_INFINITY, 'x')).message).toMatch(/valid time/);
    expect(validation(() => toEpochMs(new Date(Number.NaN), 'x')).message).toMatch(/valid time/);
    expect(validation(() => toEpochMs(true, 'x')).message).toMatch(/ISO-8601/);
  });

  it.each([
    ['BigInt', { a: 1n }, 'v.a'],
    ['NaN', { a: Number.NaN }, 'v.a'],
    ['Infinity', { a: [Number.NEGATIVE_INFINITY] }, 'v.a[0]'],
    ['function', { a: () => 1 }, 'v.a'],
    ['symbol', { a: Symbol('x') }, 'v.a'],
    ['undefined in an array', { a: [undefined] }, 'v.a[0]'],
    ['class instance', { a: new Set() }, 'v.a'],
    ['invalid Date', { a: new Date(Number.NaN) }, 'v.a'],
    ['NUL', { a: 'x\u0000' }, 'v.a'],
  ])('toJsonValue refuses a %s and names its path', (_what, value, path) => {
    const error = validation(() => toJsonValue(value, 'v'));
    expect(error.path).toBe(path);
    expect(error.message).toContain(path);
  });

  it('toJsonValue refuses circular references but accepts shared (non-circular) ones', () => {
    const shared = { x: 1 };
    expect(toJsonValue({ a: shared, b: shared }, 'v')).toEqual({ a: { x: 1 }, b: { x: 1 } });
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(validation(() => toJsonValue({ loop }, 'v')).message).toMatch(/v\.loop\.self is a circular/);
  });

  it('toJsonValue copies: omits undefined properties, turns Dates into ISO strings, keeps __proto__ as data', () => {
    const input = JSON.parse('{"__proto__":{"x":1}}') as Record<string, unknown>;
    input.gone = undefined;
    input.when = new Date(0);
    const out = toJsonValue(input, 'v') as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(['__proto__', 'when']);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(out.when).toBe('1970-01-01T00:00:00.000Z');
  });

  it('toWriteRow(record) splits reserved keys into columns and stamps times', () => {
    const row = toWriteRow(
      {
        id: 'a',
        type: 't',
        session_id: 's',
        metadata: { m: 1 },
        body: 'x',
        created_at: '2024-01-01T00:00:00Z',
      },
      stamp,
    );
    expect(row).toMatchObject({
      id: 'a',
      type: 't',
      session_id: 's',
      thread_id: null,
      metadata: { m: 1 },
      data: { body: 'x' },
      created_at: Date.UTC(2024, 0, 1),
      updated_at: NOW,
      expires_at: null,
    });
    expect(JSON.parse(row.dataJson)).toEqual({ body: 'x' });
    expect(JSON.parse(row.metadataJson!)).toEqual({ m: 1 });
  });

  it('toWriteRow(record) generates a UUIDv7 id when none is given', () => {
    const row = toWriteRow({}, stamp);
    expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(generateId() > row.id).toBe(true);
  });

  it('toWriteRow(record) applies the default TTL unless expires_at is given or explicitly null', () => {
    const ttl = { ...stamp, defaultTtlMs: 60_000 };
    expect(toWriteRow({}, ttl).expires_at).toBe(NOW + 60_000);
    expect(toWriteRow({ expires_at: NOW + 5 }, ttl).expires_at).toBe(NOW + 5);
    expect(toWriteRow({ expires_at: null }, ttl).expires_at).toBeNull();
  });

  it('toWriteRow(record) keeps the given updated_at only with preserveTimestamps, but always validates it', () => {
    expect(toWriteRow({ updated_at: 5 }, stamp).updated_at).toBe(NOW);
    expect(toWriteRow({ updated_at: 5 }, { ...stamp, preserveTimestamps: true }).updated_at).toBe(5);
    expect(toWriteRow({ created_at: 7 }, { ...stamp, preserveTimestamps: true }).updated_at).toBe(7);
    expect(validation(() => toWriteRow({ updated_at: 'never' }, stamp)).path).toBe('updated_at');
  });

  it('toWriteRow(record) refuses a record over maxRecordBytes and bad reserved values', () => {
    expect(
      validation(() => toWriteRow({ id: 'big', s: 'x'.repeat(200) }, { ...stamp, maxRecordBytes: 100 }))
        .message,
    ).toMatch(/max_record_bytes/);
    expect(validation(() => toWriteRow({ type: 1 }, stamp)).path).toBe('type');
    expect(validation(() => toWriteRow({ metadata: [] }, stamp)).path).toBe('metadata');
    expect(validation(() => toWriteRow([], stamp)).path).toBe('record');
  });

  it('toWriteRow(record) never mutates its input', () => {
    const input = Object.freeze({ nested: Object.freeze({ a: 1 }) });
    const row = toWriteRow(input, stamp);
    row.data.nested = 2;
    expect(input.nested).toEqual({ a: 1 });
  });

  it('toStoredRecord(row) merges columns back as Dates and omits null reserved keys', () => {
    const record = toStoredRecord({
      id: 'a',
      type: null,
      session_id: 's',
      thread_id: null,
      metadata: null,
      data: { x: 1 },
      created_at: 1,
      updated_at: 2,
      expires_at: null,
    });
    expect(record).toEqual({
      id: 'a',
      session_id: 's',
      x: 1,
      created_at: new Date(1),
      updated_at: new Date(2),
    });
  });

  it('isExpired(row, now) is true from the expires_at instant on', () => {
    expect(isExpired({ expires_at: null }, NOW)).toBe(false);
    expect(isExpired({ expires_at: NOW + 1 }, NOW)).toBe(false);
    expect(isExpired({ expires_at: NOW }, NOW)).toBe(true);
  });
});
