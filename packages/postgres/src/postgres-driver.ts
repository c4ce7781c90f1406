import {
  type DriverCapabilities,
  type DriverCapabilityObjects,
  type DriverContext,
  type DriverStats,
  type RowStore,
  type StorageDriver,
  StorageError,
} from '@recordstore/core';
import type pg from 'pg';
import type { Registry } from 'prom-client';
import { assertDistributionSupported, citusRowStore, citusStats } from './citus/index.js';
import { type DeclaredPaths, declaredPathsOf } from './declared-paths.js';
import { readMigrationStatus } from './migrate.js';
import { deleteCreatedBeforeBatchById, deleteExpiredBatchById } from './partitions/index.js';
import { type AuditEntry, type AuditQuery, readAuditLog } from './postgres-audit.js';
import type { PostgresConfig } from './postgres-config.js';
import { inapplicableKeys } from './postgres-config-rules.js';
import { describeTarget, type ResolvedConnection, resolveConnection } from './postgres-connection.js';
import { toPostgresStorageError } from './postgres-errors.js';
import { healthDetails, tableStats } from './postgres-health.js';
import { CopyImport } from './postgres-import.js';
import { postgresLock } from './postgres-lock.js';
import { StoreMaintenance } from './postgres-maintenance.js';
import { postgresMeta } from './postgres-meta.js';
import { metricsCapability, PostgresMetrics } from './postgres-metrics.js';
import {
  createPool,
  openMaintenanceClient,
  poolExecutor,
  poolMax,
  withMaintenanceClient,
  withPooledClient,
} from './postgres-pool.js';
import { ReadRouter, type ReplicaNode } from './postgres-read-router.js';
import { openReplicaNodes, replicaPasswords } from './postgres-replicas.js';
import { createRowStore, type PostgresRowStore } from './postgres-row-store.js';
import { prepareSchema } from './postgres-schema.js';
import { ActorScope, type SessionSettings } from './postgres-tenancy.js';
import { runTransaction } from './postgres-transactions.js';
import * as q from './queries.js';

/** What the PostgreSQL driver declares to core's runtime. */
const CAPABILITIES: DriverCapabilities = {
  persistent: true,
  multiProcess: true,
  compression: 'column',
  // jsonb values are limited to 255 MB; stay well clear of it (and of 1 GB field limits).
  maxRecordBytes: 256 * 1024 * 1024 - 1,
  filtering: 'native',
};

/**
 * The PostgreSQL driver: a pg pool (TLS settled at open), the schema readied through the migrations,
 * pgtyped's fixed statements as named prepared statements, filters compiled to SQL, reads routed to
 * replicas, every statement carrying the tenant and actor. Core's runtime does everything else.
 */
export class PostgresDriver implements StorageDriver {
  readonly name = 'postgresql';
  readonly capabilities = CAPABILITIES;
  /** bulkImport (COPY), audit, meta, lock and schemaVersion always; metrics with `metrics_enabled`. */
  readonly offers: DriverCapabilityObjects;
  readonly #config: PostgresConfig;
  readonly #context: DriverContext;
  /** Present with `metrics_enabled`; null keeps every path free of timing. */
  readonly #metrics: PostgresMetrics | null;
  readonly #actors = new ActorScope();
  readonly #import: CopyImport;
  readonly #convert = (error: unknown): StorageError => this.toStorageError(error);
  /** Partition and index maintenance on this store's pool (periodic and on demand). */
  readonly maintenance: StoreMaintenance;
  #pool: pg.Pool | null = null;
  #resolved: ResolvedConnection | null = null;
  #session: q.SqlSession | null = null;
  #rows: PostgresRowStore | null = null;
  /** Routes reads to replicas while connected with `replicas` configured; null otherwise. */
  #router: ReadRouter | null = null;
  /** TTL/retention batches by id instead of ctid (partitions, Citus); decided at open. */
  #batchesById = false;
  /** The paths of the declared indexes that existed at connect (equality filters use them). */
  #declared: DeclaredPaths = new Map();

  constructor(config: PostgresConfig, context: DriverContext) {
    this.#config = config;
    this.#context = context;
    this.#metrics = config.metrics_enabled
      ? new PostgresMetrics({
          logger: context.logger,
          slowQueryThresholdMs: config.slow_query_threshold_ms,
          explainAnalyze: config.explain_analyze_enabled,
          pools: () => this.#poolSources(),
          replicas: () =>
            (this.#router?.nodes ?? []).map((n) => ({
              label: n.label,
              up: n.downUntil <= performance.now(),
              lagMs: n.lagMs,
            })),
        })
      : null;
    const lock = postgresLock({
      connect: () => openMaintenanceClient(this.#requireResolved()),
      scope: config.tenant_id ?? '',
      convert: this.#convert,
    });
    this.#import = new CopyImport({
      batchSize: context.settings.batchSize,
      config,
      session: () => this.#requireSession(),
      copyTransaction: (fn) => this.#transaction(fn),
      rowTransaction: (fn) => this.transaction(fn),
      lock: (name) => lock.tryAcquire(name),
      withClient: (fn) => withMaintenanceClient(this.#requireResolved(), this.#convert, fn),
    });
    this.maintenance = new StoreMaintenance({
      config,
      clock: context.clock,
      logger: context.logger,
      pool: () => this.#requirePool(),
      convert: this.#convert,
    });
    this.offers = {
      bulkImport: this.#import,
      ...(this.#metrics ? { metrics: metricsCapability(this.#metrics) } : {}),
      audit: { entries: (query) => this.auditEntries(query) },
      meta: postgresMeta(() => this.#requireSession(), config.tenant_id ?? ''),
      lock,
      schemaVersion: { current: () => this.#schemaVersion() },
    };
  }

  async open(): Promise<void> {
    const config = this.#config;
    // A distributed store refuses what cannot work on the shards before anything is opened.
    assertDistributionSupported(config);
    const resolved = await resolveConnection(config);
    this.#resolved = resolved;
    // On a failure below the runtime calls close(), which ends what was opened so far.
    const pool = this.#openPool(resolved, 'primary');
    this.#pool = pool;
    const prepared = await prepareSchema(resolved, {
      config,
      logger: this.#context.logger,
      now: this.#context.clock.now(),
      convert: this.#convert,
    });
    this.#batchesById = prepared.batchesById;
    this.#declared = declaredPathsOf(prepared.indexed);
    for (const note of inapplicableKeys(config)) {
      this.#context.logger.warn({ backend: this.name, key: note.path }, note.message);
    }
    this.#session = this.#poolSession(pool, 'primary', 'primary');
    const primary = this.#rowStore(this.#session, false);
    this.#rows = primary;
    this.maintenance.start();
    if (config.replicas.length === 0) return;
    const nodes = await openReplicaNodes(config, resolved.target, (r, label) => this.#replicaNode(r, label));
    this.#router = new ReadRouter(primary, nodes, {
      preference: config.read_preference,
      windowMs: config.read_your_writes_window_ms,
      backoffMs: config.replica_backoff_ms,
      logger: this.#context.logger,
    });
    this.#rows = this.#router.rows;
  }

  async close(): Promise<void> {
    this.maintenance.stop();
    const pool = this.#pool;
    const replicas = this.#router?.nodes ?? [];
    this.#pool = null;
    this.#session = null;
    this.#rows = null;
    this.#router = null;
    this.#import.reset();
    // EXPLAIN re-runs of slow reads still use the pools.
    await this.#metrics?.drain();
    await Promise.allSettled(replicas.map((n) => n.pool.end()));
    await pool?.end();
  }

  get rows(): RowStore {
    if (this.#rows === null) {
      throw new StorageError('connection', 'postgresql: the store is not connected; call connect() first.', {
        backend: this.name,
        retryable: false,
      });
    }
    return this.#rows;
  }

  transaction<T>(fn: (rows: RowStore) => Promise<T>): Promise<T> {
    const router = this.#router;
    return this.#transaction((session) => {
      const rows = this.#rowStore(session, true);
      // A transaction's writes open the read-your-writes window like any other write.
      return fn(router === null ? rows : router.trackWrites(rows));
    });
  }

  async health(): Promise<Record<string, unknown>> {
    return healthDetails({
      config: this.#config,
      session: this.#requireSession(),
      pool: this.#requirePool(),
      resolved: this.#resolved!,
      router: this.#router,
      recordServerFigures: (figures) => this.#metrics?.recordServerFigures(figures),
    });
  }

  async stats(): Promise<DriverStats> {
    const pool = this.#requirePool();
    if (this.#config.distributed === undefined) return tableStats(this.#requireSession(), pool);
    // The coordinator's table is an empty shell: count and measure the shards.
    const counts = { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
    return citusStats(pool, { pool: counts }).catch((error: unknown) => {
      throw this.#convert(error);
    });
  }

  toStorageError(error: unknown): StorageError {
    const target = this.#resolved?.target;
    const config = this.#config;
    return toPostgresStorageError(error, {
      secrets: [target?.password, config.password, ...replicaPasswords(config.replicas)],
      ...(target ? { target: describeTarget(target) } : {}),
    });
  }

  async deleteExpiredRows(now: number, batchSize: number): Promise<number> {
    const session = this.#requireSession();
    // ctid repeats across partitions and shards: those layouts delete by id.
    return inBatches(batchSize, () =>
      this.#batchesById
        ? deleteExpiredBatchById(session, now, batchSize)
        : q.deleteExpiredBatch(session, now, batchSize),
    );
  }

  async deleteRowsCreatedBefore(cutoff: number, batchSize: number): Promise<number> {
    const session = this.#requireSession();
    return inBatches(batchSize, () =>
      this.#batchesById
        ? deleteCreatedBeforeBatchById(session, cutoff, batchSize)
        : q.deleteCreatedBeforeBatch(session, cutoff, batchSize),
    );
  }

  /** The primary's pg pool while connected (for tests and tools; do not end it). */
  get pool(): pg.Pool | null {
    return this.#pool;
  }

  /** The Prometheus registry of this store's metrics; null when metrics are off. */
  get metricsRegistry(): Registry | null {
    return this.#metrics?.registry ?? null;
  }

  /**
   * The metrics in Prometheus text format.
   * @throws StorageError(config) when metrics_enabled is false.
   */
  async metricsText(): Promise<string> {
    if (this.#metrics === null) {
      throw new StorageError(
        'config',
        'postgresql: metrics are off; set metrics_enabled: true to collect them.',
        {
          path: 'config.metrics_enabled',
          backend: this.name,
        },
      );
    }
    return this.#metrics.text();
  }

  /** Reads the audit log, newest first (the `audit` capability). */
  async auditEntries(query: AuditQuery = {}): Promise<AuditEntry[]> {
    return readAuditLog(this.#requireSession(), query);
  }

  /** Runs `fn` with every read it makes sent to the primary (without replicas it just runs `fn`). */
  primaryReads<T>(fn: () => Promise<T>): Promise<T> {
    return this.#router === null ? fn() : this.#router.primaryReads(fn);
  }

  /**
   * What coalesced calls must share: the audit actor and the primary-reads scope (the tenant is the
   * store's own). A batch runs in the async context of its first call, so it carries both.
   */
  coalesceScope(): string {
    const actor = this.#actors.current;
    const primary = this.#router?.inPrimaryReads === true;
    return actor === undefined ? (primary ? 'primary' : '') : `${primary ? 'primary' : ''}:${actor}`;
  }

  /** Runs `fn` with `actor` recorded as the actor of every write it makes (audit log). */
  runAs<T>(actor: string, fn: () => Promise<T>): Promise<T> {
    return this.#actors.run(actor, fn);
  }

  /** The tenant and actor every statement's transaction is run with (none: statements run bare). */
  #sessionSettings(): SessionSettings {
    return { tenantId: this.#config.tenant_id, actor: this.#actors.current ?? this.#config.audit_actor };
  }

  #transaction<T>(fn: (session: q.SqlSession, client: pg.PoolClient) => Promise<T>): Promise<T> {
    const metrics = this.#metrics;
    return runTransaction(
      {
        pool: this.#pool,
        preparedStatements: this.#config.prepared_statements,
        convert: this.#convert,
        settings: () => this.#sessionSettings(),
        instrument: (plain) =>
          metrics?.instrument(plain, { target: 'primary', server: 'primary', explainable: false }) ?? plain,
      },
      fn,
    );
  }

  #rowStore(session: q.SqlSession, inTransaction: boolean): PostgresRowStore {
    const rows = createRowStore(session, inTransaction, {
      config: this.#config,
      transaction: (fn) => this.#transaction((s) => fn(s)),
      declared: this.#declared,
    });
    return this.#config.distributed === undefined ? rows : citusRowStore(rows, session);
  }

  #openPool(resolved: ResolvedConnection, label: string): pg.Pool {
    return createPool(this.#config, resolved, (error) => {
      this.#context.logger.warn(
        { backend: this.name, pool: label, err: this.toStorageError(error).message },
        'recordstore: idle connection lost',
      );
    });
  }

  /** Statements on `pool` (with metrics, timed and logged when slow under `server`'s name). */
  #poolSession(pool: pg.Pool, target: 'primary' | 'replica', server: string): q.SqlSession {
    const plain = poolExecutor(pool, () => this.#sessionSettings());
    const executor = this.#metrics?.instrument(plain, { target, server, explainable: true }) ?? plain;
    return q.createSession(executor, this.#config.prepared_statements, this.#convert);
  }

  #replicaNode(resolved: ResolvedConnection, label: string): ReplicaNode {
    const pool = this.#openPool(resolved, label);
    const session = this.#poolSession(pool, 'replica', label);
    return {
      label,
      pool,
      session,
      rows: this.#rowStore(session, false),
      downUntil: 0,
      lastError: null,
      lagMs: null,
    };
  }

  #poolSources(): { name: string; pool: pg.Pool; max: number }[] {
    const max = poolMax(this.#config);
    const sources = this.#pool === null ? [] : [{ name: 'primary', pool: this.#pool, max }];
    for (const node of this.#router?.nodes ?? []) sources.push({ name: node.label, pool: node.pool, max });
    return sources;
  }

  /** The name of the last migration applied to this store's schema; null before any. */
  async #schemaVersion(): Promise<string | null> {
    const target = { schema: this.#config.schema_name, migrationsTable: this.#config.migration_table };
    const status = await withPooledClient(this.#requirePool(), this.#convert, (client) =>
      readMigrationStatus(client, target),
    );
    return status.applied[status.applied.length - 1]?.name ?? null;
  }

  #requireResolved(): ResolvedConnection {
    if (this.#resolved === null || this.#pool === null) throw this.#convert(new Error('not connected'));
    return this.#resolved;
  }

  #requirePool(): pg.Pool {
    if (this.#pool === null) throw this.#convert(new Error('Connection terminated: not connected'));
    return this.#pool;
  }

  #requireSession(): q.SqlSession {
    if (this.#session === null) throw this.#convert(new Error('not connected'));
    return this.#session;
  }
}

/** Runs `batch` until it deletes fewer than `batchSize` rows; returns the total. */
async function inBatches(batchSize: number, batch: () => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await batch();
    total += deleted;
    if (deleted < batchSize) return total;
  }
}
