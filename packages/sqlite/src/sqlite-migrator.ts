import { existsSync } from 'node:fs';
import {
  type MigrationRun,
  type MigrationState,
  type MigratorCapability,
  StorageError,
} from '@recordstore/core';
import Database from 'better-sqlite3';
import {
  migrateSQLite,
  migrationNames,
  SQLITE_MIGRATIONS,
  type SQLiteMigration,
  type SQLiteMigrationStatus,
  sqliteMigrationStatus,
} from './migrations/index.js';
import { isMemoryPath, type SQLiteConfig, sqliteFilePath } from './sqlite-config.js';
import { openSQLiteDatabase } from './sqlite-connection.js';
import { toSQLiteStorageError } from './sqlite-errors.js';

/** What the SQLite migrator reports in `details`: the database file and the records table. */
export interface SQLiteMigratorDetails extends Record<string, unknown> {
  /** The database file's absolute path, or `:memory:`. */
  file: string;
  table: string;
}

/** The name a migration is listed under: its zero-padded version and its name (`0001-create_storage_records`). */
export function sqliteMigrationLabel(migration: Pick<SQLiteMigration, 'version' | 'name'>): string {
  return `${String(migration.version).padStart(4, '0')}-${migration.name}`;
}

function states(status: Pick<SQLiteMigrationStatus, 'migrations'>): MigrationState[] {
  return status.migrations.map((m) => ({
    name: sqliteMigrationLabel(m),
    applied: m.appliedAt !== null,
    source: 'shipped',
    appliedAt: m.appliedAt,
  }));
}

/**
 * The SQLite backend's migrations as a capability, usable without a connected store
 * (`recordstore migrate status|up`). It opens the database file only while a call runs.
 *
 * SQLite migrations are forward-only: there is no `down` (SQLite cannot drop what they add without
 * rebuilding the table; restore a backup or start a new file instead), and no `create` (they are
 * TypeScript modules compiled into `@recordstore/sqlite`, in `src/migrations`, not files of a
 * deployment). All pending migrations apply together, in one `BEGIN IMMEDIATE` transaction.
 *
 * @example
 * const migrator = sqliteMigrator(sqliteConfigSchema.parse({ path: './data/app.db' }));
 * try {
 *   console.log((await migrator.status()).migrations);
 *   await migrator.up();
 * } finally {
 *   await migrator.close();
 * }
 */
export function sqliteMigrator(config: SQLiteConfig): MigratorCapability {
  const tableName = config.table_name;
  const file = sqliteFilePath(config.path);
  const memory = isMemoryPath(config.path);
  const details: SQLiteMigratorDetails = { file, table: tableName };
  let closed = false;

  /** Runs `fn`, mapping better-sqlite3's errors to StorageErrors that name the file. */
  const guarded = async <T>(operation: string, fn: () => T): Promise<T> => {
    if (closed) {
      throw new StorageError('connection', `sqlite: migrate ${operation}: this migrator is closed.`, {
        backend: 'sqlite',
        retryable: false,
      });
    }
    try {
      return fn();
    } catch (error) {
      throw toSQLiteStorageError(error, { path: file, busyTimeoutMs: config.busy_timeout_ms });
    }
  };

  /** Read-only, and without creating the file: a status must change nothing. */
  const readStatus = (): Pick<SQLiteMigrationStatus, 'migrations'> => {
    if (memory || !existsSync(file)) {
      return {
        migrations: SQLITE_MIGRATIONS.map((m) => ({ version: m.version, name: m.name, appliedAt: null })),
      };
    }
    const db = new Database(file, { readonly: true, fileMustExist: true, timeout: config.busy_timeout_ms });
    try {
      return sqliteMigrationStatus(db, { tableName });
    } finally {
      db.close();
    }
  };

  return {
    status: () =>
      guarded('status', () => {
        return { migrations: states(readStatus()), details };
      }),

    up: (options = {}) =>
      guarded('up', (): MigrationRun => {
        const before = readStatus();
        const pending = SQLITE_MIGRATIONS.filter(
          (m) => before.migrations.find((b) => b.version === m.version)?.appliedAt === null,
        );
        if (options.count !== undefined && options.count < pending.length) {
          throw new StorageError(
            'validation',
            `migrate up --count ${options.count}: SQLite applies its ${pending.length} pending migrations ` +
              'together in one transaction; run without --count.',
            { backend: 'sqlite', path: 'count', retryable: false },
          );
        }
        if (memory) {
          throw new StorageError(
            'unsupported',
            `migrate up: ${config.path} is an in-memory database; it is migrated each time it is opened.`,
            { backend: 'sqlite', retryable: false },
          );
        }
        if (options.dryRun === true) {
          const names = migrationNames(tableName);
          return {
            migrations: pending.map(sqliteMigrationLabel),
            dryRun: true,
            details: { ...details, sql: pending.map((m) => `-- ${sqliteMigrationLabel(m)}\n${m.up(names)}`) },
          };
        }
        // Opened as the store opens it (folder created, journal mode set), under SQLite's write lock.
        const db = openSQLiteDatabase(config);
        try {
          const result = migrateSQLite(db, { tableName });
          const applied = SQLITE_MIGRATIONS.filter((m) => result.applied.includes(m.version));
          return { migrations: applied.map(sqliteMigrationLabel), dryRun: false, details };
        } finally {
          db.close();
        }
      }),

    close: async () => {
      closed = true;
    },
  };
}
