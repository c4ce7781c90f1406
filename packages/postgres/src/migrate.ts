import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { StorageError } from '@recordstore/core';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import type { PostgresConfig } from './postgres-config.js';
import { describeTarget, resolveConnection } from './postgres-connection.js';
import { toPostgresStorageError } from './postgres-errors.js';
import { openMaintenanceClient } from './postgres-pool.js';

/**
 * Schema migrations with node-pg-migrate: the SQL files of the repository's `migrations/` folder (copied
 * into `dist/migrations` at build), applied under node-pg-migrate's advisory lock so that several
 * processes starting together migrate exactly once.
 */

/** node-pg-migrate's lock id: every recordstore migration, whatever the schema, serializes on it. */
const LOCK_MODE = 'wait' as const;

let cachedDir: string | null = null;

/** Where the migration files may be: beside the built package, then the repository's source folder. */
function migrationFolders(): { built: string; source: string } {
  return {
    built: fileURLToPath(new URL('./migrations/', import.meta.url)),
    source: fileURLToPath(new URL('../../../migrations/', import.meta.url)),
  };
}

function holdsMigrations(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.sql'));
}

/**
 * The folder holding the migration files: `dist/migrations` in the installed package, the repository's
 * `migrations/` when running from source.
 * @throws StorageError(internal) when neither exists.
 */
export function migrationsDir(): string {
  if (cachedDir) return cachedDir;
  const { built, source } = migrationFolders();
  const found = [built, source].find(holdsMigrations);
  if (found !== undefined) {
    cachedDir = found;
    return found;
  }
  throw new StorageError(
    'internal',
    `postgresql: the migration files are missing (looked in ${built}, ${source}); reinstall @recordstore/postgres.`,
    { backend: 'postgresql' },
  );
}

/**
 * The folder new migrations are written to: the repository's `migrations/` when the package runs inside
 * its repository (the build copies that folder into `dist/migrations`), else {@link migrationsDir}.
 */
export function migrationSourceDir(): string {
  const { source } = migrationFolders();
  return holdsMigrations(source) ? source : migrationsDir();
}

/** The names of the migrations this package ships, in order. */
export function migrationNames(): string[] {
  return readdirSync(migrationsDir())
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => f.slice(0, -'.sql'.length));
}

/** Where migrations run: schema and bookkeeping table. */
export interface MigrationTarget {
  schema: string;
  migrationsTable: string;
}

/** An applied migration. */
export interface AppliedMigration {
  name: string;
  runOn: Date;
}

/** What {@link postgresMigrationStatus} reports. */
export interface MigrationStatus {
  schema: string;
  migrationsTable: string;
  applied: AppliedMigration[];
  pending: string[];
}

/** Reads applied migrations through `client` (none when the table does not exist yet). */
export async function readMigrationStatus(
  client: pg.ClientBase,
  target: MigrationTarget,
): Promise<MigrationStatus> {
  const columns = await client.query<{ column_name: string }>(
    'SELECT column_name::text FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2',
    [target.schema, target.migrationsTable],
  );
  let applied: AppliedMigration[] = [];
  if (columns.rows.length > 0) {
    const names = new Set(columns.rows.map((r) => r.column_name));
    if (!names.has('name') || !names.has('run_on')) {
      throw new StorageError(
        'config',
        `postgresql: the table ${target.schema}.${target.migrationsTable} exists but is not a node-pg-migrate ` +
          `migrations table (columns: ${[...names].join(', ')}; Alembic's alembic_version looks like this). ` +
          'Set migration_table to another name (the default is recordstore_migrations).',
        { path: 'config.migration_table', backend: 'postgresql' },
      );
    }
    const table = `${pg.escapeIdentifier(target.schema)}.${pg.escapeIdentifier(target.migrationsTable)}`;
    const rows = await client.query<{ name: string; run_on: Date }>(
      `SELECT name, run_on FROM ${table} ORDER BY run_on, id`,
    );
    applied = rows.rows.map((r) => ({ name: r.name, runOn: r.run_on }));
  }
  const done = new Set(applied.map((m) => m.name));
  return {
    schema: target.schema,
    migrationsTable: target.migrationsTable,
    applied,
    pending: migrationNames().filter((name) => !done.has(name)),
  };
}

/** Options of {@link runMigrations}. */
export interface RunMigrationsOptions extends MigrationTarget {
  direction: 'up' | 'down';
  /** How many migrations (default: all pending for up, 1 for down). */
  count?: number;
  /** Log the SQL (through `log`) without running it. */
  dryRun?: boolean;
  log?: (line: string) => void;
}

/** Runs migrations through an open client under node-pg-migrate's advisory lock (waiting for it). */
export async function runMigrations(client: pg.Client, options: RunMigrationsOptions): Promise<string[]> {
  // Refuse a foreign table of that name before node-pg-migrate would try to use it.
  await readMigrationStatus(client, options);
  const ran = await runner({
    dbClient: client,
    dir: migrationsDir(),
    direction: options.direction,
    ...(options.count === undefined ? {} : { count: options.count }),
    migrationsTable: options.migrationsTable,
    schema: options.schema,
    createSchema: true,
    checkOrder: true,
    advisoryLockMode: LOCK_MODE,
    dryRun: options.dryRun ?? false,
    log: options.log ?? (() => {}),
    // node-pg-migrate logs a migration's SQL only when verbose: a dry run exists to show that SQL.
    verbose: options.dryRun ?? false,
  });
  return ran.map((m) => m.name);
}

/**
 * Options of {@link migratePostgres} and {@link postgresMigrationStatus}: the backend's parsed config
 * (connection, schema_name and migration_table are used). Parse a raw block with core's
 * `parseBackendConfig(postgresBackend, raw).config`, or use the definition's migrator capability.
 */
export interface MigrationConnectionOptions {
  config: PostgresConfig;
}

/** Options of {@link migratePostgres}. */
export interface MigratePostgresOptions extends MigrationConnectionOptions {
  direction: 'up' | 'down';
  /** Up: how many pending migrations (default all). Down: how many to undo (default 1). */
  count?: number;
  /** Log the SQL (through `log`) instead of running it. */
  dryRun?: boolean;
  /** Receives node-pg-migrate's progress lines, and with `dryRun` each migration's SQL. */
  log?: (line: string) => void;
}

/** What {@link migratePostgres} did. */
export interface MigrateResult {
  direction: 'up' | 'down';
  dryRun: boolean;
  /** Names of the migrations applied (up) or undone (down), in order. */
  migrations: string[];
  schema: string;
  migrationsTable: string;
}

async function withClient<T>(
  options: MigrationConnectionOptions,
  fn: (client: pg.Client, target: MigrationTarget) => Promise<T>,
): Promise<T> {
  const config = options.config;
  const resolved = await resolveConnection(config);
  const context = { secrets: [resolved.target.password], target: describeTarget(resolved.target) };
  let client: pg.Client | null = null;
  try {
    client = await openMaintenanceClient(resolved);
    return await fn(client, { schema: config.schema_name, migrationsTable: config.migration_table });
  } catch (error) {
    throw toPostgresStorageError(error, context);
  } finally {
    await client?.end().catch(() => {});
  }
}

/**
 * Applies (`up`) or undoes (`down`) schema migrations: what `recordstore migrate up|down` runs.
 * Runs under node-pg-migrate's advisory lock; concurrent callers wait and then find nothing to do.
 * @example
 * const { config } = parseBackendConfig(postgresBackend, { url: process.env.DATABASE_URL });
 * await migratePostgres({ config, direction: 'up' });
 */
export async function migratePostgres(options: MigratePostgresOptions): Promise<MigrateResult> {
  if (options.direction !== 'up' && options.direction !== 'down') {
    throw new StorageError(
      'validation',
      `direction must be "up" or "down", got ${String(options.direction)}.`,
    );
  }
  if (options.count !== undefined && (!Number.isInteger(options.count) || options.count < 1)) {
    throw new StorageError('validation', `count must be a positive integer, got ${String(options.count)}.`);
  }
  return withClient(options, async (client, target) => ({
    direction: options.direction,
    dryRun: options.dryRun ?? false,
    migrations: await runMigrations(client, {
      ...target,
      direction: options.direction,
      ...(options.count === undefined ? {} : { count: options.count }),
      dryRun: options.dryRun ?? false,
      ...(options.log ? { log: options.log } : {}),
    }),
    schema: target.schema,
    migrationsTable: target.migrationsTable,
  }));
}

/**
 * Lists applied and pending migrations: what `recordstore migrate status` shows. Changes nothing.
 * @example
 * const { applied, pending } = await postgresMigrationStatus({ config });
 */
export function postgresMigrationStatus(options: MigrationConnectionOptions): Promise<MigrationStatus> {
  return withClient(options, (client, target) => readMigrationStatus(client, target));
}
