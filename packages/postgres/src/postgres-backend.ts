import {
  type BackendCapabilities,
  type BackendOptions,
  BaseStorageBackend,
  coreSettingsFrom,
  dedupeById,
  describeValue,
  type FilterNode,
  isPlainObject,
  type RecordInput,
  type RecordRow,
  type RowQuery,
  type RowStore,
  StorageError,
  type StorageStats,
  type WriteRow,
} from '@recordstore/core';
import pg from 'pg';
import { readMigrationStatus, runMigrations } from './migrate.js';
// issue 6: tenancy (row-level security) and audit.
import { type AuditEntry, type AuditQuery, enableAuditTrigger, readAuditLog } from './postgres-audit.js';
import {
  assertSupported,
  POSTGRES_KEY_ALIASES,
  type PostgresConfig,
  type PostgresConfigInput,
  parsePostgresConfig,
  postgresConfigSchema,
} from './postgres-config.js';
import { describeTarget, type ResolvedConnection, resolveConnection } from './postgres-connection.js';
import { isBrokenConnectionError, toPostgresStorageError } from './postgres-errors.js';
import { buildCountQuery, buildDeleteQuery, buildListQuery } from './postgres-filter-compiler.js';
// issue 7: COPY-based bulk import.
import { copyUpsert, type ImportRecordsOptions, type ImportSource } from './postgres-import.js';
// --- partitioning and index management (issue 4) ---
import {
  type AnalyzeIndexesOptions,
  analyzeIndexes,
  dropMigrationSecondaryIndexes,
  ensureDeclaredIndexes,
  type IndexReport,
} from './postgres-indexes.js';
import { PostgresMetrics } from './postgres-metrics.js';
import {
  deleteCreatedBeforeBatchById,
  deleteExpiredBatchById,
  ensureLayout,
  lockRecordId,
  maintainPartitions,
  needsIdLocks,
  type PartitionMaintenanceReport,
  type PartitionStatusReport,
  partitionStatus,
  upsertPartitionedRows,
} from './postgres-partitions.js';
import {
  primaryStandbys,
  ReadRouter,
  type ReplicaNode,
  replicaConfig,
  replicaTarget,
  targetLabel,
} from './postgres-replicas.js';
import {
  ActorScope,
  applySettings,
  prepareTenancy,
  queryWithSettings,
  type SessionSettings,
} from './postgres-tenancy.js';
import * as q from './queries.js';

// --- end ---

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
  // --- read replicas and metrics (issue 4) ---
  /** Routes reads to replicas while connected with `replicas` configured; null otherwise. */
  #router: ReadRouter | null = null;
  /** Present with `metrics_enabled`; null keeps every path free of timing. */
  readonly #metrics: PostgresMetrics | null;
  // --- end ---
  readonly #convert = (error: unknown): StorageError => this.toStorageError(error);
  // --- partitioning (issue 4) ---
  /** The partition maintenance timer while connected with partitioning_enabled. */
  #partitionTimer: NodeJS.Timeout | null = null;
  /**
   * TTL/retention batches by id instead of ctid: a ctid repeats across partitions (partitioning_enabled)
   * and across Citus shards (the citus extension is installed). Decided at connect.
   */
  #batchesById = false;
  // --- end ---

  /**
   * @param config the `config:` block (strings from `${VAR:default}` are coerced).
   * @throws StorageError(config) for invalid keys, StorageError(unsupported) for features not built yet.
   */
  constructor(config: PostgresConfigInput | Record<string, unknown> = {}, options: BackendOptions = {}) {
    // A typed config error naming the key, never a raw ZodError (issue 6: bad config input).
    const parsed = parsePostgresConfig(applyAliases(config));
    assertSupported(parsed);
    super(coreSettingsFrom(parsed), options);
    this.config = parsed;
    this.#metrics = parsed.metrics_enabled
      ? new PostgresMetrics({
          logger: this.logger,
          slowQueryThresholdMs: parsed.slow_query_threshold_ms,
          explainAnalyze: parsed.explain_analyze_enabled,
          pools: () => this.#poolSources(),
          replicas: () =>
            (this.#router?.nodes ?? []).map((n) => ({
              label: n.label,
              up: n.downUntil <= performance.now(),
              lagMs: n.lagMs,
            })),
        })
      : null;
  }

  /**
   * The Prometheus registry of this store's metrics (`metrics_enabled: true`), to expose from the
   * application (e.g. merge it with prom-client's `Registry.merge`); null when metrics are off.
   */
  get metricsRegistry(): import('prom-client').Registry | null {
    return this.#metrics?.registry ?? null;
  }

  /**
   * The metrics in Prometheus text format: operation counters and latency histograms, statement latency
   * by server role, pool gauges, replica availability and lag, and the server-side figures of the last
   * health check.
   * @throws StorageError(config) when metrics_enabled is false.
   */
  async metrics(): Promise<string> {
    if (this.#metrics === null) {
      throw new StorageError(
        'config',
        'postgresql: metrics are off; set metrics_enabled: true to collect them.',
        { path: 'config.metrics_enabled', backend: this.name },
      );
    }
    return this.#metrics.text();
  }

  /**
   * Runs `fn` with every read it makes sent to the primary instead of a replica: the explicit
   * read-your-writes scope, for reads the automatic one (same id, same session_id, within
   * read_your_writes_window_ms) does not cover. Without replicas it just runs `fn`.
   * @example
   * await store.save({ thread_id: 't1', text: 'hi' });
   * const fresh = await store.primaryReads(() => store.getByThread('t1'));
   */
  primaryReads<T>(fn: () => Promise<T>): Promise<T> {
    return this.#router === null ? fn() : this.#router.primaryReads(fn);
  }

  protected override run<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    const metrics = this.#metrics;
    if (metrics === null) return super.run(operation, fn);
    return metrics.timeOperation(operation, () => super.run(operation, fn));
  }

  #poolSources(): { name: string; pool: pg.Pool; max: number }[] {
    const max = this.config.connection_pool_size + this.config.connection_pool_max_overflow;
    const sources = this.#pool === null ? [] : [{ name: 'primary', pool: this.#pool, max }];
    for (const node of this.#router?.nodes ?? []) sources.push({ name: node.label, pool: node.pool, max });
    return sources;
  }

  // --- issue 6: tenancy and audit ---
  readonly #actors = new ActorScope();

  /** The tenant and actor every statement's transaction is run with (none: statements run bare). */
  #sessionSettings(): SessionSettings {
    return { tenantId: this.config.tenant_id, actor: this.#actors.current ?? this.config.audit_actor };
  }

  /**
   * Runs `fn` with `actor` recorded as the actor of every write it makes (audit log), across awaits and
   * concurrently with other actors on the same store.
   * @example
   * await store.runAs('alice@example.com', () => store.save({ id: 'x', v: 1 }));
   */
  runAs<T>(actor: string, fn: () => Promise<T>): Promise<T> {
    return this.#actors.run(actor, fn);
  }

  /**
   * Reads the audit log (newest first). Needs a role that may read `recordstore_audit` (the owner or an
   * auditor role granted SELECT): application roles get none.
   */
  auditLog(query: AuditQuery = {}): Promise<AuditEntry[]> {
    return this.run('auditLog', () => readAuditLog(this.#requireSession(), query));
  }
  // --- end tenancy and audit ---

  /** The pg pool while connected (for tests and tools; do not end it). */
  get pool(): pg.Pool | null {
    return this.#pool;
  }

  protected override toStorageError(error: unknown): StorageError {
    const target = this.#resolved?.target;
    return toPostgresStorageError(error, {
      secrets: [target?.password, this.config.password, ...replicaPasswords(this.config.replicas)],
      ...(target ? { target: describeTarget(target) } : {}),
    });
  }

  protected async openConnection(): Promise<void> {
    const resolved = await resolveConnection(this.config);
    this.#resolved = resolved;
    const pool = this.#createPool(resolved);
    this.#pool = pool;
    try {
      await this.#prepareSchema(resolved);
    } catch (error) {
      this.#pool = null;
      await pool.end().catch(() => {});
      throw error;
    }
    this.#session = q.createSession(
      this.#poolExecutor(pool, 'primary', 'primary'),
      this.config.prepared_statements,
      this.#convert,
    );
    this.#rows = this.#rowStore(this.#session, false);
    this.#startPartitionMaintenance(); // issue 4
    if (this.config.replicas.length > 0) await this.#openReplicas(resolved);
  }

  /**
   * One pool per replica (same sizes, credentials and TLS as the primary unless its entry says otherwise);
   * nothing is checked at connect: a replica that is down is skipped when reads reach it.
   */
  async #openReplicas(primary: ResolvedConnection): Promise<void> {
    const nodes: ReplicaNode[] = [];
    try {
      for (const [index, entry] of this.config.replicas.entries()) {
        const target = replicaTarget(entry, primary.target, index);
        const resolved = await resolveConnection(replicaConfig(this.config, target));
        const label = targetLabel(target);
        const pool = this.#createPool(resolved, label);
        const session = q.createSession(
          this.#poolExecutor(pool, 'replica', label),
          this.config.prepared_statements,
          this.#convert,
        );
        nodes.push({
          label,
          pool,
          session,
          rows: this.#rowStore(session, false),
          downUntil: 0,
          lastError: null,
          lagMs: null,
        });
      }
    } catch (error) {
      await Promise.allSettled(nodes.map((n) => n.pool.end()));
      await this.#pool?.end().catch(() => {});
      this.#pool = null;
      throw error;
    }
    this.#router = new ReadRouter(this.#rows!, nodes, {
      preference: this.config.read_preference,
      windowMs: this.config.read_your_writes_window_ms,
      backoffMs: this.config.replica_backoff_ms,
      logger: this.logger,
    });
    this.#rows = this.#router.rows;
  }

  /** A pool with this store's sizes and timeouts on `resolved` (the primary, or a replica named `label`). */
  #createPool(resolved: ResolvedConnection, label = 'primary'): pg.Pool {
    const config = this.config;
    const connectTimeoutMs = Math.round(config.connect_timeout * 1000);
    // pg-pool uses connectionTimeoutMillis both for waiting on a free client and (passed to the client)
    // for connecting. A client class with its own timeout keeps connect_timeout and
    // connection_pool_timeout apart.
    class RecordstoreClient extends pg.Client {
      constructor(options?: pg.ClientConfig) {
        // pg-pool hides `password` as a non-enumerable property of its options, which a spread drops:
        // without copying it explicitly every pooled connection would try to log in without a password.
        super({ ...options, password: options?.password, connectionTimeoutMillis: connectTimeoutMs });
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
        { backend: this.name, pool: label, err: this.toStorageError(error).message },
        'recordstore: idle connection lost',
      );
    });
    return pool;
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
      // issue 6: tenant isolation (row-level security) and the audit trigger.
      const security = q.createSession(client, false, this.#convert);
      await prepareTenancy(security, config.tenant_id, (message) =>
        this.logger.warn({ backend: this.name }, message),
      );
      if (config.audit_enabled) await enableAuditTrigger(security);
      // issue 4: partitioned layout, auto_create_indexes, declared indexes, first partition maintenance.
      await this.#prepareLayout(client, resolved, status.applied.length === 0);
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

  /**
   * Runs one statement on a pooled client; a client whose connection broke is discarded, not reused.
   * With metrics, statements are timed and slow ones logged (`server` labels them).
   */
  #poolExecutor(pool: pg.Pool, target: 'primary' | 'replica', server: string): q.Queryable {
    const executor = this.#plainPoolExecutor(pool);
    return this.#metrics?.instrument(executor, { target, server, explainable: true }) ?? executor;
  }

  #plainPoolExecutor(pool: pg.Pool): q.Queryable {
    const settingsOf = () => this.#sessionSettings(); // issue 6
    return {
      async query(config) {
        const client = await pool.connect();
        let broken: Error | undefined;
        try {
          return await queryWithSettings(client, config, settingsOf());
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
    if (this.#partitionTimer) clearInterval(this.#partitionTimer); // issue 4
    this.#partitionTimer = null;
    const pool = this.#pool;
    const replicas = this.#router?.nodes ?? [];
    this.#pool = null;
    this.#session = null;
    this.#rows = null;
    this.#tempAllowed = null; // issue 7: the next connection may use another role
    this.#router = null;
    // EXPLAIN re-runs of slow reads still use the pools.
    await this.#metrics?.drain();
    await Promise.allSettled(replicas.map((n) => n.pool.end()));
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
    const router = this.#router;
    return this.#transaction((session) => {
      const rows = this.#rowStore(session, true);
      // A transaction's writes open the read-your-writes window like any other write.
      return fn(router === null ? rows : router.trackWrites(rows));
    });
  }

  /**
   * Holds one pooled client from BEGIN to COMMIT (ROLLBACK when `fn` throws) and always releases it;
   * a client whose connection broke is discarded rather than returned to the pool.
   */
  async #transaction<T>(fn: (session: q.SqlSession, client: pg.PoolClient) => Promise<T>): Promise<T> {
    const pool = this.#pool;
    if (pool === null) throw this.toStorageError(new Error('Connection terminated: not connected'));
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw this.toStorageError(error);
    }
    let broken: Error | undefined;
    const executor: q.Queryable =
      this.#metrics?.instrument(client, { target: 'primary', server: 'primary', explainable: false }) ??
      client;
    const session = q.createSession(executor, this.config.prepared_statements, this.#convert);
    try {
      await session.dynamic({ text: 'BEGIN', values: [] });
      let result: T;
      try {
        // Inside the try: if setting the tenant/actor fails, the transaction is still rolled back before the
        // client goes back to the pool (else the next user would find it aborted).
        await applySettings(executor, this.#sessionSettings()); // issue 6: tenant and actor, SET LOCAL
        result = await fn(session, client);
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

  // --- issue 7: COPY-based bulk import ---
  /** Whether this role may create temporary tables (TEMPORARY privilege); asked once per connection. */
  #tempAllowed: Promise<boolean> | null = null;

  /**
   * Imports many records fast: each batch is validated like saveMany (core's stamping, same rules and
   * limits), streamed with COPY into a temporary table and upserted with one
   * `INSERT ... SELECT ... ON CONFLICT (id) DO UPDATE` (same created_at rule as saveMany), in one
   * transaction per batch: all rows of a batch or none. Re-running an interrupted import is safe (upserts).
   * Within a batch a repeated id is written once (the last one wins, as with saveMany).
   *
   * Tenancy and audit apply as to any write: each batch's transaction carries tenant_id and the actor.
   * Falls back to the regular saveMany statements, with the same batching and atomicity, on range/list
   * partitioned layouts (they have no unique index on id, so writes take per-id advisory locks that a
   * set-based `ON CONFLICT (id)` upsert cannot) and for roles without the TEMPORARY privilege.
   *
   * @returns how many records were read (and written).
   * @throws StorageError(validation) naming the first invalid record as `records[i]` (its position in
   *   the whole import); nothing of its batch is written, earlier batches stay committed.
   * @example
   * const n = await store.importRecords(readJsonLines('dump.jsonl'), { preserveTimestamps: true });
   */
  importRecords(records: ImportSource, options: ImportRecordsOptions = {}): Promise<number> {
    return this.run('importRecords', async () => {
      const source = records as Partial<AsyncIterable<RecordInput> & Iterable<RecordInput>> | null;
      if (
        source === null ||
        typeof source !== 'object' ||
        (typeof source[Symbol.asyncIterator] !== 'function' && typeof source[Symbol.iterator] !== 'function')
      ) {
        throw new StorageError(
          'validation',
          `postgresql: importRecords takes an iterable or async iterable of records, got ${describeValue(records)}.`,
          { path: 'records', backend: this.name },
        );
      }
      const batchSize = options.batchSize ?? this.settings.batchSize * 10;
      if (!Number.isInteger(batchSize) || batchSize <= 0) {
        throw new StorageError(
          'validation',
          `postgresql: importRecords batchSize must be a positive integer, got ${describeValue(batchSize)}.`,
          { path: 'batchSize', backend: this.name },
        );
      }
      const preserveTimestamps = options.preserveTimestamps === true;
      const copy = !needsIdLocks(this.config) && (await this.#mayCreateTemp());
      let done = 0;
      let batch: RecordInput[] = [];
      const flush = async (): Promise<void> => {
        if (batch.length === 0) return;
        const now = this.clock.now();
        // Validate the whole batch before touching the database: one bad record writes none of it.
        const rows = dedupeById(this.toWriteRows(batch, { preserveTimestamps }, now, done));
        if (copy) {
          await this.#transaction((session, client) =>
            copyUpsert(client, session, rows, !preserveTimestamps, now),
          );
        } else {
          await this.withTransaction(async (store) => {
            for (let i = 0; i < rows.length; i += this.settings.batchSize) {
              await store.upsertRows(rows.slice(i, i + this.settings.batchSize), {
                keepCreatedAt: !preserveTimestamps,
                now,
              });
            }
          });
        }
        done += batch.length;
        batch = [];
        options.onProgress?.(done);
      };
      for await (const record of source as AsyncIterable<RecordInput>) {
        batch.push(record);
        if (batch.length >= batchSize) await flush();
      }
      await flush();
      return done;
    });
  }

  #mayCreateTemp(): Promise<boolean> {
    this.#tempAllowed ??= this.#requireSession()
      .dynamic<{ ok: boolean }>({
        text: "SELECT has_database_privilege(current_database(), 'TEMPORARY') AS ok",
        values: [],
      })
      .then((result) => result.rows[0]?.ok === true)
      .catch((error: unknown) => {
        this.#tempAllowed = null; // a failed check is asked again next time
        throw error;
      });
    return this.#tempAllowed;
  }
  // --- end of issue 7 ---

  #rowStore(session: q.SqlSession, inTransaction: boolean): RowStore {
    return {
      upsertRows: async (rows, { keepCreatedAt, now }) => {
        if (rows.length === 0) return;
        // issue 4: range/list partitions have no unique id; writes serialize on per-id advisory locks.
        if (needsIdLocks(this.config))
          return this.#upsertLocked(session, inTransaction, rows, keepCreatedAt, now);
        if (rows.length === 1) return q.upsertRecord(session, rows[0]!, keepCreatedAt, now);
        const { bulk_insert_enabled: bulkInsert, bulk_update_enabled: bulkUpdate } = this.config;
        if (bulkInsert && bulkUpdate) return q.upsertRecords(session, rows, keepCreatedAt, now);
        // Several statements: all or nothing needs a transaction.
        return inTransaction
          ? this.#upsertPiecewise(session, rows, keepCreatedAt, now)
          : this.#transaction((s) => this.#upsertPiecewise(s, rows, keepCreatedAt, now));
      },
      loadRow: async (id, options) => {
        // issue 4: update() reads under the id's write lock, so a concurrent save cannot slip in between.
        if (options?.forUpdate === true && needsIdLocks(this.config)) await lockRecordId(session, id);
        return q.loadRecord(session, id, options?.forUpdate === true);
      },
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

  // --- partitioning and index management (issue 4) ---

  /** Range/list layouts: lock the ids, then update-or-insert; outside a transaction, in one of its own. */
  #upsertLocked(
    session: q.SqlSession,
    inTransaction: boolean,
    rows: readonly WriteRow[],
    keepCreatedAt: boolean,
    now: number,
  ): Promise<void> {
    const oneByOne = !(this.config.bulk_insert_enabled && this.config.bulk_update_enabled);
    return inTransaction
      ? upsertPartitionedRows(session, rows, keepCreatedAt, now, oneByOne)
      : this.#transaction((s) => upsertPartitionedRows(s, rows, keepCreatedAt, now, oneByOne));
  }

  /**
   * After migrations: the partitioned layout (an empty table is converted when auto_migrate; otherwise a
   * mismatch is refused), auto_create_indexes: false on a store created just now, the declared indexes,
   * and a first partition maintenance run.
   */
  async #prepareLayout(client: pg.Client, resolved: ResolvedConnection, fresh: boolean): Promise<void> {
    const config = this.config;
    const citus = await client.query<{ present: boolean }>(
      "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') AS present",
    );
    this.#batchesById = config.partitioning_enabled || citus.rows[0]?.present === true;
    await ensureLayout(client, config, {
      autoMigrate: config.auto_migrate,
      target: describeTarget(resolved.target),
      now: this.clock.now(),
    });
    if (config.auto_migrate && config.auto_create_indexes === false && fresh) {
      await dropMigrationSecondaryIndexes(client);
    }
    if (config.auto_migrate && config.auto_create_indexes && config.indexes.length > 0) {
      await ensureDeclaredIndexes(client, config.indexes);
    }
    if (config.partitioning_enabled) {
      // Missing partitions only send rows to the default partition: a failure here (e.g. an application
      // role without DDL rights) is reported, not fatal. `recordstore partitions maintain` as the owner fixes it.
      await maintainPartitions(client, config, this.clock.now()).catch((error: unknown) => {
        this.logger.warn(
          { backend: this.name, err: this.toStorageError(error).message },
          'recordstore: partition maintenance at connect failed',
        );
      });
    }
  }

  #startPartitionMaintenance(): void {
    const hours = this.config.partition_maintenance_interval_hours;
    if (!this.config.partitioning_enabled || !(hours > 0)) return;
    this.#partitionTimer = setInterval(
      () => {
        this.maintainPartitions().catch((error: unknown) => {
          this.logger.warn(
            { backend: this.name, err: this.toStorageError(error).message },
            'recordstore: partition maintenance failed',
          );
        });
      },
      Math.round(hours * 3_600_000),
    );
    // The timer must never keep a process alive on its own.
    this.#partitionTimer.unref();
  }

  /** Runs `fn` on a dedicated pooled client (outside any transaction), converting errors. */
  async #withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const pool = this.#pool;
    if (pool === null) throw this.toStorageError(new Error('Connection terminated: not connected'));
    const client = await pool.connect().catch((error: unknown) => {
      throw this.toStorageError(error);
    });
    try {
      return await fn(client);
    } catch (error) {
      throw this.toStorageError(error);
    } finally {
      client.release();
    }
  }

  /**
   * Creates the coming range partitions and the configured list partitions, and drops (or detaches)
   * range partitions wholly older than partition_retention_days. Runs at connect, every
   * partition_maintenance_interval_hours, and by `recordstore partitions maintain`.
   * @example
   * const { created, dropped } = await store.maintainPartitions();
   */
  maintainPartitions(): Promise<PartitionMaintenanceReport> {
    return this.run('maintainPartitions', () =>
      this.#withClient((client) => maintainPartitions(client, this.config, this.clock.now())),
    );
  }

  /**
   * The table's layout and partitions with row counts (statistics estimates unless `exact`) and sizes:
   * what `recordstore partitions status` prints.
   */
  partitionStatus(options: { exact?: boolean } = {}): Promise<PartitionStatusReport> {
    return this.run('partitionStatus', () => this.#withClient((client) => partitionStatus(client, options)));
  }

  /**
   * Index usage from pg_stat_user_indexes / pg_stat_user_tables with a verdict (unused indexes, missing
   * declared ones, sequential scans), and the plan of each sample filter: what `recordstore indexes` prints.
   * @example
   * const report = await store.analyzeIndexes({ filters: [{ 'user.id': { $gt: 'u1' } }] });
   */
  analyzeIndexes(options: Omit<AnalyzeIndexesOptions, 'declared'> = {}): Promise<IndexReport> {
    return this.run('analyzeIndexes', () =>
      this.#withClient((client) => analyzeIndexes(client, { ...options, declared: this.config.indexes })),
    );
  }
  // --- end of issue 4 ---

  protected async deleteExpiredRows(now: number, batchSize: number): Promise<number> {
    const session = this.#requireSession();
    let total = 0;
    for (;;) {
      // issue 4: ctid repeats across partitions; partitioned layouts delete by id.
      const deleted = this.#batchesById
        ? await deleteExpiredBatchById(session, now, batchSize)
        : await q.deleteExpiredBatch(session, now, batchSize);
      total += deleted;
      if (deleted < batchSize) return total;
    }
  }

  protected async deleteRowsCreatedBefore(cutoff: number, batchSize: number): Promise<number> {
    const session = this.#requireSession();
    let total = 0;
    for (;;) {
      const deleted = this.#batchesById // issue 4, as above
        ? await deleteCreatedBeforeBatchById(session, cutoff, batchSize)
        : await q.deleteCreatedBeforeBatch(session, cutoff, batchSize);
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
    this.#metrics?.recordServerFigures({
      liveRows: table?.live_rows ?? 0,
      deadRows: table?.dead_rows ?? 0,
      tableSizeBytes: table?.size_bytes ?? 0,
      ...(database ? { databaseSizeBytes: database.size_bytes, connections: database.connections } : {}),
    });
    const replication = await this.#replicationHealth(session);
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
      ...(replication ? { replication } : {}),
    };
  }

  /** Replicas (status, lag; probing also ends a back-off early) and the primary's view of its standbys. */
  async #replicationHealth(session: q.SqlSession): Promise<Record<string, unknown> | null> {
    const router = this.#router;
    if (router === null) return null;
    const [replicas, standbys] = await Promise.all([router.health(), primaryStandbys(session)]);
    return {
      readPreference: this.config.read_preference,
      readYourWritesWindowMs: this.config.read_your_writes_window_ms,
      replicasUp: replicas.filter((r) => r.status === 'up').length,
      replicasDown: replicas.filter((r) => r.status === 'down').length,
      replicas,
      standbys: standbys.map((s) => ({
        name: s.application_name,
        clientAddr: s.client_addr,
        state: s.state,
        syncState: s.sync_state,
        replayLagMs: s.replay_lag_ms,
        lagBytes: s.lag_bytes,
      })),
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

// Replica entries may carry their own credentials (postgres://user:password@replica): errors from replica
// pools go through the same converter, so their passwords must be redacted too.
function replicaPasswords(entries: readonly string[]): string[] {
  const passwords: string[] = [];
  for (const entry of entries) {
    try {
      const password = decodeURIComponent(new URL(entry.trim()).password);
      if (password) passwords.push(password);
    } catch {
      // host or host:port entries carry no password
    }
  }
  return passwords;
}
