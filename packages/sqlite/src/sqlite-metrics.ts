import { isStorageError, type MetricsCapability, type StorageDriver } from '@recordstore/core';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Metrics of the SQLite backend (`metrics_enabled`), in Prometheus text format through prom-client, with
 * the same operation metric names as the PostgreSQL backend (one dashboard serves both):
 * `recordstore_operations_total{operation,outcome}` and `recordstore_operation_duration_seconds{operation}`,
 * timed by the runtime's meter around every public operation, plus the file's figures read at scrape time
 * (`recordstore_database_size_bytes`, `recordstore_database_free_bytes`, `recordstore_wal_size_bytes`).
 * One registry per store (never prom-client's global one), so two stores in a process do not collide.
 */

/** Latency buckets in seconds: SQLite point reads take microseconds, large scans seconds. */
const BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5];

type Timer = { observe(value: number): void };

/** What the gauges read at scrape time: the driver's health figures (page size and counts, WAL bytes). */
type FigureSource = Pick<StorageDriver, 'health'>;

/** The metrics of one SQLite store. */
export class SQLiteMetrics {
  /** The registry holding every metric of this store. */
  readonly registry = new Registry();
  readonly #operations: Counter<'operation' | 'outcome'>;
  readonly #seconds: Histogram<'operation'>;
  // Children cached per operation so that observing allocates nothing per call.
  readonly #timers = new Map<string, Timer>();

  /**
   * @param source read at scrape time only (never on the operation path)
   * @param table the records table, the gauges' `table` label
   */
  constructor(source: FigureSource, table: string) {
    const registers = [this.registry];
    this.#operations = new Counter({
      name: 'recordstore_operations_total',
      help: 'Store operations (save, load, list, ...) by outcome: ok or the StorageError kind.',
      labelNames: ['operation', 'outcome'],
      registers,
    });
    this.#seconds = new Histogram({
      name: 'recordstore_operation_duration_seconds',
      help: 'Latency of store operations, including every statement they run.',
      labelNames: ['operation'],
      buckets: BUCKETS,
      registers,
    });
    // A closed store has no file figures: its gauges stay empty instead of failing the scrape.
    const read = () => source.health().catch(() => null);
    const gauge = (name: string, help: string, value: (f: Record<string, unknown>) => number) =>
      new Gauge({
        name,
        help,
        // Labelled, so a store without figures (closed) shows no sample instead of a misleading 0.
        labelNames: ['table'],
        registers,
        async collect() {
          this.reset();
          const f = await read();
          if (f !== null) this.set({ table }, value(f));
        },
      });
    const num = (v: unknown) => (typeof v === 'number' ? v : Number(v) || 0);
    gauge(
      'recordstore_database_size_bytes',
      'Size of the database file (page_count * page_size).',
      (f) => num(f.pageCount) * num(f.pageSize),
    );
    gauge(
      'recordstore_database_free_bytes',
      'Unused pages inside the database file (freelist_count * page_size), reclaimable by VACUUM.',
      (f) => num(f.freelistCount) * num(f.pageSize),
    );
    gauge('recordstore_wal_size_bytes', 'Size of the write-ahead log file.', (f) => num(f.walBytes));
  }

  /** Times one public operation and counts its outcome. */
  async time<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    let outcome = 'ok';
    try {
      return await fn();
    } catch (error) {
      outcome = isStorageError(error) ? error.kind : 'error';
      throw error;
    } finally {
      this.#timer(operation).observe((performance.now() - started) / 1000);
      this.#operations.inc({ operation, outcome });
    }
  }

  /** Every metric in Prometheus text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  #timer(operation: string): Timer {
    let timer = this.#timers.get(operation);
    if (timer === undefined) {
      timer = this.#seconds.labels(operation);
      this.#timers.set(operation, timer);
    }
    return timer;
  }
}

/** The `metrics` capability of a store: the text, and the meter the runtime times operations with. */
export function sqliteMetricsCapability(metrics: SQLiteMetrics): MetricsCapability {
  return {
    text: () => metrics.text(),
    meter: { time: (operation, fn) => metrics.time(operation, fn) },
  };
}
