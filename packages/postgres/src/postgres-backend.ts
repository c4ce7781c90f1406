import {
  type BackendCapabilities,
  type BackendOptions,
  BaseStorageBackend,
  coreSettingsFrom,
  type FilterNode,
  isPlainObject,
  type RecordRow,
  type RowQuery,
  type RowStore,
  StorageError,
  type StorageStats,
  type WriteRow,
} from '@recordstore/core';
import pg from 'pg';
import { readMigrationStatus, runMigrations } from './migrate.js';
import {
  assertSupported,
  POSTGRES_KEY_ALIASES,
  type PostgresConfig,
  type PostgresConfigInput,
  postgresConfigSchema,
} from './postgres-config.js';
import { describeTarget, type ResolvedConnection, resolveConnection } from './postgres-connection.js';
import { isBrokenConnectionError, toPostgresStorageError } from './postgres-errors.js';
import { buildCountQuery, buildDeleteQuery, buildListQuery } from './postgres-filter-compiler.js';
import * as q from './queries.js';

/** Ms an idle connection above `connection_pool_size` stays open before it is closed. */
const IDLE_RELEASE_MS = 10_000;

/**
 * The PostgreSQL backend: records in one `storage_records` table (jsonb data, btree and GIN indexes),
 * fixed statements compiled by pgtyped and sent as named prepared statements, filters compiled to SQL
 * with the reference semantics, schema managed by node-pg-migrate.
 *
 * @example
 * const store = new PostgreSQLStorageBackend({ url: 'postgres://app:secret@db/app' });
 * await store.connect();
 * await store.save({ type: 'message', text: 'hi' });
 */
export class PostgreSQLStorageBackend extends BaseStorageBackend {
  readonly name = 'postgresql';
  readonly capabilities: BackendCapabilities = {
    persistent: true,
    multiProcess: true,
    compression: 'column',
    // jsonb values are limited to 255 MB; stay well clear of it (and of 1 GB field limits).
    maxRecordBytes: 256 * 1024 * 1024 - 1,
  };
  /** The config schema the registry validates against. */
  static readonly configSchema = postgresConfigSchema;
  /** Alternative key spellings accepted (libpq's and the existing layer's), mapped to the design's. */
  static readonly keyAliases = POSTGRES_KEY_ALIASES;

  /** The parsed config (defaults applied). */
  readonly config: PostgresConfig;
  #pool: pg.Pool | null = null;
  #resolved: ResolvedConnection | null = null;
  #session: q.SqlSession | null = null;
  #rows: RowStore | null = null;
  readonly #convert = (error: unknown): StorageError => this.toStorageError(error);

  /**
   * @param config the `config:` block (strings from `${VAR:default}` are coerced).
   * @throws StorageError(config) for invalid keys, StorageError(unsupported) for features not built yet.
   */
  constructor(config: PostgresConfigInput | Record<string, unknown> = {}, options: BackendOptions = {}) {
    const parsed = postgresConfigSchema.parse(applyAliases(config));
    assertSupported(parsed);
    super(coreSettingsFrom(parsed), options);
    this.config = parsed;
  }

  /** The pg pool while connected (for tests and tools; do not end it). */
  get pool(): pg.Pool | null {
    return this.#pool;
  }

  protected override toStorageError(error: unknown): StorageError {
    const target = this.#resolved?.target;
    return toPostgresStorageError(error, {
      secrets: [target?.password, this.config.password],
      ...(target ? { target: describeTarget(target) } : {}),
    });
  }

  protected async openConnection(): Promise<void> {
    const resolved = await resolveConnection(this.config);
    this.#resolved = resolved;
    const config = this.config;
    const connectTimeoutMs = Math.round(config.connect_timeout * 1000);
    // pg-pool uses connectionTimeoutMillis both for waiting on a free client and (passed to the client)
    // for connecting. A client class with its own timeout keeps connect_timeout and
    // connection_pool_timeout apart.
    class RecordstoreClient extends pg.Client {
      constructor(options?: pg.ClientConfig) {
        super({ ...options, connectionTimeoutMillis: connectTimeoutMs });
        // A checked-out client whose link drops emits 'error' besides failing its query; the query's
        // rejection is what reports it, so the event must not crash the process.
        this.on('error', () => {});
      }
    }
    const pool = new pg.Pool({
      ...resolved.client,
      Client: RecordstoreClient,
      max: config.connection_pool_size + config.connection_pool_max_overflow,
      min: config.connection_pool_size,
      idleTimeoutMillis: IDLE_RELEASE_MS,
      connectionTimeoutMillis: Math.round(config.connection_pool_timeout * 1000),
      maxLifetimeSeconds: config.connection_pool_recycle,
    });
    // An idle client whose server went away emits 'error' on the pool; without a listener Node would crash.
    pool.on('error', (error) => {
      this.logger.warn(
        { backend: this.name, err: this.toStorageError(error).message },
        'recordstore: idle connection lost',
      );
    });
    this.#pool = pool;
    try {
      await this.#prepareSchema(resolved);
    } catch (error) {
      this.#pool = null;
      await pool.end().catch(() => {});
      throw error;
    }
    this.#session = q.createSession(this.#poolExecutor(pool), config.prepared_statements, this.#convert);
    this.#rows = this.#rowStore(this.#session, false);
  }

  /** Migrates (auto_migrate) or checks the schema, then applies column compression when enabled. */
  async #prepareSchema(resolved: ResolvedConnection): Promise<void> {
    const config = this.config;
    const target = { schema: config.schema_name, migrationsTable: config.migration_table };
    const client = new pg.Client({
      ...resolved.client,
      statement_timeout: undefined,
      query_timeout: undefined,
    });
    client.on('error', () => {});
    await client.connect();
    try {
      const status = await readMigrationStatus(client, target);
      if (status.pending.length > 0) {
        if (!config.auto_migrate) {
          throw new StorageError(
            'config',
            `postgresql: the database ${describeTarget(resolved.target)} is not migrated (schema ${config.schema_name}: ` +
              `${status.pending.length} pending migration(s): ${status.pending.join(', ')}). ` +
              'Run `recordstore migrate up` (or set auto_migrate: true).',
            { path: 'config.auto_migrate', backend: this.name },
          );
        }
        await runMigrations(client, { ...target, direction: 'up' });
      }
      if (config.compression_enabled) await this.#applyCompression(client);
    } finally {
      await client.end().catch(() => {});
    }
  }

  async #applyCompression(client: pg.Client): Promise<void> {
    const method = this.config.compression_algorithm;
    const session = q.createSession(client, false, this.#convert);
    const version = await q.serverVersion(session);
    if (version < 140000) {
      throw new StorageError(
        'unsupported',
        'postgresql: compression_enabled needs PostgreSQL 14 or later (per-column compression); set compression_enabled: false.',
        { path: 'config.compression_enabled', backend: this.name },
      );
    }
    const wanted = method === 'lz4' ? 'l' : 'p';
    const current = await q.columnCompression(session);
    // ALTER TABLE takes an ACCESS EXCLUSIVE lock: only when something changes.
    if (current.data === wanted && current.metadata === wanted) return;
    try {
      await q.setColumnCompression(session, method);
    } catch (error) {
      if (error instanceof StorageError && error.code === '0A000') {
        throw new StorageError(
          'unsupported',
          'postgresql: compression_algorithm lz4 is not available: this server was built without lz4 ' +
            '(--with-lz4). Use compression_algorithm: pglz.',
          { path: 'config.compression_algorithm', backend: this.name, cause: error },
        );
      }
      throw error;
    }
  }

  /** Runs one statement on a pooled client; a client whose connection broke is discarded, not reused. */
  #poolExecutor(pool: pg.Pool): q.Queryable {
    return {
      async query(config) {
        const client = await pool.connect();
        let broken: Error | undefined;
        try {
          return await client.query(config);
        } catch (error) {
          if (isBrokenConnectionError(error)) broken = error as Error;
          throw error;
        } finally {
          client.release(broken ?? false);
        }
      },
    };
  }

  protected async closeConnection(): Promise<void> {
    const pool = this.#pool;
    this.#pool = null;
    this.#session = null;
    this.#rows = null;
    await pool?.end();
  }

  protected get rows(): RowStore {
    if (this.#rows === null) {
      throw new StorageError('connection', 'postgresql: the store is not connected; call connect() first.', {
        backend: this.name,
        retryable: false,
      });
    }
    return this.#rows;
  }

  protected withTransaction<T>(fn: (rows: RowStore) => Promise<T>): Promise<T> {
    return this.#transaction((session) => fn(this.#rowStore(session, true)));
  }

  /**
   * Holds one pooled client from BEGIN to COMMIT (ROLLBACK when `fn` throws) and always releases it;
   * a client whose connection broke is discarded rather than returned to the pool.
   */
  async #transaction<T>(fn: (session: q.SqlSession) => Promise<T>): Promise<T> {
    const pool = this.#pool;
    if (pool === null) throw this.toStorageError(new Error('Connection terminated: not connected'));
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw this.toStorageError(error);
    }
    let broken: Error | undefined;
    const session = q.createSession(client, this.config.prepared_statements, this.#convert);
    try {
      await session.dynamic({ text: 'BEGIN', values: [] });
      let result: T;
      try {
        result = await fn(session);
      } catch (error) {
        await session.dynamic({ text: 'ROLLBACK', values: [] }).catch((rollbackError: unknown) => {
          broken = rollbackError as Error;
        });
        throw error;
      }
      await session.dynamic({ text: 'COMMIT', values: [] });
      return result;
    } catch (error) {
      const native = error instanceof StorageError && error.cause !== undefined ? error.cause : error;
      if (isBrokenConnectionError(native)) broken = error as Error;
      throw error;
    } finally {
      client.release(broken ?? false);
    }
  }

  #rowStore(session: q.SqlSession, inTransaction: boolean): RowStore {
    return {
      upsertRows: async (rows, { keepCreatedAt, now }) => {
        if (rows.length === 0) return;
        if (rows.length === 1) return q.upsertRecord(session, rows[0]!, keepCreatedAt, now);
        const { bulk_insert_enabled: bulkInsert, bulk_update_enabled: bulkUpdate } = this.config;
        if (bulkInsert && bulkUpdate) return q.upsertRecords(session, rows, keepCreatedAt, now);
        // Several statements: all or nothing needs a transaction.
        return inTransaction
          ? this.#upsertPiecewise(session, rows, keepCreatedAt, now)
          : this.#transaction((s) => this.#upsertPiecewise(s, rows, keepCreatedAt, now));
      },
      loadRow: (id, options) => q.loadRecord(session, id, options?.forUpdate === true),
      existsRow: (id, now) => q.recordExists(session, id, now),
      deleteRows: (ids) => (ids.length === 0 ? Promise.resolve(0) : q.deleteRecords(session, ids)),
      deleteRowIfExpired: (id, now) => q.deleteRecordIfExpired(session, id, now),
      countRows: async (filter: FilterNode) => {
        const result = await session.dynamic<{ n: number }>(buildCountQuery(filter));
        return result.rows[0]?.n ?? 0;
      },
      listRows: async (filter: FilterNode, query: RowQuery): Promise<RecordRow[]> => {
        const result = await session.dynamic<q.RecordColumns>(buildListQuery(filter, query));
        return result.rows.map(q.toRecordRow);
      },
      deleteRowsWhere: async (filter: FilterNode) => {
        const result = await session.dynamic(buildDeleteQuery(filter));
        return result.rowCount ?? 0;
      },
    };
  }

  /**
   * saveMany with bulk_insert_enabled or bulk_update_enabled off: rows that exist already are rewritten
   * by one UPDATE (bulk_update) or one statement each; new rows by one INSERT (bulk_insert) or one each.
   */
  async #upsertPiecewise(
    session: q.SqlSession,
    rows: readonly WriteRow[],
    keepCreatedAt: boolean,
    now: number,
  ): Promise<void> {
    const { bulk_insert_enabled: bulkInsert, bulk_update_enabled: bulkUpdate } = this.config;
    const existing = await q.existingIds(
      session,
      rows.map((r) => r.id),
    );
    const old = rows.filter((r) => existing.has(r.id));
    const fresh = rows.filter((r) => !existing.has(r.id));
    let oneByOne: WriteRow[] = [];
    if (bulkUpdate && old.length > 0) {
      const updated = await q.updateRecords(session, old, keepCreatedAt, now);
      // A row deleted meanwhile was not updated: insert it like a new one.
      fresh.push(...old.filter((r) => !updated.has(r.id)));
    } else {
      oneByOne = old;
    }
    if (bulkInsert && fresh.length > 1) await q.upsertRecords(session, fresh, keepCreatedAt, now);
    else oneByOne = oneByOne.concat(fresh);
    for (const row of oneByOne) await q.upsertRecord(session, row, keepCreatedAt, now);
  }

  protected async deleteExpiredRows(now: number, batchSize: number): Promise<number> {
    const session = this.#requireSession();
    let total = 0;
    for (;;) {
      const deleted = await q.deleteExpiredBatch(session, now, batchSize);
      total += deleted;
      if (deleted < batchSize) return total;
    }
  }

  protected async deleteRowsCreatedBefore(cutoff: number, batchSize: number): Promise<number> {
    const session = this.#requireSession();
    let total = 0;
    for (;;) {
      const deleted = await q.deleteCreatedBeforeBatch(session, cutoff, batchSize);
      total += deleted;
      if (deleted < batchSize) return total;
    }
  }

  #requireSession(): q.SqlSession {
    if (this.#session === null) throw this.toStorageError(new Error('not connected'));
    return this.#session;
  }

  protected async probeHealth(): Promise<Record<string, unknown>> {
    const session = this.#requireSession();
    const [database, table] = await Promise.all([q.databaseHealth(session), q.tableHealth(session)]);
    const pool = this.#pool!;
    return {
      version: database?.version,
      serverVersionNum: database?.server_version_num,
      database: database?.database,
      user: database?.user,
      schema: this.config.schema_name,
      host: this.#resolved?.target.host,
      port: this.#resolved?.target.port,
      ssl: this.#resolved?.client.ssl !== false,
      sizeBytes: database?.size_bytes,
      connections: database?.connections,
      commits: database?.commits,
      rollbacks: database?.rollbacks,
      tuplesInserted: database?.tuples_inserted,
      tuplesUpdated: database?.tuples_updated,
      tuplesDeleted: database?.tuples_deleted,
      table: 'storage_records',
      liveRows: table?.live_rows ?? 0,
      deadRows: table?.dead_rows ?? 0,
      tableSizeBytes: table?.size_bytes ?? 0,
      pool: {
        total: pool.totalCount,
        idle: pool.idleCount,
        waiting: pool.waitingCount,
        max: this.config.connection_pool_size + this.config.connection_pool_max_overflow,
      },
      preparedStatements: this.config.prepared_statements,
    };
  }

  protected async collectStats(): Promise<Pick<StorageStats, 'records' | 'sizeBytes' | 'details'>> {
    const stats = await q.tableStats(this.#requireSession());
    const pool = this.#pool!;
    return {
      records: stats.records,
      sizeBytes: stats.size_bytes,
      details: { pool: { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount } },
    };
  }
}

function applyAliases(config: unknown): unknown {
  if (!isPlainObject(config)) return config;
  let out: Record<string, unknown> | null = null;
  for (const [alias, key] of Object.entries(POSTGRES_KEY_ALIASES)) {
    if (Object.hasOwn(config, alias)) {
      out ??= { ...config };
      if (Object.hasOwn(config, key)) {
        throw new StorageError(
          'config',
          `postgresql: ${alias} and ${key} say the same thing; set only ${key}.`,
          {
            path: `config.${alias}`,
            backend: 'postgresql',
          },
        );
      }
      out[key] = out[alias];
      delete out[alias];
    }
  }
  return out ?? config;
}
