/**
 * @recordstore/postgres: the PostgreSQL backend (pg, pgtyped, node-pg-migrate).
 * @module
 */
export {
  type AppliedMigration,
  type MigratePostgresOptions,
  type MigrateResult,
  type MigrationConnectionOptions,
  type MigrationStatus,
  migratePostgres,
  migrationNames,
  migrationsDir,
  postgresMigrationStatus,
} from './migrate.js';
export { PostgreSQLStorageBackend } from './postgres-backend.js';
export {
  assertSupported,
  DEFAULT_MIGRATION_TABLE,
  POSTGRES_KEY_ALIASES,
  POSTGRES_TABLE_NAME,
  type PostgresConfig,
  type PostgresConfigInput,
  postgresConfigSchema,
  SSL_MODES,
  type SslMode,
} from './postgres-config.js';
export { isBrokenConnectionError, toPostgresStorageError } from './postgres-errors.js';
export {
  buildCountQuery,
  buildDeleteQuery,
  buildListQuery,
  type CompiledQuery,
  compileOrderBy,
  compileWhere,
} from './postgres-filter-compiler.js';
export { statementName } from './queries.js';
