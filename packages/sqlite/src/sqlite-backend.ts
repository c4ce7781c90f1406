import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  type BackendCapabilities,
  type BackendOptions,
  BaseStorageBackend,
  compressJson,
  coreSettingsFrom,
  decompressJson,
  describeValue,
  type FilterNode,
  type JsonObject,
  likeMatches,
  type RecordRow,
  type RowQuery,
  type RowStore,
  StorageError,
  type StorageStats,
  shouldCompress,
  type WriteRow,
} from '@recordstore/core';
import Database from 'better-sqlite3';
import { migrateSQLite, sqliteMigrationStatus } from './migrations/index.js';
import {
  isMemoryPath,
  type SQLiteConfig,
  type SQLiteConfigInput,
  sqliteConfigSchema,
} from './sqlite-config.js';
import { toSQLiteStorageError } from './sqlite-errors.js';
import { compileFilter, compileOrderBy, ROW_ALIAS } from './sqlite-filter-compiler.js';
import {
  type FixedStatementName,
  fixedStatementsSql,
  type RawRow,
  ROW_COLUMNS,
} from './sqlite-statements.js';

type Statement = Database.Statement<unknown[], unknown>;
type Params = Record<string, string | number | null>;

/** Filter statements kept prepared; the SQL text depends only on a filter's shape, so few are ever live. */
const FILTER_CACHE_SIZE = 200;

/** Largest record accepted: SQLite's own limit is about 1 GB per value; JSON parsing costs grow first. */
const MAX_RECORD_BYTES = 256 * 1024 * 1024;

/** Turns a zod failure into a config error that names each key, what was seen and what was expected. */
function parseConfig(config: unknown): SQLiteConfig {
  const input = config ?? {};
  const result = sqliteConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const path = ['config', ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') {
      return `${path}: unknown key(s) ${issue.keys.join(', ')} for the sqlite backend.`;
    }
    const key = issue.path[0];
    const seen =
      typeof key === 'string' && typeof input === 'object' && Object.hasOwn(input, key)
        ? ` (got ${describeValue((input as Record<string, unknown>)[key])})`
        : '';
    return `${path}: ${issue.message}${seen}`;
  });
  const first = result.error.issues[0];
  throw new StorageError('config', `sqlite: invalid config. ${issues.join(' ')}`, {
    cause: result.error,
    backend: 'sqlite',
    path: ['config', ...(first?.path.map(String) ?? [])].join('.'),
  });
}

/**
 * The embedded default backend: one SQLite file through better-sqlite3, in WAL mode with a busy timeout, so
 * several processes can share the file. The schema comes from versioned migrations applied on connect;
 * filters compile to parameterized SQL (`json_type`/`json_extract`/`json_each`) evaluated by SQLite.
 *
 * better-sqlite3 is synchronous on one connection, while transactions take async callbacks: while a
 * transaction is open, every other operation on this object waits for it to end (it would otherwise run
 * inside it). Calling the backend itself (instead of `tx`) from inside a transaction callback therefore
 * waits forever; use `tx`.
 *
 * @example
 * const store = new SQLiteStorageBackend({ path: './data/app.db', ttl_enabled: true });
 * await store.connect();
 * const id = await store.save({ type: 'message', session_id: 's1', text: 'hi' });
 * await store.list({ session_id: 's1', 'metadata.source': 'web' }, { limit: 20 });
 */
export class SQLiteStorageBackend extends BaseStorageBackend {
  readonly name = 'sqlite';
  readonly capabilities: BackendCapabilities;
  /** The config schema `createStorage` validates against. */
  static readonly configSchema = sqliteConfigSchema;
  /** The parsed config (defaults applied). */
  readonly config: Readonly<SQLiteConfig>;
  readonly #table: string;
  #db: Database.Database | null = null;
  #fixed: Record<FixedStatementName, Statement> | null = null;
  #filterStatements = new Map<string, Statement>();
  /** Set while a transaction holds the connection; resolves when it ends. */
  #busy: Promise<void> | null = null;
  readonly #mainRows: RowStore;

  constructor(config: Partial<SQLiteConfigInput> = {}, options: BackendOptions = {}) {
    const parsed = parseConfig(config);
    super(coreSettingsFrom(parsed), options);
    this.config = parsed;
    this.#table = `"${parsed.table_name}"`;
    const durable = !isMemoryPath(parsed.path);
    this.capabilities = {
      persistent: durable,
      multiProcess: durable,
      compression: 'payload',
      maxRecordBytes: MAX_RECORD_BYTES,
    };
    this.#mainRows = this.#rowStore(null);
  }

  /** The database file's absolute path, or `:memory:`. */
  get path(): string {
    return isMemoryPath(this.config.path) ? this.config.path : resolve(this.config.path);
  }

  protected override toStorageError(error: unknown): StorageError {
    return toSQLiteStorageError(error, { path: this.path, busyTimeoutMs: this.config.busy_timeout_ms });
  }

  protected async openConnection(): Promise<void> {
    const { path, busy_timeout_ms, journal_mode, synchronous, table_name } = this.config;
    const memory = isMemoryPath(path);
    if (!memory) mkdirSync(dirname(resolve(path)), { recursive: true });
    const db = new Database(path, { timeout: busy_timeout_ms });
    try {
      if (!memory) {
        const mode = String(db.pragma(`journal_mode = ${journal_mode}`, { simple: true })).toLowerCase();
        if (mode !== journal_mode) {
          throw new StorageError(
            'config',
            `sqlite: ${this.path} could not switch to journal_mode ${journal_mode} (it stays ${mode}); the ` +
              'filesystem may not support it (network filesystems lack WAL\u2019s shared memory). Move the ' +
              'file to a local disk or set journal_mode: delete.',
            { backend: this.name, path: 'config.journal_mode' },
          );
        }
      }
      db.pragma(`synchronous = ${synchronous}`);
      this.#registerFunctions(db);
      migrateSQLite(db, { tableName: table_name, now: () => this.clock.now() });
      const sql = fixedStatementsSql(this.#table);
      const fixed = {} as Record<FixedStatementName, Statement>;
      for (const name of Object.keys(sql) as FixedStatementName[]) fixed[name] = db.prepare(sql[name]);
      fixed.countAll.pluck();
      // Rows as arrays: better-sqlite3 skips building an object per row (point loads are hot).
      fixed.load.raw();
      this.#db = db;
      this.#fixed = fixed;
    } catch (error) {
      db.close();
      throw error;
    }
  }

  #registerFunctions(db: Database.Database): void {
    // A filter may read a compressed document several times per row (one call per JSON access); keeping the
    // last one avoids inflating it again. Compressed blobs are small, so comparing them is cheap.
    let lastBlob: Buffer | null = null;
    let lastJson = '';
    db.function('rs_inflate', { deterministic: true }, (blob: unknown) => {
      if (!Buffer.isBuffer(blob)) return null;
      if (lastBlob?.equals(blob)) return lastJson;
      lastJson = decompressJson(blob);
      lastBlob = Buffer.from(blob);
      return lastJson;
    });
    db.function('rs_like', { deterministic: true }, (value: unknown, pattern: unknown, ci: unknown) =>
      typeof value === 'string' && typeof pattern === 'string' && likeMatches(value, pattern, ci === 1)
        ? 1
        : 0,
    );
  }

  protected async closeConnection(): Promise<void> {
    await this.#whenIdle(() => {
      const db = this.#db;
      this.#db = null;
      this.#fixed = null;
      this.#filterStatements.clear();
      db?.close();
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

  #statements(): Record<FixedStatementName, Statement> {
    if (this.#fixed === null) {
      throw new StorageError('connection', 'sqlite: the store is closed; call connect() first.', {
        backend: this.name,
        retryable: false,
      });
    }
    return this.#fixed;
  }

  #database(): Database.Database {
    if (this.#db === null) this.#statements();
    return this.#db!;
  }

  protected get rows(): RowStore {
    return this.#mainRows;
  }

  protected async withTransaction<T>(fn: (rows: RowStore) => Promise<T>): Promise<T> {
    // Checked and claimed in one synchronous stretch: see #whenIdle.
    while (this.#busy) await this.#busy;
    let release!: () => void;
    this.#busy = new Promise((r) => {
      release = r;
    });
    const scope = { open: true };
    try {
      const s = this.#statements();
      // IMMEDIATE takes the write lock now: a deferred transaction that reads first can fail with
      // SQLITE_BUSY_SNAPSHOT at its first write when another process wrote meanwhile.
      s.begin.run();
      try {
        const result = await fn(this.#rowStore(scope));
        s.commit.run();
        return result;
      } catch (error) {
        if (this.#db?.inTransaction) s.rollback.run();
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
    const run = <T>(fn: () => T): Promise<T> => {
      if (scope === null) return this.#whenIdle(fn);
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
        return Promise.resolve(fn());
      } catch (error) {
        return Promise.reject(error);
      }
    };
    return {
      upsertRows: (rows, options) => run(() => this.#upsert(rows, options.keepCreatedAt, options.now)),
      loadRow: (id) =>
        run(() => {
          const raw = this.#statements().load.get(id) as RawRow | undefined;
          return raw === undefined ? null : toRecordRow(raw);
        }),
      existsRow: (id, now) => run(() => this.#statements().exists.get(id, now) !== undefined),
      deleteRows: (ids) =>
        run(() => {
          const s = this.#statements();
          if (ids.length === 0) return 0;
          return (ids.length === 1 ? s.deleteOne.run(ids[0]) : s.deleteMany.run(JSON.stringify(ids))).changes;
        }),
      deleteRowIfExpired: (id, now) => run(() => this.#statements().deleteIfExpired.run(id, now).changes > 0),
      countRows: (filter) =>
        run(() => {
          const { sql, params } = compileFilter(filter);
          const statement = this.#filterStatement(
            `SELECT count(*) FROM ${this.#table} AS ${ROW_ALIAS} WHERE ${sql}`,
            true,
          );
          return bind(statement, params, (st, p) => st.get(...p)) as number;
        }),
      listRows: (filter, query) => run(() => this.#list(filter, query)),
      deleteRowsWhere: (filter) =>
        run(() => {
          const { sql, params } = compileFilter(filter);
          const statement = this.#filterStatement(`DELETE FROM ${this.#table} AS ${ROW_ALIAS} WHERE ${sql}`);
          return bind(statement, params, (st, p) => st.run(...p)).changes;
        }),
    };
  }

  #upsert(rows: readonly WriteRow[], keepCreatedAt: boolean, now: number): void {
    const s = this.#statements();
    const db = this.#database();
    const write = () => {
      for (const row of rows) {
        const compress = shouldCompress(row.dataJson, this.settings.compression);
        const params = [
          row.id,
          compress ? null : row.dataJson,
          compress ? compressJson(row.dataJson) : null,
          compress ? 1 : 0,
          row.type,
          row.session_id,
          row.thread_id,
          row.metadataJson,
          row.created_at,
          row.updated_at,
          row.expires_at,
          keepCreatedAt ? 1 : 0,
          now,
        ];
        if (s.upsertKeepingKeys.run(...params).changes === 0) s.upsert.run(...params);
      }
    };
    // One statement is atomic by itself; several rows need a transaction unless one is already open.
    if (rows.length <= 1 || db.inTransaction) {
      write();
      return;
    }
    s.begin.run();
    try {
      write();
      s.commit.run();
    } catch (error) {
      if (db.inTransaction) s.rollback.run();
      throw error;
    }
  }

  #list(filter: FilterNode, query: RowQuery): RecordRow[] {
    const { sql, params } = compileFilter(filter);
    const statement = this.#filterStatement(
      `SELECT ${ROW_COLUMNS} FROM ${this.#table} AS ${ROW_ALIAS} WHERE ${sql} ` +
        `ORDER BY ${compileOrderBy(query.orderBy)} LIMIT :rs_limit OFFSET :rs_offset`,
    );
    const all = { ...params, rs_limit: query.limit ?? -1, rs_offset: query.offset };
    return (statement.all(all) as RawRow[]).map(toRecordRow);
  }

  #filterStatement(sql: string, pluck = false): Statement {
    let statement = this.#filterStatements.get(sql);
    if (statement) {
      // Move to the end: the map's first entry is the least recently used.
      this.#filterStatements.delete(sql);
    } else {
      statement = this.#database().prepare(sql);
      if (pluck) statement.pluck();
      else if (statement.reader) statement.raw();
      if (this.#filterStatements.size >= FILTER_CACHE_SIZE) {
        this.#filterStatements.delete(this.#filterStatements.keys().next().value!);
      }
    }
    this.#filterStatements.set(sql, statement);
    return statement;
  }

  async #batches(statement: FixedStatementName, bound: number, batchSize: number): Promise<number> {
    let total = 0;
    for (;;) {
      const removed = await this.#whenIdle(() => this.#statements()[statement].run(bound, batchSize).changes);
      total += removed;
      if (removed < batchSize) return total;
      // Let other work (and other processes' writers) in between batches.
      await new Promise((r) => setImmediate(r));
    }
  }

  protected deleteExpiredRows(now: number, batchSize: number): Promise<number> {
    return this.#batches('deleteExpiredBatch', now, batchSize);
  }

  protected deleteRowsCreatedBefore(cutoff: number, batchSize: number): Promise<number> {
    return this.#batches('deleteCreatedBeforeBatch', cutoff, batchSize);
  }

  #fileFigures(db: Database.Database) {
    const pageSize = Number(db.pragma('page_size', { simple: true }));
    const pageCount = Number(db.pragma('page_count', { simple: true }));
    const freelistCount = Number(db.pragma('freelist_count', { simple: true }));
    let walBytes = 0;
    if (!isMemoryPath(this.config.path)) {
      try {
        walBytes = statSync(`${this.path}-wal`).size;
      } catch {
        // No WAL file right now (checkpointed and removed, or not in WAL mode).
      }
    }
    return { pageSize, pageCount, freelistCount, walBytes };
  }

  protected probeHealth(): Promise<Record<string, unknown>> {
    return this.#whenIdle(() => this.#probe(this.#database()));
  }

  #probe(db: Database.Database): Record<string, unknown> {
    db.prepare('SELECT 1').get();
    const migration = sqliteMigrationStatus(db, { tableName: this.config.table_name });
    return {
      path: this.path,
      table: this.config.table_name,
      sqliteVersion: db.prepare('SELECT sqlite_version()').pluck().get(),
      journalMode: db.pragma('journal_mode', { simple: true }),
      schemaVersion: migration.current,
      pendingMigrations: migration.pending,
      ...this.#fileFigures(db),
    };
  }

  protected collectStats(): Promise<Pick<StorageStats, 'records' | 'sizeBytes' | 'details'>> {
    return this.#whenIdle(() => this.#figures(this.#database()));
  }

  #figures(db: Database.Database): Pick<StorageStats, 'records' | 'sizeBytes' | 'details'> {
    const records = Number(this.#statements().countAll.get());
    const figures = this.#fileFigures(db);
    return {
      records,
      sizeBytes: figures.pageCount * figures.pageSize,
      details: {
        path: this.path,
        table: this.config.table_name,
        journalMode: db.pragma('journal_mode', { simple: true }),
        ...figures,
      },
    };
  }
}

/** Calls a statement with named parameters, or none (better-sqlite3 refuses an object it has no names for). */
function bind<T>(statement: Statement, params: Params, call: (s: Statement, args: unknown[]) => T): T {
  return call(statement, Object.keys(params).length === 0 ? [] : [params]);
}

function toRecordRow(raw: RawRow): RecordRow {
  const [id, data, dataZ, type, sessionId, threadId, metadata, createdAt, updatedAt, expiresAt] = raw;
  const json = data ?? (dataZ === null ? '{}' : decompressJson(dataZ));
  return {
    id,
    type,
    session_id: sessionId,
    thread_id: threadId,
    metadata: metadata === null ? null : (JSON.parse(metadata) as JsonObject),
    data: JSON.parse(json) as JsonObject,
    created_at: createdAt,
    updated_at: updatedAt,
    expires_at: expiresAt,
  };
}
