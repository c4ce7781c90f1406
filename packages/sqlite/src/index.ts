/**
 * @recordstore/sqlite: the embedded default backend (better-sqlite3, WAL), its config schema, and the
 * schema migrations a CLI can report on and apply.
 */
export {
  MIGRATIONS_TABLE,
  type MigrationNames,
  migrateSQLite,
  SQLITE_MIGRATIONS,
  type SQLiteMigration,
  type SQLiteMigrationOptions,
  type SQLiteMigrationState,
  type SQLiteMigrationStatus,
  sqliteMigrationStatus,
} from './migrations/index.js';
export { SQLiteStorageBackend } from './sqlite-backend.js';
export {
  DEFAULT_SQLITE_PATH,
  DEFAULT_TABLE_NAME,
  type SQLiteConfig,
  type SQLiteConfigInput,
  sqliteConfigSchema,
} from './sqlite-config.js';
export { toSQLiteStorageError } from './sqlite-errors.js';
export { type CompiledFilter, compileFilter, compileOrderBy } from './sqlite-filter-compiler.js';
