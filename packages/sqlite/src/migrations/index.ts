import { StorageError } from '@recordstore/core';
import type Database from 'better-sqlite3';
import { DEFAULT_TABLE_NAME } from '../sqlite-config.js';
import { registerSQLiteFunctions } from '../sqlite-functions.js';
import {
  declaredIndexDdl,
  declaredIndexName,
  missingDeclaredIndexes,
  type SQLiteDeclaredIndex,
} from '../sqlite-indexes.js';
import { createStorageRecords } from './0001-create-storage-records.js';
import { indexUpdatedAt } from './0002-index-updated-at.js';
import { createMeta } from './0003-create-meta.js';
import {
  type DeploymentMigration,
  deploymentTarget,
  readDeploymentMigrations,
} from './deployment-migrations.js';
import type { MigrationNames, SQLiteMigration } from './types.js';

export { type DeploymentMigration, readDeploymentMigrations, upSection } from './deployment-migrations.js';
export type { MigrationNames, SQLiteMigration } from './types.js';

/** Every schema migration of the SQLite backend, in the order they apply. Append only; never edit one. */
export const SQLITE_MIGRATIONS: readonly SQLiteMigration[] = [
  createStorageRecords,
  indexUpdatedAt,
  createMeta,
];

/** The bookkeeping table: one row per (records table, applied migration). */
export const MIGRATIONS_TABLE = 'recordstore_migrations';

/** Which records table {@link migrateSQLite} and {@link sqliteMigrationStatus} work on. */
export interface SQLiteMigrationOptions {
  /** The records table (default `storage_records`); it must already be a validated identifier. */
  tableName?: string;
  /** The clock for `applied_at` (epoch ms); default `Date.now`. */
  now?: () => number;
  /** The deployment's migrations folder (`migrations_dir`): its `.sql` files apply after the shipped ones. */
  deploymentDir?: string | undefined;
  /**
   * Declared path indexes (`indexes:`): the ones the table lacks are created after the migrations, in the
   * same transaction. Never dropped here: removing a declaration leaves its index in place.
   */
  indexes?: readonly SQLiteDeclaredIndex[] | undefined;
}

/** One migration and whether it has been applied. */
export interface SQLiteMigrationState {
  version: number;
  name: string;
  /** When it was applied, or null while pending. */
  appliedAt: Date | null;
}

/** What {@link sqliteMigrationStatus} reports. */
export interface SQLiteMigrationStatus {
  /** The records table the status is about. */
  tableName: string;
  /** Highest applied version (0 when none). */
  current: number;
  /** Highest version this package knows. */
  latest: number;
  /** Migrations not applied yet, the deployment's included. */
  pending: number;
  migrations: SQLiteMigrationState[];
  /** The deployment's migrations (`deploymentDir`), in order; `version` is the file's number. */
  deployment: SQLiteMigrationState[];
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * The quoted names migrations write their DDL against, for one records table.
 * @throws StorageError(config) when `tableName` is not an identifier.
 */
export function migrationNames(tableName: string): MigrationNames {
  if (!IDENTIFIER.test(tableName)) {
    throw new StorageError(
      'config',
      `sqlite: table_name ${JSON.stringify(tableName)} is not an identifier (letters, digits, _; at most 63).`,
      { path: 'config.table_name', backend: 'sqlite' },
    );
  }
  return { table: `"${tableName}"`, index: (suffix) => `"${tableName}_${suffix}_idx"` };
}

function hasMigrationsTable(db: Database.Database): boolean {
  return (
    db.prepare('SELECT 1 FROM sqlite_schema WHERE type = ? AND name = ?').get('table', MIGRATIONS_TABLE) !==
    undefined
  );
}

type AppliedRows = Map<number, { name: string; applied_at: number }>;

function appliedRows(db: Database.Database, target: string): AppliedRows {
  const rows = hasMigrationsTable(db)
    ? (db
        .prepare(
          `SELECT version, name, applied_at FROM ${MIGRATIONS_TABLE} WHERE target = ? ORDER BY version`,
        )
        .all(target) as { version: number; name: string; applied_at: number }[])
    : [];
  return new Map(rows.map((r) => [r.version, r]));
}

function statusFrom(
  tableName: string,
  applied: AppliedRows,
  deployment: readonly DeploymentMigration[] = [],
  deploymentApplied: AppliedRows = new Map(),
): SQLiteMigrationStatus {
  const latest = SQLITE_MIGRATIONS.at(-1)?.version ?? 0;
  const current = Math.max(0, ...applied.keys());
  if (current > latest) {
    throw new StorageError(
      'unsupported',
      `sqlite: table ${tableName} was migrated to schema version ${current} by a newer @recordstore/sqlite; ` +
        `this one knows up to ${latest}. Upgrade @recordstore/sqlite.`,
      { backend: 'sqlite' },
    );
  }
  const stateOf = (m: { version: number; name: string }, rows: AppliedRows) => {
    const row = rows.get(m.version);
    return { version: m.version, name: m.name, appliedAt: row ? new Date(row.applied_at) : null };
  };
  const migrations = SQLITE_MIGRATIONS.map((m) => stateOf(m, applied));
  const deploymentStates = deployment.map((m) => stateOf(m, deploymentApplied));
  return {
    tableName,
    current,
    latest,
    pending: [...migrations, ...deploymentStates].filter((m) => m.appliedAt === null).length,
    migrations,
    deployment: deploymentStates,
  };
}

/** The shipped and the deployment's applied rows of one records table, with the deployment's migrations. */
function readState(db: Database.Database, tableName: string, deployment: readonly DeploymentMigration[]) {
  return statusFrom(
    tableName,
    appliedRows(db, tableName),
    deployment,
    deployment.length === 0 ? new Map() : appliedRows(db, deploymentTarget(tableName)),
  );
}

/**
 * Refuses a pending deployment migration numbered below an applied one: files run in number order, so
 * it was written (or merged) after a later one ran.
 */
function refuseOutOfOrder(status: SQLiteMigrationStatus): void {
  const lastApplied = Math.max(0, ...status.deployment.filter((m) => m.appliedAt).map((m) => m.version));
  const late = status.deployment.filter((m) => m.appliedAt === null && m.version < lastApplied);
  if (late.length === 0) return;
  throw new StorageError(
    'config',
    `sqlite: ${late.map((m) => m.name).join(', ')} in migrations_dir sort before a migration that is already ` +
      'applied; rename the file with a later number (`recordstore migrate create` numbers new files last).',
    { path: 'config.migrations_dir', backend: 'sqlite' },
  );
}

/**
 * Reports which migrations are applied to a database, without changing it (for `recordstore migrate status`).
 * @throws StorageError(unsupported) when a newer package has migrated the table further than this one knows.
 */
export function sqliteMigrationStatus(
  db: Database.Database,
  options: SQLiteMigrationOptions = {},
): SQLiteMigrationStatus {
  const tableName = options.tableName ?? DEFAULT_TABLE_NAME;
  migrationNames(tableName);
  return readState(db, tableName, readDeploymentMigrations(options.deploymentDir));
}

/**
 * Applies the pending migrations in one `BEGIN IMMEDIATE` transaction: all of them or none, the shipped
 * ones first, then the deployment's (`deploymentDir`; their Down sections are never run). Safe to run
 * from several processes at once: the second waits for the first's write lock (busy timeout), then finds
 * nothing to do. Then creates the declared path indexes (`indexes`) the table lacks, in the same
 * transaction. Returns the status afterwards, the versions it applied, the deployment's names and the
 * indexes it created.
 * @throws StorageError(config) for a deployment migration numbered below one already applied.
 */
export function migrateSQLite(
  db: Database.Database,
  options: SQLiteMigrationOptions = {},
): SQLiteMigrationStatus & { applied: number[]; appliedDeployment: string[]; createdIndexes: string[] } {
  const tableName = options.tableName ?? DEFAULT_TABLE_NAME;
  const names = migrationNames(tableName);
  const now = options.now ?? Date.now;
  const deployment = readDeploymentMigrations(options.deploymentDir);
  // Checked outside the write lock first so an up-to-date store never takes it (the common case: every
  // connect of every process).
  const declared = options.indexes ?? [];
  // Index expressions call rs_inflate: CREATE INDEX (and every later write) needs it on this connection.
  if (declared.length > 0) registerSQLiteFunctions(db);
  if (
    readState(db, tableName, deployment).pending === 0 &&
    missingDeclaredIndexes(db, tableName, declared).length === 0
  ) {
    return { ...sqliteMigrationStatus(db, options), applied: [], appliedDeployment: [], createdIndexes: [] };
  }
  const applied: number[] = [];
  const appliedDeployment: string[] = [];
  const createdIndexes: string[] = [];
  db.prepare('BEGIN IMMEDIATE').run();
  try {
    db.exec(`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
  target     TEXT    NOT NULL,
  version    INTEGER NOT NULL,
  name       TEXT    NOT NULL,
  applied_at INTEGER NOT NULL,
  PRIMARY KEY (target, version)
)`);
    const done = readState(db, tableName, deployment);
    refuseOutOfOrder(done);
    const record = db.prepare(
      `INSERT INTO ${MIGRATIONS_TABLE} (target, version, name, applied_at) VALUES (?, ?, ?, ?)`,
    );
    for (const migration of SQLITE_MIGRATIONS) {
      if (done.migrations.find((m) => m.version === migration.version)?.appliedAt) continue;
      db.exec(migration.up(names));
      record.run(tableName, migration.version, migration.name, now());
      applied.push(migration.version);
    }
    for (const migration of deployment) {
      if (done.deployment.find((m) => m.version === migration.version)?.appliedAt) continue;
      db.exec(migration.up);
      record.run(deploymentTarget(tableName), migration.version, migration.name, now());
      appliedDeployment.push(migration.name);
    }
    // After the migrations (the table exists), checked again under the write lock: another process may
    // have created them meanwhile.
    for (const decl of missingDeclaredIndexes(db, tableName, declared)) {
      db.exec(declaredIndexDdl(tableName, decl));
      createdIndexes.push(declaredIndexName(tableName, decl));
    }
    db.prepare('COMMIT').run();
  } catch (error) {
    if (db.inTransaction) db.prepare('ROLLBACK').run();
    throw error;
  }
  return { ...sqliteMigrationStatus(db, options), applied, appliedDeployment, createdIndexes };
}
