import type {
  DriverCapabilityObjects,
  RecordImportCapability,
  TracingCapability,
} from './driver/capabilities.js';
import type { Filter, OrderBy } from './filter/types.js';
import type { RecordInputOf, RecordPatchOf, StoredRecordOf, UntypedRecord } from './typing/record-types.js';

/** Options of {@link StorageBackend.list}. */
export interface ListOptions {
  /** At most this many records (default: all). */
  limit?: number;
  /** Skip this many first (default 0). */
  offset?: number;
  /** Order (default newest `created_at` first). A field name sorts ascending; prefix `-` for descending. */
  orderBy?: OrderBy | string | (OrderBy | string)[];
  /** Stops the call: it rejects at once with a StorageError of kind `aborted` (the read's result is dropped). */
  signal?: AbortSignal;
}

/** Options of {@link StorageBackend.stream}. */
export interface StreamOptions {
  /** Records fetched per round trip, and the most held in memory at once (default: the backend's batch_size). */
  batchSize?: number;
  /** Stops the stream between batches: the iteration throws a StorageError of kind `aborted`. */
  signal?: AbortSignal;
}

/** Options of {@link StorageBackend.save} and {@link StorageBackend.saveMany}. */
export interface SaveOptions {
  /**
   * Keep the record's own `created_at` and `updated_at` even when it already exists (copies, restores).
   * By default an existing record keeps its first `created_at` and `updated_at` is set to now.
   */
  preserveTimestamps?: boolean;
  /**
   * `saveMany`: stops the call between batches with a StorageError of kind `aborted`. The call is all or
   * nothing (batches run in one transaction), so an aborted saveMany stores none of its records.
   */
  signal?: AbortSignal;
}

/**
 * The reads and writes available both on a backend and inside {@link StorageBackend.transaction}.
 * `R` is the record type (see `createStorage<R>`): records saved and returned, and filters, are checked
 * against it at compile time. The default takes and returns any JSON object.
 */
export interface StorageOperations<R extends object = UntypedRecord> {
  /** Upserts a record and returns its id (generated, time-ordered, when missing). */
  save(record: RecordInputOf<R>, options?: SaveOptions): Promise<string>;
  /** Loads a record; an expired one reads as missing (and is deleted). */
  load(id: string): Promise<StoredRecordOf<R> | null>;
  /** Shallow-merges `changes` into a record atomically; false when the record does not exist. */
  update(id: string, changes: RecordPatchOf<R>): Promise<boolean>;
  /** Deletes a record; false when there was none. */
  delete(id: string): Promise<boolean>;
  /** True when a live (unexpired) record has this id. */
  exists(id: string): Promise<boolean>;
  /** Counts live records matching a filter. */
  count(filter?: Filter<R>): Promise<number>;
  /** Lists live records matching a filter, newest first unless told otherwise. */
  list(filter?: Filter<R>, options?: ListOptions): Promise<StoredRecordOf<R>[]>;
  /** The records of one session, newest first. */
  getBySession(sessionId: string, options?: ListOptions): Promise<StoredRecordOf<R>[]>;
  /** The records of one thread, newest first. */
  getByThread(threadId: string, options?: ListOptions): Promise<StoredRecordOf<R>[]>;
  /** Saves every record or none (one bad record fails the whole call). Returns the ids in input order. */
  saveMany(records: readonly RecordInputOf<R>[], options?: SaveOptions): Promise<string[]>;
  /** Deletes records by a list of ids, or by a filter. Returns how many were deleted. */
  deleteMany(idsOrFilter: readonly string[] | Filter<R>): Promise<number>;
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
  /**
   * `native`: the driver compiles filters to its query language. `scan`: it cannot, and core evaluates
   * filters with the in-memory reference over the driver's scan (fine for small stores, linear in size).
   */
  filtering: 'native' | 'scan';
}

/**
 * The optional abilities a connected store may offer, asked for by name with
 * {@link StorageBackend.capability}: a bulk import path, metrics, an audit log, meta storage, the schema
 * version.
 */
export interface StorageCapabilityObjects extends Omit<DriverCapabilityObjects, 'bulkImport'> {
  /** Validated bulk writes (PostgreSQL's COPY), faster than saveMany for large imports. */
  bulkImport?: RecordImportCapability;
  /** Present when the store was given a tracer: spans with the store's database attributes. */
  tracing?: TracingCapability;
}

/**
 * The storage contract applications code against. Backends do not implement it directly: they supply a
 * small `StorageDriver` (database work only) and core's `StorageRuntime` composes it into this. `R` is the
 * record type (see {@link StorageOperations}).
 */
export interface StorageBackend<R extends object = UntypedRecord> extends StorageOperations<R> {
  /** The registered backend name. */
  readonly name: string;
  readonly capabilities: BackendCapabilities;
  /** Opens the store (idempotent). Every other call requires it. */
  connect(): Promise<void>;
  /** Closes the store and stops its timers (idempotent). */
  close(): Promise<void>;
  /** The same as {@link StorageBackend.close}: `await using store = await createStorage(config)` closes it at block end. */
  [Symbol.asyncDispose](): Promise<void>;
  isConnected(): boolean;
  /** Streams live records matching a filter, newest first, holding at most one batch in memory. */
  stream(filter?: Filter<R>, options?: StreamOptions): AsyncIterable<StoredRecordOf<R>>;
  /** Runs `fn` atomically: if it throws, none of its writes remain. */
  transaction<T>(fn: (tx: StorageOperations<R>) => Promise<T>): Promise<T>;
  /** Deletes expired records now; returns how many. */
  cleanupExpired(): Promise<number>;
  /** Deletes records created more than `retentionDays` ago; returns how many. */
  cleanupOldData(retentionDays: number): Promise<number>;
  healthCheck(): Promise<HealthReport>;
  stats(): Promise<StorageStats>;
  /** An optional ability of this store (see {@link StorageCapabilityObjects}), or undefined when not offered. */
  capability<K extends keyof StorageCapabilityObjects>(name: K): StorageCapabilityObjects[K] | undefined;
}

/** Order and window of {@link RowStore.listRows}. */
export interface RowQuery {
  orderBy: readonly OrderBy[];
  limit: number | null;
  offset: number;
}
