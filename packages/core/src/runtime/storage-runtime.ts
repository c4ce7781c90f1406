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
import { describeValue } from '../describe-value.js';
import type { BackendDefinition } from '../driver/definition.js';
import type { RowStore, StorageDriver } from '../driver/driver.js';
import { isStorageError, StorageError, validationError } from '../errors.js';
import type { Filter } from '../filter/types.js';
import { isExpired, type RecordInput, type RecordRow, type StoredRecord, toStoredRecord } from '../record.js';
import type { BackupScheduler } from '../transfer/scheduler.js';
import { startBackups, startCleanupTimer } from './background-tasks.js';
import { recordImporter } from './bulk-import.js';
import {
  type Counters,
  createOperations,
  deleteIfExpiredByFilter,
  type OperationContext,
  toWriteRows,
} from './operations.js';
import { createdBeforeFilter, expiredFilter, keysetAfter, liveFilter, NEWEST_FIRST } from './query-plan.js';
import { assertRowStore, type RowAccess, rowAccess } from './row-access.js';
import { insideTransactionOf, outerCallError, runTransaction } from './transaction-guard.js';

/** Runtime options of a store that are not config: injected clock and logger. */
export interface BackendOptions {
  clock?: Clock;
  logger?: Logger;
}

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
export class StorageRuntime<Config = Record<string, unknown>> implements StorageBackend {
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
  readonly #context: OperationContext;

  /**
   * @param definition the backend (see `defineBackend`)
   * @param config the raw `config:` block, parsed here, or a config the registry already parsed
   */
  constructor(
    definition: BackendDefinition<Config>,
    config: ParsedBackendConfig<Config> | Record<string, unknown> = {},
    options: BackendOptions = {},
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
    const maxRecordBytes = Math.min(this.settings.maxRecordBytes, this.capabilities.maxRecordBytes);
    this.#context = {
      settings: this.settings,
      clock: this.clock,
      maxRecordBytes,
      counters: this.#counters,
      atomically: (fn) => this.driver.transaction((rows) => fn(this.#access(rows))),
      deleteIfExpired: (rows, id, now, inTransaction) => this.#deleteIfExpired(rows, id, now, inTransaction),
    };
  }

  /** The definition this store was built from (its registered name, schema and capabilities). */
  get definition(): BackendDefinition<Config> {
    return this.#definition;
  }

  #access(rows: StorageDriver['rows']): RowAccess {
    return rowAccess(rows, this.capabilities.filtering);
  }

  #deleteIfExpired(rows: RowAccess, id: string, now: number, inTransaction: boolean): Promise<boolean> {
    if (this.capabilities.filtering === 'native') return deleteIfExpiredByFilter(rows, id, now);
    // Inside a transaction its own rows are already isolated (and the driver's lock is held: opening
    // another transaction would wait for this one forever).
    if (inTransaction) return checkAndDelete(rows, id, now);
    // A scan driver cannot delete conditionally in one statement: check and delete in one transaction.
    return this.driver.transaction((tx) => checkAndDelete(tx, id, now));
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
    const offers = this.driver.offers;
    if (name === 'bulkImport') {
      if (!offers?.bulkImport) return undefined;
      return recordImporter(
        {
          name: this.name,
          batchSize: this.settings.batchSize,
          now: () => this.clock.now(),
          toWriteRows: (records, preserve, now, offset) =>
            toWriteRows(this.#context, records, { preserveTimestamps: preserve }, now, offset),
          run: (operation, fn) => this.run(operation, fn),
        },
        offers.bulkImport,
      ) as StorageCapabilityObjects[K];
    }
    return offers?.[name as Exclude<K, 'bulkImport'>] as StorageCapabilityObjects[K] | undefined;
  }

  async connect(): Promise<void> {
    if (this.#connected) return;
    this.#connecting ??= (async () => {
      try {
        await this.driver.open();
        assertRowStore(this.name, this.capabilities, this.driver.rows);
        this.#connected = true;
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
  protected run<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    // Inside this store's own transaction callback the call would wait for that transaction (or write
    // outside it): refuse at once. One async-context lookup, nothing when no transaction runs.
    if (insideTransactionOf(this)) return Promise.reject(outerCallError(this.name, operation));
    const meter = this.driver.offers?.metrics?.meter;
    const call = () => this.#run(operation, fn);
    return meter ? meter.time(operation, call) : call();
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
    this.#direct ??= createOperations(this.#context, this.#access(this.driver.rows), false);
    return this.#direct;
  }

  save(record: RecordInput, options?: SaveOptions): Promise<string> {
    return this.run('save', () => this.#ops.save(record, options));
  }
  load(id: string): Promise<StoredRecord | null> {
    return this.run('load', () => this.#ops.load(id));
  }
  update(id: string, changes: Record<string, unknown>): Promise<boolean> {
    return this.run('update', () => this.#ops.update(id, changes));
  }
  delete(id: string): Promise<boolean> {
    return this.run('delete', () => this.#ops.delete(id));
  }
  exists(id: string): Promise<boolean> {
    return this.run('exists', () => this.#ops.exists(id));
  }
  count(filter?: Filter): Promise<number> {
    return this.run('count', () => this.#ops.count(filter));
  }
  list(filter?: Filter, options?: ListOptions): Promise<StoredRecord[]> {
    return this.run('list', () => this.#ops.list(filter, options));
  }
  getBySession(sessionId: string, options?: ListOptions): Promise<StoredRecord[]> {
    return this.run('getBySession', () => this.#ops.getBySession(sessionId, options));
  }
  getByThread(threadId: string, options?: ListOptions): Promise<StoredRecord[]> {
    return this.run('getByThread', () => this.#ops.getByThread(threadId, options));
  }
  saveMany(records: readonly RecordInput[], options?: SaveOptions): Promise<string[]> {
    return this.run('saveMany', () => this.#ops.saveMany(records, options));
  }
  deleteMany(idsOrFilter: readonly string[] | Filter): Promise<number> {
    return this.run('deleteMany', () => this.#ops.deleteMany(idsOrFilter));
  }

  transaction<T>(fn: (tx: StorageOperations) => Promise<T>): Promise<T> {
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
      fn,
    );
  }

  /**
   * Streams live records newest first by keyset pagination on (created_at, id): each round trip fetches
   * one batch, so memory holds at most one batch whatever the table size.
   */
  async *stream(filter?: Filter, options?: StreamOptions): AsyncGenerator<StoredRecord> {
    const batchSize = options?.batchSize ?? this.settings.batchSize;
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw validationError(
        `batchSize must be a positive integer, got ${describeValue(batchSize)}.`,
        'batchSize',
      );
    }
    const base = await this.run('stream', async () => liveFilter(filter, this.clock.now()));
    let after: RecordRow | null = null;
    for (;;) {
      const page = after === null ? base : keysetAfter(base, after);
      const batch: RecordRow[] = await this.run('stream', () =>
        this.#access(this.driver.rows).listRows(page, { orderBy: NEWEST_FIRST, limit: batchSize, offset: 0 }),
      );
      for (const row of batch) yield toStoredRecord(row);
      if (batch.length < batchSize) return;
      after = batch[batch.length - 1]!;
    }
  }

  cleanupExpired(): Promise<number> {
    return this.run('cleanupExpired', async () => {
      const now = this.clock.now();
      const removed = this.driver.deleteExpiredRows
        ? await this.driver.deleteExpiredRows(now, this.settings.batchSize)
        : await this.#access(this.driver.rows).deleteRowsWhere(expiredFilter(now));
      this.#counters.expiredRemoved += removed;
      return removed;
    });
  }

  cleanupOldData(retentionDays: number): Promise<number> {
    return this.run('cleanupOldData', async () => {
      if (typeof retentionDays !== 'number' || !Number.isFinite(retentionDays) || retentionDays < 0) {
        throw validationError(
          `retentionDays must be a non-negative number, got ${describeValue(retentionDays)}.`,
          'retentionDays',
        );
      }
      const cutoff = this.clock.now() - retentionDays * 86_400_000;
      return this.driver.deleteRowsCreatedBefore
        ? this.driver.deleteRowsCreatedBefore(cutoff, this.settings.batchSize)
        : this.#access(this.driver.rows).deleteRowsWhere(createdBeforeFilter(cutoff));
    });
  }

  async healthCheck(): Promise<HealthReport> {
    const started = performance.now();
    const checkedAt = new Date();
    const report = (status: HealthReport['status'], details: Record<string, unknown>, error?: string) => ({
      status,
      backend: this.name,
      responseTimeMs: Math.round((performance.now() - started) * 1000) / 1000,
      checkedAt,
      details,
      ...(error === undefined ? {} : { error }),
    });
    if (!this.#connected) return { ...report('unhealthy', {}, 'not connected'), responseTimeMs: 0 };
    try {
      const details = await this.driver.health();
      // The existing layer's health check reported backups; so does this one when they are scheduled.
      if (this.#backups)
        details.backups = { path: this.settings.backup.path, last: this.#backups.last ?? null };
      // A driver names what works but is impaired (a replica down) in `details.degraded`.
      const degraded = Array.isArray(details.degraded)
        ? details.degraded.filter((reason): reason is string => typeof reason === 'string')
        : [];
      return degraded.length > 0
        ? report('degraded', details, degraded.join('; '))
        : report('healthy', details);
    } catch (error) {
      return report('unhealthy', {}, this.toStorageError(error).message);
    }
  }

  async stats(): Promise<StorageStats> {
    const extra =
      this.#connected && this.driver.stats ? await this.run('stats', () => this.driver.stats!()) : {};
    return { backend: this.name, operations: { ...this.#operations }, ...this.#counters, ...extra };
  }
}

/** Deletes the row only if it is (still) expired, reading and deleting on the same rows. */
async function checkAndDelete(rows: RowStore, id: string, now: number): Promise<boolean> {
  const row = await rows.loadRow(id, { forUpdate: true });
  return row !== null && isExpired(row, now) && (await rows.deleteRows([id])) > 0;
}
