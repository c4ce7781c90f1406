import { v7 as uuidv7 } from 'uuid';
import { StorageError, validationError } from './errors.js';

/** A JSON value as recordstore stores it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
/** A JSON object. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/** Keys that live in their own columns and come back merged into the loaded object. */
export const RESERVED_KEYS = [
  'id',
  'type',
  'session_id',
  'thread_id',
  'metadata',
  'created_at',
  'updated_at',
  'expires_at',
] as const;
/** One of {@link RESERVED_KEYS}. */
export type ReservedKey = (typeof RESERVED_KEYS)[number];

/** Reserved keys holding strings (btree columns). */
export const STRING_COLUMNS = ['id', 'type', 'session_id', 'thread_id'] as const;
/** Reserved keys holding timestamps. */
export const TIME_COLUMNS = ['created_at', 'updated_at', 'expires_at'] as const;
/** A reserved string column. */
export type StringColumn = (typeof STRING_COLUMNS)[number];
/** A reserved timestamp column. */
export type TimeColumn = (typeof TIME_COLUMNS)[number];

/** What a caller may pass for a timestamp: a `Date`, an ISO-8601 string or epoch milliseconds. */
export type TimestampInput = Date | string | number;

/** A record as the caller writes it: any JSON object, reserved keys optional. */
export interface RecordInput {
  id?: string;
  type?: string | null;
  session_id?: string | null;
  thread_id?: string | null;
  metadata?: JsonObject | null;
  created_at?: TimestampInput | null;
  updated_at?: TimestampInput | null;
  expires_at?: TimestampInput | null;
  [key: string]: unknown;
}

/** A record as recordstore returns it: the data merged with its reserved columns, timestamps as `Date`. */
export interface StoredRecord {
  id: string;
  created_at: Date;
  updated_at: Date;
  expires_at?: Date;
  type?: string;
  session_id?: string;
  thread_id?: string;
  metadata?: JsonObject;
  [key: string]: unknown;
}

/**
 * A record split into its columns, as backends store it. Timestamps are epoch milliseconds so every
 * backend compares them the same way. `dataJson` is the serialized `data`, made once during validation.
 */
export interface RecordRow {
  id: string;
  type: string | null;
  session_id: string | null;
  thread_id: string | null;
  metadata: JsonObject | null;
  data: JsonObject;
  created_at: number;
  updated_at: number;
  expires_at: number | null;
}

/** A row on its way into a backend, with its JSON already serialized. */
export interface WriteRow extends RecordRow {
  dataJson: string;
  metadataJson: string | null;
}

/** Longest id accepted: ids are btree keys and appear in URLs and logs. */
export const MAX_ID_LENGTH = 255;
/** Deepest nesting accepted in a record or filter: deeper input is refused rather than risking the stack. */
export const MAX_DEPTH = 100;

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
// A UTF-16 surrogate not paired with its partner cannot be encoded as UTF-8, so no database can store it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Generates a new record id: a UUIDv7, time-ordered so new rows land at the end of the id index. */
export function generateId(): string {
  return uuidv7();
}

/**
 * Checks a string for what no backend can store losslessly: NUL (PostgreSQL's jsonb and text refuse it)
 * and lone UTF-16 surrogates (not encodable as UTF-8). Returns a reason, or null when the string is fine.
 */
export function unstorableStringReason(value: string): string | null {
  if (value.includes('\u0000')) return 'contains a NUL character (\\u0000), which PostgreSQL cannot store';
  if (LONE_SURROGATE.test(value)) return 'contains a lone UTF-16 surrogate, which is not valid Unicode';
  return null;
}

/** Validates an id and returns it; throws a validation error naming what is wrong. */
export function validateId(id: unknown, path = 'id'): string {
  if (typeof id !== 'string') {
    throw validationError(`${path} must be a non-empty string, got ${describeType(id)}.`, path);
  }
  if (id.length === 0) throw validationError(`${path} must be a non-empty string, got "".`, path);
  if (id.length > MAX_ID_LENGTH) {
    throw validationError(`${path} is ${id.length} characters long; the limit is ${MAX_ID_LENGTH}.`, path);
  }
  const reason = unstorableStringReason(id);
  if (reason) throw validationError(`${path} ${reason}.`, path);
  return id;
}

/**
 * Converts a timestamp input to epoch milliseconds.
 * @throws StorageError(validation) naming `path` when the value is not a valid time.
 */
export function toEpochMs(value: unknown, path: string): number {
  let ms: number;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'number') ms = value;
  else if (typeof value === 'string' && ISO_8601.test(value.trim())) ms = Date.parse(value.trim());
  else {
    throw validationError(
      `${path} must be a Date, an ISO-8601 string or epoch milliseconds, got ${describeValue(value)}.`,
      path,
    );
  }
  if (!Number.isFinite(ms))
    throw validationError(`${path} is not a valid time: ${describeValue(value)}.`, path);
  return Math.trunc(ms);
}

/** A short description of a value's type for error messages. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a Date';
  const t = typeof value;
  if (t === 'object') return 'an object';
  return t === 'undefined' ? 'undefined' : `a ${t}`;
}

/** A value shown in an error message, shortened so a 50 MB string never lands in a log. */
export function describeValue(value: unknown): string {
  let text: string;
  if (typeof value === 'bigint') text = `${value}n`;
  else if (typeof value === 'string') text = JSON.stringify(value);
  else if (typeof value === 'number' || typeof value === 'boolean' || value == null) text = String(value);
  else if (typeof value === 'function') return 'a function';
  else if (typeof value === 'symbol') return 'a symbol';
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      return describeType(value);
    }
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Sets an own property, also for the key `__proto__`, which plain assignment would turn into a prototype
 * change (a hostile key must be stored as data, like any other).
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/** True for objects made by `{}` or `Object.create(null)` (not arrays, dates or class instances). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Walks a value and copies it as plain JSON, refusing what JSON cannot represent faithfully: BigInt,
 * functions, symbols, NaN and Infinity, circular references, class instances, NUL characters, lone
 * surrogates and nesting deeper than {@link MAX_DEPTH}. Object properties whose value is `undefined` are
 * omitted (as `JSON.stringify` does, so optional TypeScript fields work); `undefined` elsewhere is refused.
 * `Date` values become ISO-8601 strings.
 */
export function toJsonValue(value: unknown, path: string): JsonValue {
  return copyJson(value, path, 0, new Set());
}

function copyJson(value: unknown, path: string, depth: number, seen: Set<object>): JsonValue {
  switch (typeof value) {
    case 'string': {
      const reason = unstorableStringReason(value);
      if (reason) throw validationError(`${path} ${reason}.`, path);
      return value;
    }
    case 'number':
      if (!Number.isFinite(value)) {
        throw validationError(
          `${path} is ${value}, which JSON cannot represent; use null or a finite number.`,
          path,
        );
      }
      return value;
    case 'boolean':
      return value;
    case 'object':
      break;
    case 'bigint':
      throw validationError(
        `${path} is a BigInt (${value}n), which JSON cannot represent; store it as a string.`,
        path,
      );
    default:
      throw validationError(`${path} is ${describeType(value)}, which is not a JSON value.`, path);
  }
  if (value === null) return null;
  if (depth >= MAX_DEPTH)
    throw validationError(`${path} is nested more than ${MAX_DEPTH} levels deep.`, path);
  if (seen.has(value)) throw validationError(`${path} is a circular reference.`, path);
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw validationError(`${path} is an invalid Date.`, path);
    return value.toISOString();
  }
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      const out: JsonValue[] = new Array(value.length);
      for (let i = 0; i < value.length; i++) {
        if (value[i] === undefined) {
          throw validationError(
            `${path}[${i}] is undefined, which is not a JSON value; use null.`,
            `${path}[${i}]`,
          );
        }
        out[i] = copyJson(value[i], `${path}[${i}]`, depth + 1, seen);
      }
      return out;
    }
    if (!isPlainObject(value)) {
      const name = (value as object).constructor?.name ?? 'object';
      throw validationError(
        `${path} is a ${name} instance; only plain objects, arrays and scalars are JSON.`,
        path,
      );
    }
    const out: JsonObject = {};
    for (const key of Object.keys(value)) {
      const child = value[key];
      if (child === undefined) continue;
      const reason = unstorableStringReason(key);
      if (reason) throw validationError(`The key ${JSON.stringify(key)} in ${path} ${reason}.`, path);
      setOwn(out, key, copyJson(child, `${path}.${key}`, depth + 1, seen));
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

function optionalString(input: Record<string, unknown>, key: StringColumn): string | null {
  const value = input[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') {
    throw validationError(`${key} must be a string or null, got ${describeType(value)}.`, key);
  }
  const reason = unstorableStringReason(value);
  if (reason) throw validationError(`${key} ${reason}.`, key);
  return value;
}

/**
 * The instants every backend can store: PostgreSQL's timestamptz starts at 4714-11-24 BC and a
 * JavaScript Date ends at +275760-09-13. A record time outside them is refused here, the same way on
 * every backend, rather than by one database's range error.
 */
const STORABLE_MS = { min: -210_866_803_200_000, max: 8_640_000_000_000_000 };

function optionalTime(input: Record<string, unknown>, key: TimeColumn): number | null {
  const value = input[key];
  if (value === undefined || value === null) return null;
  const ms = toEpochMs(value, key);
  if (ms < STORABLE_MS.min || ms > STORABLE_MS.max) {
    throw validationError(
      `${key} ${ms} is outside the storable range (4714-11-24 BC to +275760-09-13, epoch ms ${STORABLE_MS.min} to ${STORABLE_MS.max}).`,
      key,
    );
  }
  return ms;
}

/** How {@link toWriteRow} stamps a record. */
export interface StampOptions {
  /** The current time, epoch ms (from the backend's injectable clock). */
  now: number;
  /** Default time to live in ms, applied when the record has no `expires_at`; null for none. */
  defaultTtlMs: number | null;
  /** Keep the record's own `updated_at` (copies and restores) instead of setting it to `now`. */
  preserveTimestamps?: boolean;
  /** Records whose serialized data is larger than this are refused. */
  maxRecordBytes: number;
}

/**
 * Validates a caller's record and splits it into columns, without touching the caller's object.
 * @throws StorageError(validation) naming the offending key.
 */
export function toWriteRow(input: unknown, options: StampOptions): WriteRow {
  if (!isPlainObject(input)) {
    throw validationError(`A record must be a plain object, got ${describeType(input)}.`, 'record');
  }
  const id = input.id === undefined || input.id === null ? generateId() : validateId(input.id);
  const metadataInput = input.metadata;
  let metadata: JsonObject | null = null;
  if (metadataInput !== undefined && metadataInput !== null) {
    if (!isPlainObject(metadataInput)) {
      throw validationError(
        `metadata must be a plain object or null, got ${describeType(metadataInput)}.`,
        'metadata',
      );
    }
    metadata = copyJson(metadataInput, 'metadata', 1, new Set()) as JsonObject;
  }
  const data: Record<string, unknown> = {};
  for (const key of Object.keys(input)) {
    if (!(RESERVED_KEY_SET as ReadonlySet<string>).has(key)) setOwn(data, key, input[key]);
  }
  const dataCopy = copyJson(data, 'record', 0, new Set()) as JsonObject;
  const dataJson = JSON.stringify(dataCopy);
  const metadataJson = metadata === null ? null : JSON.stringify(metadata);
  let size = dataJson.length + (metadataJson?.length ?? 0);
  // UTF-16 length is a lower bound of the UTF-8 size and 3x it an upper bound: count bytes only in between.
  if (size * 3 > options.maxRecordBytes) {
    size = Buffer.byteLength(dataJson) + (metadataJson === null ? 0 : Buffer.byteLength(metadataJson));
  }
  if (size > options.maxRecordBytes) {
    throw new StorageError(
      'validation',
      `Record ${id} is ${size} bytes of JSON; the limit is ${options.maxRecordBytes} (max_record_bytes).`,
      { path: 'record' },
    );
  }
  const createdAt = optionalTime(input, 'created_at') ?? options.now;
  // Validated even when it is not kept, so a malformed updated_at is refused rather than silently dropped.
  const givenUpdatedAt = optionalTime(input, 'updated_at');
  const updatedAt = options.preserveTimestamps ? (givenUpdatedAt ?? createdAt) : options.now;
  let expiresAt = optionalTime(input, 'expires_at');
  if (
    expiresAt === null &&
    options.defaultTtlMs !== null &&
    !('expires_at' in input && input.expires_at === null)
  ) {
    expiresAt = options.now + options.defaultTtlMs;
  }
  return {
    id,
    type: optionalString(input, 'type'),
    session_id: optionalString(input, 'session_id'),
    thread_id: optionalString(input, 'thread_id'),
    metadata,
    data: dataCopy,
    dataJson,
    metadataJson,
    created_at: createdAt,
    updated_at: updatedAt,
    expires_at: expiresAt,
  };
}

const RESERVED_KEY_SET: ReadonlySet<ReservedKey> = new Set(RESERVED_KEYS);

/** True for the reserved keys that live in their own columns. */
export function isReservedKey(key: string): key is ReservedKey {
  return (RESERVED_KEY_SET as ReadonlySet<string>).has(key);
}

/** Merges a stored row back into the record shape callers see. Reserved keys that are null are omitted. */
export function toStoredRecord(row: RecordRow): StoredRecord {
  // Key by key rather than `{ ...row.data, id, ... }`: V8 makes the spread's result an object that the
  // conditional assignments below turn slow (measured: 5 to 8 times the cost of a point load's JSON.parse).
  // setOwn keeps a `__proto__` key as data, as the spread did.
  const record = {} as StoredRecord;
  const data = row.data as Record<string, unknown>;
  for (const key of Object.keys(data)) setOwn(record, key, data[key]);
  record.id = row.id;
  record.created_at = new Date(row.created_at);
  record.updated_at = new Date(row.updated_at);
  if (row.expires_at !== null) record.expires_at = new Date(row.expires_at);
  if (row.type !== null) record.type = row.type;
  if (row.session_id !== null) record.session_id = row.session_id;
  if (row.thread_id !== null) record.thread_id = row.thread_id;
  if (row.metadata !== null) record.metadata = row.metadata;
  return record;
}

/** True when a row has expired at `now` (epoch ms). A record expires at its `expires_at` instant. */
export function isExpired(row: Pick<RecordRow, 'expires_at'>, now: number): boolean {
  return row.expires_at !== null && row.expires_at <= now;
}
