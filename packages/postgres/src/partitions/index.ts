/**
 * Partitioned storage (`partitioning_enabled`), implemented in our own code rather than with pg_partman:
 * it needs no extension (managed services and the throwaway test clusters have none), and our needs are
 * narrow (one table, three fixed strategies).
 *
 * - **Layout** (partition-conversion.ts, ensure-layout.ts). The migrations create an unpartitioned
 *   `storage_records`; {@link convertLayout} rebuilds it as the configured layout in ONE transaction. On
 *   connect an EMPTY table is converted automatically (auto_migrate); a table with rows is refused with a
 *   message naming `recordstore partitions enable`, which runs the same conversion.
 * - **Keys** (partitioned-writes.ts). hash (by id) keeps `PRIMARY KEY (id)`. range (created_at) and list
 *   (type) cannot have it, so they get a plain index on id and every write serializes on a per-id
 *   advisory lock (sql/partitioned.sql): `save` can never create a second row.
 * - **Maintenance** (partition-maintenance.ts). {@link maintainPartitions} creates the coming range
 *   partitions and the configured list partitions, moves rows that landed in the default partition into a
 *   new partition that covers them, and drops (or detaches) range partitions wholly older than
 *   `partition_retention_days`: expiring time-ordered data costs a DROP, not a DELETE.
 * - **Admin tasks** (partition-admin-tasks.ts): `partitions.status|maintain|enable|disable`.
 *
 * Catalog reads and fixed statements are pgtyped queries (sql/partition-*.sql, sql/table-definition.sql);
 * only DDL naming computed tables is built in TypeScript (partition-ddl.ts).
 * @module
 */
export { withAdminClient, withPostgresClient } from './admin-connection.js';
export { type EnsureLayoutResult, ensureLayout } from './ensure-layout.js';
export { partitionAdminTasks } from './partition-admin-tasks.js';
export { inspectLayout } from './partition-catalog.js';
export {
  disablePostgresPartitioning,
  enablePostgresPartitioning,
  maintainPostgresPartitions,
  type PartitionAdminOptions,
  postgresPartitionStatus,
} from './partition-commands.js';
export {
  type ConvertLayoutOptions,
  type ConvertLayoutReport,
  convertLayout,
} from './partition-conversion.js';
export {
  type CurrentLayout,
  describeLayout,
  type Layout,
  layoutMatches,
  layoutOf,
  needsIdLocks,
} from './partition-layout.js';
export { maintainPartitions, type PartitionMaintenanceReport } from './partition-maintenance.js';
export {
  addIntervals,
  DEFAULT_PARTITION,
  hashPartitionName,
  intervalStart,
  listPartitionName,
  rangePartitionName,
} from './partition-naming.js';
export {
  PARTITION_COLUMNS,
  PARTITION_INTERVALS,
  PARTITION_RETENTION_ACTIONS,
  PARTITION_STRATEGIES,
  type PartitionConfig,
  type PartitionInterval,
  type PartitionRetentionAction,
  type PartitionStrategy,
  validatePartitionConfig,
} from './partition-options.js';
export { type PartitionInfo, type PartitionStatusReport, partitionStatus } from './partition-status.js';
export {
  deleteCreatedBeforeBatchById,
  deleteExpiredBatchById,
  lockRecordId,
  upsertPartitionedRows,
} from './partitioned-writes.js';
