import { describeType } from './describe-value.js';
import { StorageError, validationError } from './errors.js';
import {
  copyJson,
  copyJsonProperties,
  isPlainObject,
  type JsonObject,
  setOwn,
  unstorableStringReason,
} from './json-value.js';
import { generateId, validateId } from './record-id.js';
import { toEpochMs } from './timestamp.js';

// Value helpers that live in their own files, re-exported for the modules that still import them from here.
export { describeType, describeValue } from './describe-value.js';
export { isPlainObject, type JsonObject } from './json-value.js';
export { validateId } from './record-id.js';

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
    metadata = copyJson(metadataInput, 'metadata', 1) as JsonObject;
  }
  const dataCopy = copyJsonProperties(input, RESERVED_KEY_SET, 'record');
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

const RESERVED_KEY_SET: ReadonlySet<string> = new Set<string>(RESERVED_KEYS);

/** True for the reserved keys that live in their own columns. */
export function isReservedKey(key: string): key is ReservedKey {
  return RESERVED_KEY_SET.has(key);
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
