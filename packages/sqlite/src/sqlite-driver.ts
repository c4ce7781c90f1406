import {
  type DriverCapabilities,
  type DriverCapabilityObjects,
  type DriverContext,
  type DriverStats,
  type RowStore,
  type StorageDriver,
  StorageError,
} from '@recordstore/core';
import { migrateSQLite, sqliteMigrationStatus } from './migrations/index.js';
import { deleteInBatches } from './sqlite-cleanup.js';
import { isMemoryPath, type SQLiteConfig, sqliteFilePath } from './sqlite-config.js';
import { fileFigures, openSQLiteDatabase, SQLiteConnection } from './sqlite-connection.js';
import { toSQLiteStorageError } from './sqlite-errors.js';
import { registerSQLiteFunctions } from './sqlite-functions.js';
import { type DeclaredPath, declaredPaths } from './sqlite-indexes.js';
import { sqliteLock } from './sqlite-lock.js';
import { sqliteMeta } from './sqlite-meta.js';
import { type RunOnConnection, sqliteRowStore } from './sqlite-row-store.js';
import type { FixedStatementName } from './sqlite-statements.js';

/** Largest record accepted: SQLite's own limit is about 1 GB per value; JSON parsing costs grow first. */
const MAX_RECORD_BYTES = 256 * 1024 * 1024;

/**
 * The SQLite driver: one file through better-sqlite3, in WAL mode with a busy timeout, so several
 * processes can share the file. Pending schema migrations are applied on open; filters compile to
 * parameterized SQL (`json_type`/`json_extract`/`json_each`) evaluated by SQLite.
 *
 * better-sqlite3 is synchronous on one connection, while transactions take async callbacks: while a
 * transaction is open, every other call on this driver waits for it to end (it would otherwise run inside
 * it). Calling the store itself (instead of `tx`) from inside a transaction callback therefore waits
 * forever; use `tx`.
 */
export class SQLiteDriver implements StorageDriver {
  readonly name = 'sqlite';
  readonly capabilities: DriverCapabilities;
  readonly rows: RowStore;
  readonly offers: DriverCapabilityObjects;
  readonly #config: SQLiteConfig;
  readonly #context: DriverContext;
  readonly #table: string;
  /** Declared path indexes, which the filter compiler writes index-matching expressions for. */
  readonly #declared: readonly DeclaredPath[];
  #connection: SQLiteConnection | null = null;
  /** Set while a transaction holds the connection; resolves when it ends. */
  #busy: Promise<void> | null = null;

  constructor(config: SQLiteConfig, context: DriverContext) {
    this.#config = config;
    this.#context = context;
    this.#table = `"${config.table_name}"`;
    this.#declared = declaredPaths(config.indexes);
    const durable = !isMemoryPath(config.path);
    this.capabilities = {
      persistent: durable,
      multiProcess: durable,
      compression: 'payload',
      maxRecordBytes: MAX_RECORD_BYTES,
      filtering: 'native',
    };
    this.rows = this.#rowStore(null);
    this.offers = {
      meta: sqliteMeta(
        (fn) => this.#whenIdle(() => fn(this.#open().db)),
        config.table_name,
        () => context.clock.now(),
      ),
      // A private in-memory database has no other process to coordinate with.
      ...(durable ? { lock: sqliteLock((name) => `${this.path}.${config.table_name}.${name}.lock`) } : {}),
      schemaVersion: {
        current: () =>
          this.#whenIdle(
            () => sqliteMigrationStatus(this.#open().db, { tableName: config.table_name }).current,
          ),
      },
    };
  }

  /** The database file's absolute path, or `:memory:`. */
  get path(): string {
    return sqliteFilePath(this.#config.path);
  }

  toStorageError(error: unknown): StorageError {
    return toSQLiteStorageError(error, { path: this.path, busyTimeoutMs: this.#config.busy_timeout_ms });
  }

  async open(): Promise<void> {
    const db = openSQLiteDatabase(this.#config);
    try {
      registerSQLiteFunctions(db);
      migrateSQLite(db, {
        tableName: this.#config.table_name,
        now: () => this.#context.clock.now(),
        indexes: this.#config.indexes,
      });
      this.#connection = new SQLiteConnection(db, this.#table);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.#whenIdle(() => {
      const connection = this.#connection;
      this.#connection = null;
      connection?.close();
    });
  }

  /**
   * Runs `fn` on the main connection once no transaction holds it. The wait loop and `fn` run in one
   * synchronous stretch after the last await, so no transaction can begin in between.
   */
  #whenIdle<T>(fn: () => T): Promise<T> {
    if (this.#busy) return this.#afterTransactions(fn);
    // The common case, without an async frame: point reads are hot.
    try {
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async #afterTransactions<T>(fn: () => T): Promise<T> {
    while (this.#busy) await this.#busy;
    return fn();
  }

  #open(): SQLiteConnection {
    if (this.#connection === null) {
      throw new StorageError('connection', 'sqlite: the store is closed; call connect() first.', {
        backend: this.name,
        retryable: false,
      });
    }
    return this.#connection;
  }

  async transaction<T>(fn: (rows: RowStore) => Promise<T>): Promise<T> {
    // Checked and claimed in one synchronous stretch: see #whenIdle.
    while (this.#busy) await this.#busy;
    let release!: () => void;
    this.#busy = new Promise((r) => {
      release = r;
    });
    const scope = { open: true };
    try {
      const connection = this.#open();
      const s = connection.statements;
      // IMMEDIATE takes the write lock now: a deferred transaction that reads first can fail with
      // SQLITE_BUSY_SNAPSHOT at its first write when another process wrote meanwhile.
      s.begin.run();
      try {
        const result = await fn(this.#rowStore(scope));
        s.commit.run();
        return result;
      } catch (error) {
        if (connection.db.inTransaction) s.rollback.run();
        throw error;
      }
    } finally {
      scope.open = false;
      this.#busy = null;
      release();
    }
  }

  /**
   * The row store on the main connection (`scope` null: each call waits while a transaction is open) or
   * inside a transaction (`scope` set: calls run at once, and fail once the transaction has ended).
   */
  #rowStore(scope: { open: boolean } | null): RowStore {
    const run: RunOnConnection = (fn) => {
      if (scope === null) return this.#whenIdle(() => fn(this.#open()));
      if (!scope.open) {
        return Promise.reject(
          new StorageError(
            'validation',
            'sqlite: this transaction has already ended; use tx only inside the transaction callback.',
            { backend: this.name },
          ),
        );
      }
      try {
        return Promise.resolve(fn(this.#open()));
      } catch (error) {
        return Promise.reject(error);
      }
    };
    return sqliteRowStore(run, {
      table: this.#table,
      compression: this.#context.settings.compression,
      declared: this.#declared,
    });
  }

  /** Runs a time-boxed batched delete (see deleteInBatches) on the main connection. */
  #batches(statement: FixedStatementName, bound: number, batchSize: number): Promise<number> {
    return deleteInBatches((fn) => this.#whenIdle(() => fn(this.#open())), statement, bound, batchSize);
  }

  /** Deletes expired rows in time-boxed batches of at most `batchSize`, each its own short write lock. */
  deleteExpiredRows(now: number, batchSize: number): Promise<number> {
    return this.#batches('deleteExpiredBatch', now, batchSize);
  }

  /** Deletes rows created before `cutoff` in time-boxed batches of at most `batchSize`. */
  deleteRowsCreatedBefore(cutoff: number, batchSize: number): Promise<number> {
    return this.#batches('deleteCreatedBeforeBatch', cutoff, batchSize);
  }

  health(): Promise<Record<string, unknown>> {
    return this.#whenIdle(() => {
      const { db } = this.#open();
      db.prepare('SELECT 1').get();
      const migration = sqliteMigrationStatus(db, { tableName: this.#config.table_name });
      return {
        path: this.path,
        table: this.#config.table_name,
        sqliteVersion: db.prepare('SELECT sqlite_version()').pluck().get(),
        journalMode: db.pragma('journal_mode', { simple: true }),
        schemaVersion: migration.current,
        pendingMigrations: migration.pending,
        ...fileFigures(db, this.#config.path),
      };
    });
  }

  stats(): Promise<DriverStats> {
    return this.#whenIdle(() => {
      const { db, statements } = this.#open();
      const records = Number(statements.countAll.get());
      const figures = fileFigures(db, this.#config.path);
      return {
        records,
        sizeBytes: figures.pageCount * figures.pageSize,
        details: {
          path: this.path,
          table: this.#config.table_name,
          journalMode: db.pragma('journal_mode', { simple: true }),
          ...figures,
        },
      };
    });
  }
}
