import type {
  BackendCapabilities,
  HealthReport,
  ListOptions,
  SaveOptions,
  StorageBackend,
  StorageCapabilityObjects,
  StorageOperations,
  StorageStats,
  StreamOptions,
} from '../backend.js';
import { type Clock, type Logger, silentLogger, systemClock } from '../clock.js';
import { type ParsedBackendConfig, parseBackendConfig } from '../config/backend-config.js';
import type { CoreSettings } from '../config/common-config.js';
import type { BackendDefinition } from '../driver/definition.js';
import type { StorageDriver } from '../driver/driver.js';
import { isStorageError, StorageError, validationError } from '../errors.js';
import type { Filter } from '../filter/types.js';
import type { RecordInput, StoredRecord } from '../record.js';
import { type RecordSchemas, recordValidator } from '../schema/record-schemas.js';
import type { BackupScheduler } from '../transfer/scheduler.js';
import type { RecordInputOf, RecordPatchOf, StoredRecordOf, UntypedRecord } from '../typing/record-types.js';
import type { BackendOptions } from './backend-options.js';
import { startBackups, startCleanupTimer } from './background-tasks.js';
import { capabilityObject } from './capability-objects.js';
import { Coalescer } from './coalescing.js';
import { healthReport } from './health-report.js';
import { keysetStream } from './keyset-stream.js';
import {
  type Counters,
  createOperations,
  lazyExpiryDelete,
  type OperationContext,
  toWriteRows,
} from './operations.js';
import { deleteCreatedBefore, deleteExpired, type RetentionTarget } from './retention.js';
import { assertRowStore, type RowAccess, rowAccess } from './row-access.js';
import { OperationTracer, spanAttributesOf } from './tracing.js';
import { insideTransactionOf, outerCallError, runTransaction } from './transaction-guard.js';

export type { BackendOptions } from './backend-options.js';

/**
 * The core runtime: composes a backend's {@link StorageDriver} into a full {@link StorageBackend}. It owns
 * everything that is the same on every backend (connect once and close once, validation and stamping,
 * lazy expiry and the cleanup timer, stats, the transaction facade, keyset streaming, scheduled backups,
 * metering), so a driver holds only database work. Backends may subclass it as a thin convenience
 * (`new SQLiteStorageBackend(config)`), adding nothing but typed accessors.
 *
 * @example
 * const store = new StorageRuntime(kvBackend, { path: './kv' });
 * await store.connect();
 */
export class StorageRuntime<Config = Record<string, unknown>, R extends object = UntypedRecord>
  implements StorageBackend<R>
{
  readonly name: string;
  readonly capabilities: BackendCapabilities;
  /** The parsed config (defaults applied). */
  readonly config: Readonly<Config>;
  protected readonly settings: CoreSettings;
  protected readonly clock: Clock;
  protected readonly logger: Logger;
  /** The backend's driver: database work only. */
  protected readonly driver: StorageDriver;
  readonly #definition: BackendDefinition<Config>;
  #connected = false;
  #connecting: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #backups: BackupScheduler | null = null;
  #operations: Record<string, number> = {};
  readonly #counters: Counters = { hits: 0, misses: 0, errors: 0, expiredRemoved: 0 };
  #direct: StorageOperations | null = null;
  /** Batches concurrent point operations of #direct (null with `coalesce: false` or while closed). */
  #coalescer: Coalescer | null = null;
  readonly #context: OperationContext;
  /** Spans per operation when a tracer was given (a decorator of run(), like the meter). */
  readonly #tracing: OperationTracer | null;

  /**
   * @param definition the backend (see `defineBackend`)
   * @param config the raw `config:` block, parsed here, or a config the registry already parsed
   */
  constructor(
    definition: BackendDefinition<Config>,
    config: ParsedBackendConfig<Config> | Record<string, unknown> = {},
    options: BackendOptions<R> = {},
  ) {
    const parsed = parseBackendConfig(definition, config);
    this.#definition = definition;
    this.config = parsed.config;
    this.settings = parsed.settings;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.driver = definition.createDriver(parsed.config, {
      settings: this.settings,
      clock: this.clock,
      logger: this.logger,
    });
    this.name = this.driver.name;
    this.capabilities = this.driver.capabilities;
    this.#tracing = options.tracer
      ? new OperationTracer(options.tracer, spanAttributesOf(this.name, definition, parsed.config))
      : null;
    const maxRecordBytes = Math.min(this.settings.maxRecordBytes, this.capabilities.maxRecordBytes);
    this.#context = {
      settings: this.settings,
      clock: this.clock,
      maxRecordBytes,
      counters: this.#counters,
      atomically: (fn) => this.driver.transaction((rows) => fn(this.#access(rows))),
      deleteIfExpired: lazyExpiryDelete(this.driver),
      validator: recordValidator(options.schemas as RecordSchemas<object> | undefined),
    };
  }

  /** The definition this store was built from (its registered name, schema and capabilities). */
  get definition(): BackendDefinition<Config> {
    return this.#definition;
  }

  #access(rows: StorageDriver['rows']): RowAccess {
    return rowAccess(rows, this.capabilities.filtering);
  }

  /** Maps a driver error to a StorageError through the driver's own mapping, else as `internal`. */
  protected toStorageError(error: unknown): StorageError {
    if (isStorageError(error)) return error;
    if (this.driver.toStorageError) return this.driver.toStorageError(error);
    const message = error instanceof Error ? error.message : String(error);
    return new StorageError('internal', `${this.name}: ${message}`, { cause: error, backend: this.name });
  }

  /**
   * An optional ability of this store, or undefined when its backend offers none.
   * @example
   * const metrics = store.capability('metrics');
   * if (metrics) console.log(await metrics.text());
   */
  capability<K extends keyof StorageCapabilityObjects>(name: K): StorageCapabilityObjects[K] | undefined {
    return capabilityObject(name, {
      offers: this.driver.offers,
      tracing: this.#tracing,
      importer: {
        name: this.name,
        batchSize: this.settings.batchSize,
        now: () => this.clock.now(),
        toWriteRows: (records, preserve, now, offset) =>
          toWriteRows(this.#context, records, { preserveTimestamps: preserve }, now, offset),
        run: (operation, fn) => this.run(operation, fn),
        checkRecords: (records, offset) => this.#context.validator?.check(records, offset),
      },
    });
  }

  async connect(): Promise<void> {
    if (this.#connected) return;
    this.#connecting ??= (async () => {
      try {
        await this.driver.open();
        assertRowStore(this.name, this.capabilities, this.driver.rows);
        this.#connected = true;
        this.logger.debug({ backend: this.name }, 'recordstore: store connected');
        this.#timer = startCleanupTimer(this, this.settings, this.logger);
        this.#backups = startBackups(this, this.settings, this.logger);
      } catch (error) {
        // Release whatever the failed attempt acquired (pools, timers), so a retry starts clean.
        await this.driver.close().catch(() => undefined);
        throw this.toStorageError(error);
      } finally {
        this.#connecting = null;
      }
    })();
    return this.#connecting;
  }

  /** Closes the store: `await using store = await createStorage(config)` closes it when the block ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async close(): Promise<void> {
    if (this.#connecting) await this.#connecting.catch(() => undefined);
    if (!this.#connected) return;
    // A backup in progress reads through this store: stop (abort and await) it while still connected.
    const backups = this.#backups;
    this.#backups = null;
    await backups?.stop();
    this.#connected = false;
    // The row store belongs to this connection (pools, statements): a later connect() builds a new one.
    this.#direct = null;
    // Calls already made are sent before the driver closes, as they would have been without coalescing.
    this.#coalescer?.flush();
    this.#coalescer = null;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    try {
      await this.driver.close();
    } catch (error) {
      throw this.toStorageError(error);
    }
  }

  isConnected(): boolean {
    return this.#connected;
  }

  /**
   * Runs one public operation: checks the connection, counts it, turns any failure into a StorageError,
   * and, when the driver offers a meter, times it (metering decorates this, it does not replace it).
   */
  protected run<T>(operation: string, fn: () => Promise<T>, traced = true): Promise<T> {
    // Inside this store's own transaction callback the call would wait for that transaction (or write
    // outside it): refuse at once. One async-context lookup, nothing when no transaction runs.
    if (insideTransactionOf(this)) return Promise.reject(outerCallError(this.name, operation));
    // Coalesced calls issued earlier go first: coalescing must not reorder them after this operation.
    if (this.#coalescer !== null && !COALESCED.has(operation)) this.#coalescer.flush();
    const meter = this.driver.offers?.metrics?.meter;
    const call = () => this.#run(operation, fn);
    const metered = meter ? () => meter.time(operation, call) : call;
    return this.#tracing && traced ? this.#tracing.trace(operation, metered) : metered();
  }

  async #run<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    if (!this.#connected) {
      throw new StorageError(
        'connection',
        `${this.name}: the store is not connected; call connect() first.`,
        {
          backend: this.name,
          retryable: false,
        },
      );
    }
    this.#operations[operation] = (this.#operations[operation] ?? 0) + 1;
    try {
      return await fn();
    } catch (error) {
      this.#counters.errors++;
      throw this.toStorageError(error);
    }
  }

  get #ops(): StorageOperations {
    this.#direct ??= createOperations(this.#context, this.#directRows(), false);
    return this.#direct;
  }

  /** The rows of operations outside transactions: coalescing unless `coalesce: false`. */
  #directRows(): RowAccess {
    const driverRows = this.driver.rows;
    const rows = this.#access(driverRows);
    const settings = this.settings.coalesce ?? { enabled: true, windowUs: 0 };
    if (!settings.enabled) return rows;
    this.#coalescer = new Coalescer(rows, {
      driverRows,
      settings,
      maxBatch: this.settings.batchSize,
      scope: this.driver.coalesceScope?.bind(this.driver),
    });
    return this.#coalescer.rows();
  }

  // Records are checked at run time (toWriteRow, the schemas); R types them for callers only, hence the casts.
  save(record: RecordInputOf<R>, options?: SaveOptions): Promise<string> {
    return this.run('save', () => this.#ops.save(record as RecordInput, options));
  }
  load(id: string): Promise<StoredRecordOf<R> | null> {
    return this.run('load', () => this.#ops.load(id)) as Promise<StoredRecordOf<R> | null>;
  }
  update(id: string, changes: RecordPatchOf<R>): Promise<boolean> {
    return this.run('update', () => this.#ops.update(id, changes as Record<string, unknown>));
  }
  delete(id: string): Promise<boolean> {
    return this.run('delete', () => this.#ops.delete(id));
  }
  exists(id: string): Promise<boolean> {
    return this.run('exists', () => this.#ops.exists(id));
  }
  count(filter?: Filter<R>): Promise<number> {
    return this.run('count', () => this.#ops.count(filter as Filter | undefined));
  }
  list(filter?: Filter<R>, options?: ListOptions): Promise<StoredRecordOf<R>[]> {
    return this.run('list', () => this.#ops.list(filter as Filter | undefined, options)) as Promise<
      StoredRecordOf<R>[]
    >;
  }
  getBySession(sessionId: string, options?: ListOptions): Promise<StoredRecordOf<R>[]> {
    return this.run('getBySession', () => this.#ops.getBySession(sessionId, options)) as Promise<
      StoredRecordOf<R>[]
    >;
  }
  getByThread(threadId: string, options?: ListOptions): Promise<StoredRecordOf<R>[]> {
    return this.run('getByThread', () => this.#ops.getByThread(threadId, options)) as Promise<
      StoredRecordOf<R>[]
    >;
  }
  saveMany(records: readonly RecordInputOf<R>[], options?: SaveOptions): Promise<string[]> {
    return this.run('saveMany', () => this.#ops.saveMany(records as readonly RecordInput[], options));
  }
  deleteMany(idsOrFilter: readonly string[] | Filter<R>): Promise<number> {
    return this.run('deleteMany', () => this.#ops.deleteMany(idsOrFilter as readonly string[] | Filter));
  }

  transaction<T>(fn: (tx: StorageOperations<R>) => Promise<T>): Promise<T> {
    if (typeof fn !== 'function') {
      return Promise.reject(validationError('transaction takes an async function (tx) => ...', 'fn'));
    }
    return runTransaction(
      this,
      {
        name: this.name,
        run: (body) => this.run('transaction', body),
        transaction: (body) =>
          this.driver.transaction((rows) => body(createOperations(this.#context, this.#access(rows), true))),
        toStorageError: (error) => this.toStorageError(error),
      },
      fn as (tx: StorageOperations) => Promise<T>,
    );
  }

  /**
   * Streams live records newest first by keyset pagination on (created_at, id): each round trip fetches
   * one batch, so memory holds at most one batch whatever the table size.
   */
  stream(filter?: Filter<R>, options?: StreamOptions): AsyncGenerator<StoredRecordOf<R>> {
    return this.#stream(filter as Filter | undefined, options) as AsyncGenerator<StoredRecordOf<R>>;
  }

  async *#stream(filter: Filter | undefined, options?: StreamOptions): AsyncGenerator<StoredRecord> {
    // One span for the whole iteration (its batches are not spans of their own), ended however it ends.
    const span = this.#tracing?.open('stream');
    try {
      yield* this.#batches(filter, options);
    } catch (error) {
      span?.end(error);
      throw error;
    } finally {
      // A consumer that breaks out early ends the span too (no error).
      span?.end();
    }
  }

  #batches(filter: Filter | undefined, options?: StreamOptions): AsyncGenerator<StoredRecord> {
    return keysetStream({
      filter,
      batchSize: options?.batchSize ?? this.settings.batchSize,
      signal: options?.signal,
      now: () => this.clock.now(),
      run: (fn) => this.run('stream', fn, false),
      rows: () => this.#access(this.driver.rows),
    });
  }

  cleanupExpired(): Promise<number> {
    return this.run('cleanupExpired', async () => {
      const removed = await deleteExpired(this.#retention(), this.clock.now());
      this.#counters.expiredRemoved += removed;
      return removed;
    });
  }

  cleanupOldData(retentionDays: number): Promise<number> {
    return this.run('cleanupOldData', () =>
      deleteCreatedBefore(this.#retention(), this.clock.now(), retentionDays),
    );
  }

  #retention(): RetentionTarget {
    return { driver: this.driver, rows: this.#access(this.driver.rows), batchSize: this.settings.batchSize };
  }

  healthCheck(): Promise<HealthReport> {
    return healthReport({
      backend: this.name,
      connected: this.#connected,
      health: () => this.driver.health(),
      backups: this.#backups ? { path: this.settings.backup.path, last: this.#backups.last ?? null } : null,
      toStorageError: (error) => this.toStorageError(error),
    });
  }

  async stats(): Promise<StorageStats> {
    const extra =
      this.#connected && this.driver.stats ? await this.run('stats', () => this.driver.stats!()) : {};
    return { backend: this.name, operations: { ...this.#operations }, ...this.#counters, ...extra };
  }
}

/** The operations {@link Coalescer} batches; every other operation dispatches pending batches first. */
const COALESCED: ReadonlySet<string> = new Set(['load', 'exists', 'delete']);
