import {
  PARTITION_COLUMNS,
  type PartitionConfig,
  type PartitionInterval,
  type PartitionStrategy,
} from './partition-options.js';

/**
 * Layouts of storage_records: the one a config asks for ({@link Layout}) and the one the database holds
 * ({@link CurrentLayout}), how they compare and how they read in messages.
 */

/** A table layout: unpartitioned or one of the strategies with its parameters. */
export type Layout =
  | { kind: 'none' }
  | { kind: 'range'; interval: PartitionInterval }
  | { kind: 'list'; values: readonly string[] }
  | { kind: 'hash'; count: number };

/** What the database holds now. */
export interface CurrentLayout {
  /** False when storage_records does not exist (not migrated). */
  exists: boolean;
  kind: 'none' | PartitionStrategy;
  /** The partition key column (partitioned tables only). */
  column: string | null;
  /** Number of partitions (0 when unpartitioned). */
  partitions: number;
  /** Hash modulus of the partitions (hash only). */
  modulus: number | null;
}

/** The layout a config asks for. */
export function layoutOf(config: PartitionConfig): Layout {
  if (!config.partitioning_enabled) return { kind: 'none' };
  switch (config.partition_strategy) {
    case 'range':
      return { kind: 'range', interval: config.partition_interval };
    case 'list':
      return { kind: 'list', values: config.list_partition_values };
    case 'hash':
      return { kind: 'hash', count: config.partition_count };
  }
}

/** True when writes must serialize on per-id advisory locks (range and list: no unique id). */
export function needsIdLocks(config: PartitionConfig): boolean {
  return config.partitioning_enabled && config.partition_strategy !== 'hash';
}

/** Human description of a layout ("range on created_at (monthly)", "unpartitioned"). */
export function describeLayout(layout: Layout | CurrentLayout): string {
  if (layout.kind === 'none') return 'unpartitioned';
  if ('exists' in layout) {
    const extra = layout.kind === 'hash' && layout.modulus !== null ? `, ${layout.modulus} partitions` : '';
    return `${layout.kind} on ${layout.column}${extra}`;
  }
  switch (layout.kind) {
    case 'range':
      return `range on created_at (${layout.interval})`;
    case 'list':
      return `list on type (${layout.values.length} values + default)`;
    case 'hash':
      return `hash on id (${layout.count} partitions)`;
  }
}

/** True when the current layout is the one `wanted` describes (strategies and hash count). */
export function layoutMatches(current: CurrentLayout, wanted: Layout): boolean {
  if (current.kind !== wanted.kind) return false;
  if (wanted.kind === 'none') return true;
  if (current.column !== PARTITION_COLUMNS[wanted.kind]) return false;
  if (wanted.kind === 'hash') return current.modulus === wanted.count;
  return true;
}
