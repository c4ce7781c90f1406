import type { Clock, Logger, StorageError } from '@recordstore/core';
import type pg from 'pg';
import { type AnalyzeIndexesOptions, analyzeIndexes, type IndexReport } from './indexes/index.js';
import {
  maintainPartitions,
  type PartitionMaintenanceReport,
  type PartitionStatusReport,
  partitionStatus,
} from './partitions/index.js';
import type { PostgresConfig } from './postgres-config.js';
import { withPooledClient } from './postgres-pool.js';

/** What {@link StoreMaintenance} needs from the driver. */
export interface MaintenanceContext {
  config: PostgresConfig;
  clock: Clock;
  logger: Logger;
  /** The connected primary's pool; throws a connection error when not connected. */
  pool(): pg.Pool;
  convert(error: unknown): StorageError;
}

/**
 * Partition and index maintenance of a connected store, on dedicated pooled clients outside any
 * transaction: the periodic partition maintenance while connected (`partition_maintenance_interval_hours`),
 * and the on-demand runs behind `maintainPartitions()`, `partitionStatus()` and `analyzeIndexes()`.
 */
export class StoreMaintenance {
  readonly #context: MaintenanceContext;
  #timer: NodeJS.Timeout | null = null;

  constructor(context: MaintenanceContext) {
    this.#context = context;
  }

  /** Starts the periodic partition maintenance (partitioned layouts with a positive interval only). */
  start(): void {
    const { config, logger } = this.#context;
    const hours = config.partition_maintenance_interval_hours;
    if (!config.partitioning_enabled || !(hours > 0) || this.#timer !== null) return;
    this.#timer = setInterval(
      () => {
        this.maintainPartitions().catch((error: unknown) => {
          logger.warn(
            { backend: 'postgresql', err: this.#context.convert(error).message },
            'recordstore: partition maintenance failed',
          );
        });
      },
      Math.round(hours * 3_600_000),
    );
    // The timer must never keep a process alive on its own.
    this.#timer.unref();
  }

  /** Stops the periodic maintenance (at close). */
  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /**
   * Creates the coming range partitions and the configured list partitions, and drops (or detaches) range
   * partitions wholly older than partition_retention_days.
   */
  async maintainPartitions(): Promise<PartitionMaintenanceReport> {
    const { config, clock } = this.#context;
    return this.#withClient((client) => maintainPartitions(client, config, clock.now()));
  }

  /** The table's layout and partitions with row counts (estimates unless `exact`) and sizes. */
  async partitionStatus(options: { exact?: boolean } = {}): Promise<PartitionStatusReport> {
    return this.#withClient((client) => partitionStatus(client, options));
  }

  /** Index usage with a verdict, and the plan of each sample filter (declared indexes from the config). */
  async analyzeIndexes(options: Omit<AnalyzeIndexesOptions, 'declared'> = {}): Promise<IndexReport> {
    const declared = this.#context.config.indexes;
    return this.#withClient((client) => analyzeIndexes(client, { ...options, declared }));
  }

  #withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return withPooledClient(this.#context.pool(), (error) => this.#context.convert(error), fn);
  }
}
