import { StorageError } from '../errors.js';
import type { RecordInput, WriteRow } from '../record.js';

/**
 * Optional abilities, as typed objects a caller asks for by name instead of testing a backend's name or
 * shape. Two places offer them:
 * - a connected store's driver ({@link DriverCapabilityObjects}, through `backend.capability(name)`);
 * - a backend's definition in the registry ({@link DefinitionCapabilities}), usable without connecting a
 *   store (migrations on an empty database, maintenance commands, copy identities).
 */

/** Times each public operation; the runtime wraps every operation with it (metering as a decorator). */
export interface OperationMeter {
  time<T>(operation: string, fn: () => Promise<T>): Promise<T>;
}

/** A bulk write path faster than batched upserts (PostgreSQL's COPY). Rows arrive validated and stamped. */
export interface BulkImportCapability {
  /** Writes one batch all or nothing, with the same conflict rules as `RowStore.upsertRows`. */
  importRows(rows: readonly WriteRow[], options: { keepCreatedAt: boolean; now: number }): Promise<void>;
  /**
   * Optional. Readies an empty store for a large load (a copy into it): the driver may set aside work it
   * does faster once at the end, such as building secondary indexes from the loaded table instead of row by
   * row (PostgreSQL). Reads stay correct meanwhile, only slower.
   *
   * The caller calls `finish()` exactly once, also when the load failed. A driver whose load may be cut
   * short by a crash finishes the work itself later (PostgreSQL: on the next connect).
   * @returns null when there is nothing to set aside (rows already stored, a layout it cannot defer on).
   */
  prepareLoad?(): Promise<BulkLoad | null>;
}

/** A large load in progress, from {@link BulkImportCapability.prepareLoad}. */
export interface BulkLoad {
  /** Does the work set aside (builds the deferred indexes). */
  finish(): Promise<void>;
}

/** Metrics in Prometheus text format, and optionally a meter the runtime times operations with. */
export interface MetricsCapability {
  /** The metrics text (Prometheus exposition format). */
  text(): Promise<string>;
  /** Present when operations should be timed. */
  readonly meter?: OperationMeter;
}

/** One audit log entry: who changed which record, when, and hashes of the row before and after. */
export interface AuditEntry {
  auditId: number;
  recordId: string;
  operation: string;
  actor: string | null;
  at: Date;
  [detail: string]: unknown;
}

/** An audit log of writes, newest first. */
export interface AuditCapability {
  entries(query?: { id?: string; limit?: number }): Promise<AuditEntry[]>;
}

/**
 * Small internal key-value state kept beside the records (its own table or file section), never visible
 * as records: `list`, `count`, `stream`, backups and copies see user records only. Holds copy watermarks
 * and the time of the last scheduled backup. Keys and values are short strings; writes are upserts.
 */
export interface MetaCapability {
  /** The value stored under `key`, or null. */
  get(key: string): Promise<string | null>;
  /** Stores `value` under `key`, replacing any earlier value. */
  set(key: string, value: string): Promise<void>;
  /** Removes `key`; returns whether it existed. */
  delete(key: string): Promise<boolean>;
}

/** A held {@link LockCapability} lock. */
export interface LockLease {
  /** Gives the lock back (idempotent). A process that dies releases its locks too. */
  release(): Promise<void>;
}

/**
 * A named lock shared by every process that opens the same store (a PostgreSQL advisory lock, a lock file
 * beside an SQLite database): work that must run once per store, not once per application instance
 * (scheduled backups), takes it first.
 */
export interface LockCapability {
  /** Takes the lock `name` if it is free; resolves to null at once when another holder has it (never waits). */
  tryAcquire(name: string): Promise<LockLease | null>;
}

/**
 * Spans of a store that was given a tracer (`createStorage(config, { tracer })`): the transfer engines run
 * backups, restores and copies in one, so they appear next to the store's operation spans.
 */
export interface TracingCapability {
  /** Runs `fn` in a span named after `operation`, with the store's database attributes. */
  trace<T>(operation: string, fn: () => Promise<T>): Promise<T>;
}

/** The version of the schema a store runs on, recorded in backup headers. */
export interface SchemaVersionCapability {
  current(): Promise<string | number | null>;
}

/** Abilities a connected store's driver may offer. */
export interface DriverCapabilityObjects {
  bulkImport?: BulkImportCapability;
  metrics?: MetricsCapability;
  audit?: AuditCapability;
  meta?: MetaCapability;
  lock?: LockCapability;
  schemaVersion?: SchemaVersionCapability;
}

/** The state of one migration. */
export interface MigrationState {
  name: string;
  applied: boolean;
  /** Whose migration it is: the backend's own (`shipped`) or the deployment's. */
  source?: 'shipped' | 'deployment';
  appliedAt?: Date | null;
}

/** What {@link MigratorCapability.up} and {@link MigratorCapability.down} did (or would do, dry run). */
export interface MigrationRun {
  /** Migrations applied (up) or reverted (down), in order. */
  migrations: string[];
  dryRun: boolean;
  /** Details a backend adds (the SQL a dry run would execute, the table, ...). */
  details?: Record<string, unknown>;
}

/** Schema migrations of a backend, run by an operator (`recordstore migrate`) or at connect (auto_migrate). */
export interface MigratorCapability {
  status(): Promise<{ migrations: MigrationState[]; details?: Record<string, unknown> }>;
  up(options?: { dryRun?: boolean; count?: number }): Promise<MigrationRun>;
  /** Absent when the backend's migrations are forward-only. */
  down?(options?: { dryRun?: boolean; count?: number }): Promise<MigrationRun>;
  /**
   * Writes a new, empty migration file; returns its path. Absent when migrations are not files.
   * @param options.dir the folder to write to instead of the backend's own (`recordstore migrate create --dir`)
   */
  create?(
    name: string,
    options?: { dir?: string },
  ): Promise<{ file: string; details?: Record<string, unknown> }>;
  /** Marks the shipped migrations applied on an existing compatible schema. */
  baseline?(): Promise<MigrationRun>;
  /** Releases connections the migrator opened. */
  close(): Promise<void>;
}

/** One maintenance task an operator runs by name (`recordstore task <name>`): partitions, indexes, ... */
export interface AdminTask {
  /** Dotted, stable name: `partitions.status`, `indexes.ensure`. */
  name: string;
  /** One line for help output. */
  summary: string;
  /** Runs the task with the options given on the command line; returns a JSON-serialisable report. */
  run(options: Record<string, unknown>): Promise<unknown>;
}

/** Maintenance tasks of a backend; `close` releases what running them opened. */
export interface AdminTasksCapability {
  tasks: readonly AdminTask[];
  close(): Promise<void>;
}

/** How a backend is named inline on a command line (`sqlite:./x.db`, `postgres://...`). */
export interface InlineSpecCapability {
  /** URL-like prefixes this backend claims, lower case, without the colon: `['sqlite']`, `['postgres', 'postgresql']`. */
  schemes: readonly string[];
  /** The config the inline form means; throws a config StorageError for a malformed one. */
  parse(spec: string): Record<string, unknown>;
}

/** Abilities found through the registry, from a backend's parsed config, without a connected store. */
export interface DefinitionCapabilities<Config> {
  migrator?(config: Config): MigratorCapability;
  adminTasks?(config: Config): AdminTasksCapability;
  /**
   * A stable, credential-free identity of where a store's data lives (`sqlite:/abs/x.db`,
   * `postgresql://host:5432/db?schema=public`): two configs of the same data give the same identity,
   * whatever their tuning keys. Copies key their resume state on it.
   */
  identity?(config: Config): string;
  inline?: InlineSpecCapability;
}

/** The names of every capability, for messages. */
export type CapabilityName =
  | keyof DriverCapabilityObjects
  | keyof DefinitionCapabilities<unknown>
  // Offered by the runtime itself (a store given a tracer), not by a driver.
  | 'tracing';

/**
 * Returns a capability or throws an `unsupported` StorageError naming the backend, the capability and what
 * needed it.
 *
 * @example
 * const metrics = requireCapability(store.name, store.capability('metrics'), 'metrics', 'recordstore metrics');
 */
export function requireCapability<T>(
  backend: string,
  capability: T | undefined,
  name: CapabilityName,
  purpose: string,
): T {
  if (capability !== undefined && capability !== null) return capability;
  throw new StorageError(
    'unsupported',
    `${purpose}: the ${backend} backend does not offer the "${name}" capability.`,
    { backend, retryable: false },
  );
}

/** Options of {@link RecordImportCapability.importRecords}. */
export interface ImportRecordsOptions {
  /** Keep each record's own timestamps (restores, copies). */
  preserveTimestamps?: boolean;
  /** Records per transaction (default: ten times the store's batch_size). */
  batchSize?: number;
  /** Called after each committed batch with the number of records written so far. */
  onProgress?: (done: number) => void;
}

/** Records from an array, a generator or a stream. */
export type ImportSource = AsyncIterable<RecordInput> | Iterable<RecordInput>;

/**
 * The record-level bulk path a store offers when its driver has a {@link BulkImportCapability}: records
 * are validated like saveMany's, each batch is written all or nothing, earlier batches stay committed.
 */
export interface RecordImportCapability {
  /**
   * @returns how many records were read (and written).
   * @throws StorageError(validation) naming the first invalid record as `records[i]` (its position in the
   *   whole import); nothing of its batch is written.
   * @example
   * const n = await store.capability('bulkImport')?.importRecords(readJsonLines('dump.jsonl'), { preserveTimestamps: true });
   */
  importRecords(records: ImportSource, options?: ImportRecordsOptions): Promise<number>;
  /**
   * Present when the driver can defer work of a large load into an empty store
   * ({@link BulkImportCapability.prepareLoad}); call `finish()` once after the last batch, also on failure.
   * @example
   * const load = await importer.prepareLoad?.();
   * try {
   *   await importer.importRecords(records, { preserveTimestamps: true });
   * } finally {
   *   await load?.finish();
   * }
   */
  prepareLoad?(): Promise<BulkLoad | null>;
}
