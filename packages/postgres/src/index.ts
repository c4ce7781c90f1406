/**
 * @recordstore/postgres: the PostgreSQL backend (pg, pgtyped, node-pg-migrate).
 * @module
 */
export type { ImportRecordsOptions, ImportSource } from '@recordstore/core';
export {
  type AnalyzeIndexesOptions,
  analyzeIndexes,
  analyzePostgresIndexes,
  createPostgresDeclaredIndexes,
  type DeclaredIndex,
  type DeclaredIndexInput,
  declaredIndexDdl,
  declaredIndexName,
  declaredIndexSchema,
  type EnsureIndexesResult,
  type FilterPlan,
  INDEX_METHODS,
  type IndexMethod,
  type IndexReport,
  type IndexUsage,
} from './indexes/index.js';
export {
  type AppliedMigration,
  type MigratePostgresOptions,
  type MigrateResult,
  type MigrationConnectionOptions,
  type MigrationStatus,
  migratePostgres,
  migrationNames,
  migrationSourceDir,
  migrationsDir,
  postgresMigrationStatus,
} from './migrate.js';
export {
  type ConvertLayoutOptions,
  type ConvertLayoutReport,
  type CurrentLayout,
  convertLayout,
  disablePostgresPartitioning,
  enablePostgresPartitioning,
  inspectLayout,
  type Layout,
  maintainPostgresPartitions,
  PARTITION_COLUMNS,
  PARTITION_INTERVALS,
  PARTITION_STRATEGIES,
  type PartitionInfo,
  type PartitionInterval,
  type PartitionMaintenanceReport,
  type PartitionStatusReport,
  type PartitionStrategy,
  postgresPartitionStatus,
} from './partitions/index.js';
export type { AuditEntry, AuditQuery } from './postgres-audit.js';
export { PostgreSQLStorageBackend, postgresBackend } from './postgres-backend.js';
export {
  DEFAULT_MIGRATION_TABLE,
  POSTGRES_CONFIG_KEYS,
  POSTGRES_KEY_ALIASES,
  POSTGRES_TABLE_NAME,
  type PostgresConfig,
  type PostgresConfigInput,
  postgresConfigSchema,
  SSL_MODES,
  type SslMode,
} from './postgres-config.js';
export { assertSupported } from './postgres-config-rules.js';
export { postgresIdentity } from './postgres-connection.js';
export { PostgresDriver } from './postgres-driver.js';
export { isBrokenConnectionError, toPostgresStorageError } from './postgres-errors.js';
export {
  buildCountQuery,
  buildDeleteQuery,
  buildListQuery,
  type CompiledQuery,
  compileOrderBy,
  compileWhere,
} from './postgres-filter-compiler.js';
export {
  type PoolSource,
  PostgresMetrics,
  type PostgresMetricsOptions,
  type ReplicaSource,
  type ServerFigures,
  type StatementTarget,
} from './postgres-metrics.js';
export {
  createPostgresMigration,
  dryRunSql,
  type PostgresMigrator,
  type PostgresMigratorOptions,
  postgresMigrator,
} from './postgres-migrator.js';
export type { ReadPreference, ReplicaHealth } from './postgres-read-router.js';
export { replicaTarget } from './postgres-replicas.js';
export { statementName } from './queries.js';
