/**
 * @recordstore/sqlite: the embedded default backend (better-sqlite3, WAL): its definition for the
 * registry, the convenience class, its config schema, and the schema migrations a CLI reports on and
 * applies.
 */
export {
  MIGRATIONS_TABLE,
  type MigrationNames,
  migrateSQLite,
  migrationNames,
  SQLITE_MIGRATIONS,
  type SQLiteMigration,
  type SQLiteMigrationOptions,
  type SQLiteMigrationState,
  type SQLiteMigrationStatus,
  sqliteMigrationStatus,
} from './migrations/index.js';
export { SQLiteStorageBackend, sqliteBackend } from './sqlite-backend.js';
export {
  DEFAULT_SQLITE_PATH,
  DEFAULT_TABLE_NAME,
  type SQLiteConfig,
  type SQLiteConfigInput,
  sqliteConfigKeys,
  sqliteConfigSchema,
} from './sqlite-config.js';
export { SQLiteDriver } from './sqlite-driver.js';
export { type SQLiteErrorContext, toSQLiteStorageError } from './sqlite-errors.js';
export { type CompiledFilter, compileFilter, compileOrderBy } from './sqlite-filter-compiler.js';
export { registerSQLiteFunctions } from './sqlite-functions.js';
export {
  type DeclaredPath,
  declaredIndexDdl,
  declaredIndexName,
  declaredPaths,
  type SQLiteDeclaredIndex,
  type SQLiteDeclaredIndexInput,
} from './sqlite-indexes.js';
export { SQLiteMetrics, sqliteMetricsCapability } from './sqlite-metrics.js';
export { type SQLiteMigratorDetails, sqliteMigrationLabel, sqliteMigrator } from './sqlite-migrator.js';
export { parseSQLiteSpec, sqliteIdentity, sqliteInlineSpec } from './sqlite-store-spec.js';
