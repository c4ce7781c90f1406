import type { Filter, FilterNode, OrderBy } from './filter/types.js';
import type { RecordInput, RecordRow, StoredRecord, WriteRow } from './record.js';

/** Options of {@link StorageBackend.list}. */
export interface ListOptions {
  /** At most this many records (default: all). */
  limit?: number;
  /** Skip this many first (default 0). */
  offset?: number;
  /** Order (default newest `created_at` first). A field name sorts ascending; prefix `-` for descending. */
  orderBy?: OrderBy | string | (OrderBy | string)[];
}

/** Options of {@link StorageBackend.stream}. */
export interface StreamOptions {
  /** Records fetched per round trip, and the most held in memory at once (default: the backend's batch_size). */
  batchSize?: number;
}

/** Options of {@link StorageBackend.save} and {@link StorageBackend.saveMany}. */
export interface SaveOptions {
  /**
   * Keep the record's own `created_at` and `updated_at` even when it already exists (copies, restores).
   * By default an existing record keeps its first `created_at` and `updated_at` is set to now.
   */
  preserveTimestamps?: boolean;
}

/** The reads and writes available both on a backend and inside {@link StorageBackend.transaction}. */
export interface StorageOperations {
  /** Upserts a record and returns its id (generated, time-ordered, when missing). */
  save(record: RecordInput, options?: SaveOptions): Promise<string>;
  /** Loads a record; an expired one reads as missing (and is deleted). */
  load(id: string): Promise<StoredRecord | null>;
  /** Shallow-merges `changes` into a record atomically; false when the record does not exist. */
  update(id: string, changes: Record<string, unknown>): Promise<boolean>;
  /** Deletes a record; false when there was none. */
  delete(id: string): Promise<boolean>;
  /** True when a live (unexpired) record has this id. */
  exists(id: string): Promise<boolean>;
  /** Counts live records matching a filter. */
  count(filter?: Filter): Promise<number>;
  /** Lists live records matching a filter, newest first unless told otherwise. */
  list(filter?: Filter, options?: ListOptions): Promise<StoredRecord[]>;
  /** The records of one session, newest first. */
  getBySession(sessionId: string, options?: ListOptions): Promise<StoredRecord[]>;
  /** The records of one thread, newest first. */
  getByThread(threadId: string, options?: ListOptions): Promise<StoredRecord[]>;
  /** Saves every record or none (one bad record fails the whole call). Returns the ids in input order. */
  saveMany(records: readonly RecordInput[], options?: SaveOptions): Promise<string[]>;
  /** Deletes records by a list of ids, or by a filter. Returns how many were deleted. */
  deleteMany(idsOrFilter: readonly string[] | Filter): Promise<number>;
}

/** The status a health check reports. */
export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** What {@link StorageBackend.healthCheck} returns. It never throws and never contains a secret. */
export interface HealthReport {
  status: HealthStatus;
  /** The registered backend name (`memory`, `sqlite`, `postgresql`). */
  backend: string;
  /** Time the check took, in ms. */
  responseTimeMs: number;
  checkedAt: Date;
  /** Backend specifics (version, file, pool, database statistics, ...). */
  details: Record<string, unknown>;
  /** Why the status is not healthy. */
  error?: string;
}

/** Counters kept by every backend, plus backend specifics. */
export interface StorageStats {
  backend: string;
  /** Calls per operation since the backend was created. */
  operations: Record<string, number>;
  /** Loads that found a record / found none. */
  hits: number;
  misses: number;
  errors: number;
  /** Records removed because they had expired (lazily or by cleanup). */
  expiredRemoved: number;
  /** Live and expired rows stored now, when the backend can count them cheaply. */
  records?: number;
  /** Bytes on disk (file or table), when known. */
  sizeBytes?: number;
  details?: Record<string, unknown>;
}

/**
 * What a backend can do, as data: the conformance suite and the CLI read these flags instead of
 * special-casing backends by name.
 */
export interface BackendCapabilities {
  /** Data survives `close()` and a new backend object on the same config. */
  persistent: boolean;
  /** Several processes may use the same store at once. */
  multiProcess: boolean;
  /** How records are compressed when compression is on. */
  compression: 'none' | 'payload' | 'column';
  /** Largest record (JSON bytes) the backend accepts. */
  maxRecordBytes: number;
}

/**
 * The storage contract. Implementations usually extend {@link BaseStorageBackend}, which supplies
 * lifecycle, validation, TTL, stats and timers, and only implement the database work.
 */
export interface StorageBackend extends StorageOperations {
  /** The registered backend name. */
  readonly name: string;
  readonly capabilities: BackendCapabilities;
  /** Opens the store (idempotent). Every other call requires it. */
  connect(): Promise<void>;
  /** Closes the store and stops its timers (idempotent). */
  close(): Promise<void>;
  isConnected(): boolean;
  /** Streams live records matching a filter, newest first, holding at most one batch in memory. */
  stream(filter?: Filter, options?: StreamOptions): AsyncIterable<StoredRecord>;
  /** Runs `fn` atomically: if it throws, none of its writes remain. */
  transaction<T>(fn: (tx: StorageOperations) => Promise<T>): Promise<T>;
  /** Deletes expired records now; returns how many. */
  cleanupExpired(): Promise<number>;
  /** Deletes records created more than `retentionDays` ago; returns how many. */
  cleanupOldData(retentionDays: number): Promise<number>;
  healthCheck(): Promise<HealthReport>;
  stats(): Promise<StorageStats>;
}

/**
 * The row-level work a backend does, on its main connection or inside a transaction. Filters arrive
 * validated and already restricted to live rows; rows arrive validated and stamped.
 */
export interface RowStore {
  /**
   * Inserts or updates rows, each in full. On conflict the stored `created_at` is kept, unless
   * `keepCreatedAt` is false or the stored row had expired at `now` (then the new row replaces it whole).
   * All rows or none.
   */
  upsertRows(rows: readonly WriteRow[], options: { keepCreatedAt: boolean; now: number }): Promise<void>;
  /** Reads one row, expired or not; `forUpdate` locks it until the transaction ends where that exists. */
  loadRow(id: string, options?: { forUpdate?: boolean }): Promise<RecordRow | null>;
  /** True when a row with this id exists and has not expired at `now`. */
  existsRow(id: string, now: number): Promise<boolean>;
  /** Deletes rows by id; returns how many existed. */
  deleteRows(ids: readonly string[]): Promise<number>;
  /** Deletes one row only if it has expired at `now` (lazy expiry must not delete a row just re-saved). */
  deleteRowIfExpired(id: string, now: number): Promise<boolean>;
  countRows(filter: FilterNode): Promise<number>;
  /** Rows matching `filter`, ordered by `orderBy` then by id in the first key's direction. */
  listRows(filter: FilterNode, query: RowQuery): Promise<RecordRow[]>;
  deleteRowsWhere(filter: FilterNode): Promise<number>;
}

/** Order and window of {@link RowStore.listRows}. */
export interface RowQuery {
  orderBy: readonly OrderBy[];
  limit: number | null;
  offset: number;
}
