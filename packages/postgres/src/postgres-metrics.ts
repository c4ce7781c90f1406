import { isStorageError, type Logger, type MetricsCapability } from '@recordstore/core';
import type pg from 'pg';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Queryable } from './postgres-statements.js';

/**
 * Query metrics of the PostgreSQL backend (`metrics_enabled`), in Prometheus format through prom-client:
 * one {@link Registry} per backend (never prom-client's global one, so two stores in one process do not
 * collide), which the application exposes as it likes (`await backend.metrics()` returns the text).
 *
 * Also the slow query log: a statement slower than `slow_query_threshold_ms` is logged (warn) through the
 * backend's pino-compatible logger with its SQL text and the NUMBER of its parameters, never their values
 * (the SQL text holds only placeholders: the filter compiler and pgtyped bind every value). With
 * `explain_analyze_enabled`, a slow read (a SELECT outside a transaction) is re-run once under
 * `EXPLAIN (ANALYZE, FORMAT JSON)` on the same server and its plan attached; writes are never re-run.
 */

/** Latency buckets in seconds: sub-millisecond point reads up to 10 s scans. */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Longest SQL text put in a log line. */
const MAX_SQL_CHARS = 4000;

/** A pool the gauges report on. */
export interface PoolSource {
  /** `primary` or the replica's `host:port`. */
  name: string;
  pool: pg.Pool;
  max: number;
}

/** A replica the gauges report on. */
export interface ReplicaSource {
  label: string;
  up: boolean;
  lagMs: number | null;
}

/** Server-side figures the last health check read (table and database). */
export interface ServerFigures {
  liveRows?: number;
  deadRows?: number;
  tableSizeBytes?: number;
  databaseSizeBytes?: number;
  connections?: number;
}

/** Options of {@link PostgresMetrics}. */
export interface PostgresMetricsOptions {
  logger: Logger;
  slowQueryThresholdMs: number;
  explainAnalyze: boolean;
  /** The pools right now (read at scrape time: no cost on the query path). */
  pools: () => readonly PoolSource[];
  /** The replicas right now. */
  replicas: () => readonly ReplicaSource[];
}

/** Where an instrumented statement runs. */
export interface StatementTarget {
  /** `primary` or `replica`. */
  target: 'primary' | 'replica';
  /** `primary` or the replica's `host:port`, for log lines. */
  server: string;
  /** Slow reads here may be re-run under EXPLAIN ANALYZE (false inside transactions). */
  explainable: boolean;
}

type Timer = { observe(value: number): void };

/** Metrics and slow query log of one PostgreSQL backend. */
export class PostgresMetrics {
  /** The registry holding every metric of this backend. */
  readonly registry = new Registry();
  readonly #options: PostgresMetricsOptions;
  readonly #operations: Counter<'operation' | 'outcome'>;
  readonly #operationSeconds: Histogram<'operation'>;
  readonly #querySeconds: Histogram<'target' | 'kind'>;
  readonly #slowQueries: Counter<'target' | 'kind'>;
  readonly #server: ServerFigures = {};
  // Children cached per label set so that observing allocates nothing per call.
  readonly #operationTimers = new Map<string, Timer>();
  readonly #queryTimers = new Map<string, Timer>();
  readonly #pending = new Set<Promise<void>>();

  constructor(options: PostgresMetricsOptions) {
    this.#options = options;
    const registers = [this.registry];
    this.#operations = new Counter({
      name: 'recordstore_operations_total',
      help: 'Store operations (save, load, list, ...) by outcome: ok or the StorageError kind.',
      labelNames: ['operation', 'outcome'],
      registers,
    });
    this.#operationSeconds = new Histogram({
      name: 'recordstore_operation_duration_seconds',
      help: 'Latency of store operations, including every statement they run.',
      labelNames: ['operation'],
      buckets: BUCKETS,
      registers,
    });
    this.#querySeconds = new Histogram({
      name: 'recordstore_query_duration_seconds',
      help: 'Latency of SQL statements by server role (primary, replica) and kind (read, write).',
      labelNames: ['target', 'kind'],
      buckets: BUCKETS,
      registers,
    });
    this.#slowQueries = new Counter({
      name: 'recordstore_slow_queries_total',
      help: 'Statements slower than slow_query_threshold_ms.',
      labelNames: ['target', 'kind'],
      registers,
    });
    new Gauge({
      name: 'recordstore_pool_connections',
      help: 'Connections of each pool: total open, idle, clients waiting for one, and the maximum.',
      labelNames: ['pool', 'state'],
      registers,
      collect() {
        this.reset();
        for (const { name, pool, max } of options.pools()) {
          this.set({ pool: name, state: 'total' }, pool.totalCount);
          this.set({ pool: name, state: 'idle' }, pool.idleCount);
          this.set({ pool: name, state: 'waiting' }, pool.waitingCount);
          this.set({ pool: name, state: 'max' }, max);
        }
      },
    });
    new Gauge({
      name: 'recordstore_replica_up',
      help: '1 when reads may go to the replica, 0 while it is skipped after a connection failure.',
      labelNames: ['replica'],
      registers,
      collect() {
        this.reset();
        for (const r of options.replicas()) this.set({ replica: r.label }, r.up ? 1 : 0);
      },
    });
    new Gauge({
      name: 'recordstore_replica_lag_seconds',
      help: 'Replay lag of each replica as of the last health check (absent when unknown).',
      labelNames: ['replica'],
      registers,
      collect() {
        this.reset();
        for (const r of options.replicas())
          if (r.lagMs !== null) this.set({ replica: r.label }, r.lagMs / 1000);
      },
    });
    const server = this.#server;
    const serverGauge = (name: string, help: string, read: () => number | undefined) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.reset();
          const value = read();
          if (value !== undefined) this.set(value);
        },
      });
    new Gauge({
      name: 'recordstore_table_rows',
      help: 'Live and dead rows of storage_records (pg_stat_user_tables) as of the last health check.',
      labelNames: ['state'],
      registers,
      collect() {
        this.reset();
        if (server.liveRows !== undefined) this.set({ state: 'live' }, server.liveRows);
        if (server.deadRows !== undefined) this.set({ state: 'dead' }, server.deadRows);
      },
    });
    serverGauge(
      'recordstore_table_size_bytes',
      'Size of storage_records with indexes and TOAST as of the last health check.',
      () => server.tableSizeBytes,
    );
    serverGauge(
      'recordstore_database_size_bytes',
      'Size of the database as of the last health check.',
      () => server.databaseSizeBytes,
    );
    serverGauge(
      'recordstore_database_connections',
      'Connections to the database (pg_stat_activity, all clients) as of the last health check.',
      () => server.connections,
    );
  }

  /** Times one public operation and counts its outcome. */
  async timeOperation<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    let outcome = 'ok';
    try {
      return await fn();
    } catch (error) {
      outcome = isStorageError(error) ? error.kind : 'error';
      throw error;
    } finally {
      this.#operationTimer(operation).observe((performance.now() - started) / 1000);
      this.#operations.inc({ operation, outcome });
    }
  }

  /** Records the server-side figures of a health check for the gauges. */
  recordServerFigures(figures: ServerFigures): void {
    Object.assign(this.#server, figures);
  }

  /**
   * Wraps `executor` so that every statement is timed, counted, and logged when slow. The wrapper adds two
   * clock reads per statement.
   */
  instrument(executor: Queryable, where: StatementTarget): Queryable {
    const readTimer = this.#queryTimer(where.target, 'read');
    const writeTimer = this.#queryTimer(where.target, 'write');
    return {
      query: async (config) => {
        const started = performance.now();
        let failed = false;
        try {
          return await executor.query(config);
        } catch (error) {
          failed = true;
          throw error;
        } finally {
          const ms = performance.now() - started;
          const read = isRead(config.text);
          (read ? readTimer : writeTimer).observe(ms / 1000);
          if (ms >= this.#options.slowQueryThresholdMs) {
            this.#slow(executor, where, config, ms, read, failed);
          }
        }
      },
    };
  }

  /** Renders every metric in Prometheus text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Waits for the EXPLAIN re-runs still in flight (before the pools close). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }

  #slow(
    executor: Queryable,
    where: StatementTarget,
    config: pg.QueryConfig,
    ms: number,
    read: boolean,
    failed: boolean,
  ): void {
    const kind = read ? 'read' : 'write';
    this.#slowQueries.inc({ target: where.target, kind });
    const values = config.values ?? [];
    const entry: Record<string, unknown> = {
      backend: 'postgresql',
      durationMs: Math.round(ms * 1000) / 1000,
      thresholdMs: this.#options.slowQueryThresholdMs,
      target: where.target,
      server: where.server,
      kind,
      failed,
      ...(config.name ? { statement: config.name } : {}),
      sql: compactSql(config.text),
      // Values are never logged: only how many there were.
      params: values.map(() => '[redacted]'),
    };
    if (!(this.#options.explainAnalyze && read && where.explainable && !failed)) {
      this.#options.logger.warn(entry, 'recordstore: slow query');
      return;
    }
    // Off the caller's path: the read already took long; its plan follows in the same log entry.
    const job = executor
      .query<{ 'QUERY PLAN': unknown }>({
        text: `EXPLAIN (ANALYZE, FORMAT JSON) ${config.text}`,
        values: values as unknown[],
      })
      .then(
        (result) => {
          entry.plan = result.rows[0]?.['QUERY PLAN'] ?? null;
        },
        (error: unknown) => {
          entry.planError = error instanceof Error ? error.message : String(error);
        },
      )
      .then(() => this.#options.logger.warn(entry, 'recordstore: slow query'));
    this.#pending.add(job);
    void job.finally(() => this.#pending.delete(job));
  }

  #operationTimer(operation: string): Timer {
    let timer = this.#operationTimers.get(operation);
    if (timer === undefined) {
      timer = this.#operationSeconds.labels(operation);
      this.#operationTimers.set(operation, timer);
    }
    return timer;
  }

  #queryTimer(target: string, kind: string): Timer {
    const key = `${target}\u0000${kind}`;
    let timer = this.#queryTimers.get(key);
    if (timer === undefined) {
      timer = this.#querySeconds.labels(target, kind);
      this.#queryTimers.set(key, timer);
    }
    return timer;
  }
}

/** A plain SELECT (no row locks): safe to re-run under EXPLAIN ANALYZE. Writes and locking reads are not. */
function isRead(text: string): boolean {
  return (
    /^\s*(?:\/\*[\s\S]*?\*\/\s*)*SELECT\b/i.test(text) &&
    !/\bFOR\s+(?:NO\s+KEY\s+)?(?:UPDATE|SHARE)\b/i.test(text)
  );
}

function compactSql(text: string): string {
  const compact = text.replace(/\s+/g, ' ').trim();
  return compact.length > MAX_SQL_CHARS ? `${compact.slice(0, MAX_SQL_CHARS)}...` : compact;
}

/** The `metrics` capability over `metrics`: the text, and the meter the runtime times every operation with. */
export function metricsCapability(metrics: PostgresMetrics): MetricsCapability {
  return {
    text: () => metrics.text(),
    meter: { time: (operation, fn) => metrics.timeOperation(operation, fn) },
  };
}
