import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
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
  readDeploymentMigrations,
  SQLITE_MIGRATIONS,
  type SQLiteMigration,
  type SQLiteMigrationStatus,
  sqliteMigrationStatus,
} from './migrations/index.js';
import { isMemoryPath, type SQLiteConfig, sqliteFilePath } from './sqlite-config.js';
import { openSQLiteDatabase } from './sqlite-connection.js';
import { toSQLiteStorageError } from './sqlite-errors.js';
import { declaredIndexDdl, missingDeclaredIndexes, type SQLiteDeclaredIndex } from './sqlite-indexes.js';

/** What the SQLite migrator reports in `details`: the database file, the records table, the deployment's folder. */
export interface SQLiteMigratorDetails extends Record<string, unknown> {
  /** The database file's absolute path, or `:memory:`. */
  file: string;
  table: string;
  /** The deployment's migrations folder (`migrations_dir`), when set. */
  migrationsDir?: string;
}

/** Said wherever deployment migrations are listed: SQLite runs their Up sections only. */
const FORWARD_ONLY =
  'SQLite migrations are forward-only: the -- Down Migration sections of migrations_dir files are not run ' +
  '(restore a backup to undo one)';

/** The name a migration is listed under: its zero-padded version and its name (`0001-create_storage_records`). */
export function sqliteMigrationLabel(migration: Pick<SQLiteMigration, 'version' | 'name'>): string {
  return `${String(migration.version).padStart(4, '0')}-${migration.name}`;
}

function states(status: Pick<SQLiteMigrationStatus, 'migrations' | 'deployment'>): MigrationState[] {
  return [
    ...status.migrations.map((m) => ({
      name: sqliteMigrationLabel(m),
      applied: m.appliedAt !== null,
      source: 'shipped' as const,
      appliedAt: m.appliedAt,
    })),
    ...status.deployment.map((m) => ({
      name: m.name,
      applied: m.appliedAt !== null,
      source: 'deployment' as const,
      appliedAt: m.appliedAt,
    })),
  ];
}

/**
 * The SQLite backend's migrations as a capability, usable without a connected store
 * (`recordstore migrate status|up`). It opens the database file only while a call runs.
 *
 * The shipped migrations are TypeScript modules compiled into `@recordstore/sqlite` (`src/migrations`);
 * the deployment's are `.sql` files in `migrations_dir` (`create` writes one), applied after them and
 * recorded in the same table. SQLite migrations are forward-only: there is no `down` (SQLite cannot drop
 * what they add without rebuilding the table; restore a backup or start a new file instead), and a
 * file's `-- Down Migration` section is not run. All pending migrations apply together, in one
 * `BEGIN IMMEDIATE` transaction. Opening a store applies the shipped migrations only.
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
  const deploymentDir = config.migrations_dir;
  const details: SQLiteMigratorDetails = {
    file,
    table: tableName,
    ...(deploymentDir === undefined ? {} : { migrationsDir: resolve(deploymentDir) }),
  };
  /** The forward-only note, when a deployment migration has a Down section it will not run. */
  const notes = (): { note?: string } =>
    readDeploymentMigrations(deploymentDir).some((m) => m.hasDown) ? { note: FORWARD_ONLY } : {};
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
  const readStatus = (): Pick<SQLiteMigrationStatus, 'migrations' | 'deployment'> => {
    if (memory || !existsSync(file)) {
      const none = (m: { version: number; name: string }) => ({
        version: m.version,
        name: m.name,
        appliedAt: null,
      });
      return {
        migrations: SQLITE_MIGRATIONS.map(none),
        deployment: readDeploymentMigrations(deploymentDir).map(none),
      };
    }
    const db = new Database(file, { readonly: true, fileMustExist: true, timeout: config.busy_timeout_ms });
    try {
      return sqliteMigrationStatus(db, { tableName, deploymentDir });
    } finally {
      db.close();
    }
  };

  /** Declared indexes the file lacks (all of them when there is no file yet), read-only. */
  const missingIndexes = (): SQLiteDeclaredIndex[] => {
    if (config.indexes.length === 0 || memory || !existsSync(file)) return [...config.indexes];
    const db = new Database(file, { readonly: true, fileMustExist: true, timeout: config.busy_timeout_ms });
    try {
      return missingDeclaredIndexes(db, tableName, config.indexes);
    } finally {
      db.close();
    }
  };

  return {
    status: () =>
      guarded('status', () => {
        return { migrations: states(readStatus()), details: { ...details, ...notes() } };
      }),

    up: (options = {}) =>
      guarded('up', (): MigrationRun => {
        const before = readStatus();
        const pending = SQLITE_MIGRATIONS.filter(
          (m) => before.migrations.find((b) => b.version === m.version)?.appliedAt === null,
        );
        const deployment = readDeploymentMigrations(deploymentDir).filter(
          (m) => before.deployment.find((b) => b.version === m.version)?.appliedAt === null,
        );
        const total = pending.length + deployment.length;
        if (options.count !== undefined && options.count < total) {
          throw new StorageError(
            'validation',
            `migrate up --count ${options.count}: SQLite applies its ${total} pending migrations ` +
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
          const sql = [
            ...pending.map((m) => `-- ${sqliteMigrationLabel(m)}\n${m.up(names)}`),
            ...deployment.map((m) => `-- ${m.name} (deployment)\n${m.up.trim()}\n`),
            ...missingIndexes().map((d) => `-- declared index\n${declaredIndexDdl(tableName, d)};\n`),
          ];
          return {
            migrations: [...pending.map(sqliteMigrationLabel), ...deployment.map((m) => m.name)],
            dryRun: true,
            details: { ...details, ...notes(), sql },
          };
        }
        // Opened as the store opens it (folder created, journal mode set), under SQLite's write lock.
        const db = openSQLiteDatabase(config);
        try {
          const result = migrateSQLite(db, { tableName, deploymentDir, indexes: config.indexes });
          const applied = SQLITE_MIGRATIONS.filter((m) => result.applied.includes(m.version));
          return {
            migrations: [...applied.map(sqliteMigrationLabel), ...result.appliedDeployment],
            dryRun: false,
            details: {
              ...details,
              ...notes(),
              ...(result.createdIndexes.length === 0 ? {} : { createdIndexes: result.createdIndexes }),
            },
          };
        } finally {
          db.close();
        }
      }),

    create: (name, options) =>
      createSQLiteMigration(name, options?.dir ?? deploymentDir ?? resolve('migrations')),

    close: async () => {
      closed = true;
    },
  };
}

const TEMPLATE = `-- Up Migration

-- The schema change, in SQLite's SQL. \`recordstore migrate up\` runs it after the migrations
-- @recordstore/sqlite ships, in the same BEGIN IMMEDIATE transaction as its row in recordstore_migrations
-- (so no BEGIN or COMMIT here). Name the records table as configured (table_name, default storage_records).


-- Down Migration

-- Not run: SQLite migrations are forward-only (restore a backup to undo a change).

`;

/**
 * Writes `<ms timestamp>_<name>.sql` into `dir`, numbered after every file already there so that it
 * runs last, created exclusively (never overwritten). Touches no database.
 * @throws StorageError(validation) for a name that is not letters, digits, - and _ (spaces become _).
 */
async function createSQLiteMigration(
  rawName: string,
  dir: string,
): Promise<{ file: string; details: Record<string, unknown> }> {
  const name = String(rawName ?? '')
    .trim()
    .replace(/\s+/g, '_');
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,100}$/.test(name)) {
    throw new StorageError(
      'validation',
      `sqlite: migration name ${JSON.stringify(rawName)} must start with a letter or digit and use only letters, digits, - and _.`,
      { path: 'name', backend: 'sqlite', retryable: false },
    );
  }
  const folder = resolve(dir);
  await mkdir(folder, { recursive: true });
  const numbers = (await readdir(folder)).map((f) => Number(/^(\d+)[_-]/.exec(f)?.[1] ?? 0));
  const file = join(folder, `${Math.max(Date.now(), ...numbers.map((n) => n + 1))}_${name}.sql`);
  await writeFile(file, TEMPLATE, { flag: 'wx' });
  return { file, details: { name, dir: folder, note: FORWARD_ONLY } };
}
