import { StorageError } from '@recordstore/core';

/**
 * The partitioning settings of the config: the values each key accepts and the combinations that can
 * work. Imports nothing of this package, so `postgres-config.ts` can build its schema from these lists
 * without an import cycle.
 */

/** Partition strategies. */
export const PARTITION_STRATEGIES = ['range', 'list', 'hash'] as const;
/** One of {@link PARTITION_STRATEGIES}. */
export type PartitionStrategy = (typeof PARTITION_STRATEGIES)[number];

/** Range partition sizes. */
export const PARTITION_INTERVALS = ['daily', 'weekly', 'monthly', 'yearly'] as const;
/** One of {@link PARTITION_INTERVALS}. */
export type PartitionInterval = (typeof PARTITION_INTERVALS)[number];

/** What maintenance does with range partitions past the retention: drop them, or detach them (kept as tables). */
export const PARTITION_RETENTION_ACTIONS = ['drop', 'detach'] as const;
/** One of {@link PARTITION_RETENTION_ACTIONS}. */
export type PartitionRetentionAction = (typeof PARTITION_RETENTION_ACTIONS)[number];

/** The column each strategy partitions by: the only combinations supported. */
export const PARTITION_COLUMNS: Readonly<Record<PartitionStrategy, string>> = {
  range: 'created_at',
  list: 'type',
  hash: 'id',
};

/** The subset of the backend config partitioning reads. */
export interface PartitionConfig {
  partitioning_enabled: boolean;
  partition_strategy: PartitionStrategy;
  partition_column?: string | undefined;
  partition_interval: PartitionInterval;
  partition_count: number;
  partition_premake: number;
  partition_retention_days?: number | undefined;
  partition_retention_action: PartitionRetentionAction;
  list_partition_values: readonly string[];
  batch_size: number;
}

function configError(key: string, message: string): StorageError {
  return new StorageError('config', `postgresql: ${key}: ${message}`, {
    path: `config.${key}`,
    backend: 'postgresql',
  });
}

/**
 * Refuses partition settings that cannot work, naming the key.
 * @throws StorageError(config)
 */
export function validatePartitionConfig(config: PartitionConfig): void {
  const strategy = config.partition_strategy;
  const expected = PARTITION_COLUMNS[strategy];
  if (config.partition_column !== undefined && config.partition_column !== expected) {
    const valid = PARTITION_STRATEGIES.map((s) => `${s} on ${PARTITION_COLUMNS[s]}`).join(', ');
    throw configError(
      'partition_column',
      `${JSON.stringify(config.partition_column)} cannot be used with partition_strategy ${strategy}; ` +
        `the supported combinations are ${valid} (range by time so old data is dropped whole, list by type, ` +
        'hash by id so load(id) touches one partition). Remove partition_column or set it to ' +
        `${expected}.`,
    );
  }
  if (!config.partitioning_enabled) return;
  if (strategy === 'hash' && config.partition_count > 1024) {
    throw configError('partition_count', `must be at most 1024, got ${config.partition_count}.`);
  }
  if (strategy === 'list') {
    const seen = new Set<string>();
    for (const value of config.list_partition_values) {
      if (seen.has(value)) {
        throw configError('list_partition_values', `lists ${JSON.stringify(value)} twice.`);
      }
      seen.add(value);
    }
  }
  if (config.partition_retention_days !== undefined && strategy !== 'range') {
    throw configError(
      'partition_retention_days',
      `applies to range partitions (whole time ranges are dropped); with partition_strategy ${strategy} ` +
        'use cleanupOldData / `recordstore cleanup` instead, or remove the key.',
    );
  }
}
