import { StorageError } from '@recordstore/core';
import { PG_MIGRATE_LOCK_ID, runner } from 'node-pg-migrate';
import pg from 'pg';
import {
  DEPLOYMENT_IGNORE_PATTERN,
  folderOf,
  type MigrationFolder,
  type MigrationSource,
  migrationFolders,
} from './migration-sources.js';

/**
 * node-pg-migrate's runner over two folders (shipped, then the deployment's) as ONE history: one
 * migrations table, one advisory lock held around both runs. node-pg-migrate 9 orders a single `dir` (or
 * a glob, which would interleave both folders by timestamp), so each folder is run on its own with
 * `noLock` and `checkOrder: false`, and the order is checked here, per folder: a deployment migration
 * written before an upgrade that ships a new migration must not block it, nor run before it.
 */

/** Where migrations run: schema, bookkeeping table and the deployment's folder. */
export interface MigrationTarget {
  schema: string;
  migrationsTable: string;
  /** The deployment's migrations folder (`migrations_dir`); none when unset or missing. */
  deploymentDir?: string | undefined;
}

/** An applied migration; `source` is unset for one whose file is in neither folder. */
export interface AppliedMigration {
  name: string;
  runOn: Date;
  source?: MigrationSource;
}

/** A migration not applied yet. */
export interface PendingMigration {
  name: string;
  source: MigrationSource;
}

/** What {@link readMigrationStatus} reports. */
export interface MigrationStatus {
  schema: string;
  migrationsTable: string;
  /** Applied migrations in the order they ran. */
  applied: AppliedMigration[];
  /** Names of the pending migrations in the order `up` applies them: shipped first, then the deployment's. */
  pending: string[];
  /** The pending migrations with their source, same order. */
  pendingMigrations: PendingMigration[];
  /** The deployment's folder when it exists, else null. */
  deploymentDir: string | null;
  /** Pending migrations that sort before an applied one of the same folder: `up` refuses them. */
  outOfOrder: Array<{ name: string; before: string; source: MigrationSource }>;
}

/** The folders of a target, resolved once per call. */
export function foldersOf(target: MigrationTarget): MigrationFolder[] {
  return migrationFolders(target.deploymentDir);
}

/** Reads applied migrations through `client` (none when the table does not exist yet). */
export async function readMigrationStatus(
  client: pg.ClientBase,
  target: MigrationTarget,
  folders: MigrationFolder[] = foldersOf(target),
): Promise<MigrationStatus> {
  // pg_catalog, not information_schema.columns: that view costs tens of milliseconds per connect.
  const columns = await client.query<{ column_name: string }>(
    `SELECT a.attname::text AS column_name
       FROM pg_catalog.pg_attribute a
       JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped`,
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
    applied = rows.rows.map((r) => {
      const source = folderOf(folders, r.name)?.source;
      return { name: r.name, runOn: r.run_on, ...(source === undefined ? {} : { source }) };
    });
  }
  const done = new Set(applied.map((m) => m.name));
  const pendingMigrations: PendingMigration[] = [];
  const outOfOrder: MigrationStatus['outOfOrder'] = [];
  for (const folder of folders) {
    const lastApplied = folder.names.findLastIndex((name) => done.has(name));
    folder.names.forEach((name, i) => {
      if (done.has(name)) return;
      pendingMigrations.push({ name, source: folder.source });
      if (i < lastApplied)
        outOfOrder.push({ name, before: folder.names[lastApplied]!, source: folder.source });
    });
  }
  return {
    schema: target.schema,
    migrationsTable: target.migrationsTable,
    applied,
    pending: pendingMigrations.map((m) => m.name),
    pendingMigrations,
    deploymentDir: folders.find((f) => f.source === 'deployment')?.dir ?? null,
    outOfOrder,
  };
}

/**
 * Runs `fn` holding node-pg-migrate's advisory lock (waiting for it): the lock `recordstore migrate`,
 * auto_migrate at connect and the Citus distribution step all take, so they never run at once.
 */
export async function withMigrationLock<T>(client: pg.ClientBase, fn: () => Promise<T>): Promise<T> {
  await client.query('SELECT pg_advisory_lock($1)', [PG_MIGRATE_LOCK_ID]);
  try {
    return await fn();
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PG_MIGRATE_LOCK_ID]).catch(() => undefined);
  }
}

/** Options of {@link runMigrationsLocked}. */
export interface RunMigrationsOptions extends MigrationTarget {
  direction: 'up' | 'down';
  /** How many migrations (default: all pending for up, 1 for down). */
  count?: number;
  /** Log the SQL (through `log`) without running it. */
  dryRun?: boolean;
  log?: (line: string) => void;
}

function refuseOutOfOrder(status: MigrationStatus, folders: readonly MigrationFolder[]): void {
  if (status.outOfOrder.length === 0) return;
  const lines = status.outOfOrder.map(({ name, before, source }) => {
    const dir = folders.find((f) => f.source === source)?.dir ?? '';
    return `${name} (${source}, ${dir}) sorts before ${before}, which is applied`;
  });
  throw new StorageError(
    'config',
    `postgresql: pending migrations sort before applied ones of the same folder: ${lines.join('; ')}. ` +
      'node-pg-migrate keeps each folder in order: rename the file with a later timestamp (`recordstore migrate ' +
      'create` stamps new files after every existing one).',
    { path: 'config.migrations_dir', backend: 'postgresql' },
  );
}

/** What to revert for `down`: the last applied migrations, newest first, each with its folder. */
function downPlan(
  status: MigrationStatus,
  folders: readonly MigrationFolder[],
  count: number,
): Array<{ name: string; folder: MigrationFolder }> {
  return status.applied
    .slice(-count)
    .reverse()
    .map(({ name }) => {
      const folder = folderOf(folders, name);
      if (folder === undefined) {
        throw new StorageError(
          'config',
          `postgresql: cannot revert ${name}: its file is neither among the migrations @recordstore/postgres ` +
            `ships nor in migrations_dir${status.deploymentDir === null ? ' (unset or missing)' : ` (${status.deploymentDir})`}.`,
          { path: 'config.migrations_dir', backend: 'postgresql' },
        );
      }
      return { name, folder };
    });
}

/**
 * Applies (`up`: shipped first, then the deployment's) or reverts (`down`: newest first, from whichever
 * folder each came) migrations through `client`. The caller holds {@link withMigrationLock}.
 * @param afterShipped runs once an `up` (not a dry run) has applied the last shipped migration, before
 *   the deployment's run.
 * @returns the names applied or reverted, in order.
 */
export async function runMigrationsLocked(
  client: pg.ClientBase,
  options: RunMigrationsOptions,
  folders: MigrationFolder[] = foldersOf(options),
  afterShipped?: () => Promise<void>,
): Promise<string[]> {
  const status = await readMigrationStatus(client, options, folders);
  const run = async (folder: MigrationFolder, extra: { count: number } | { count: 1; file: string }) => {
    const ran = await runner({
      dbClient: client as pg.Client,
      dir: folder.dir,
      ...(folder.source === 'deployment' ? { ignorePattern: DEPLOYMENT_IGNORE_PATTERN } : {}),
      direction: options.direction,
      ...extra,
      migrationsTable: options.migrationsTable,
      schema: options.schema,
      createSchema: true,
      checkOrder: false,
      noLock: true,
      dryRun: options.dryRun ?? false,
      log: options.log ?? (() => {}),
      // node-pg-migrate logs a migration's SQL only when verbose: a dry run exists to show that SQL.
      verbose: options.dryRun ?? false,
    });
    return ran.map((m) => m.name);
  };
  if (options.direction === 'down') {
    const names: string[] = [];
    for (const { name, folder } of downPlan(status, folders, options.count ?? 1)) {
      names.push(...(await run(folder, { count: 1, file: name })));
    }
    return names;
  }
  refuseOutOfOrder(status, folders);
  let left = options.count ?? Number.POSITIVE_INFINITY;
  const names: string[] = [];
  for (const folder of folders) {
    const pending = status.pendingMigrations.filter((m) => m.source === folder.source).length;
    const count = Math.min(pending, left);
    if (count === 0) continue;
    names.push(...(await run(folder, { count })));
    left -= count;
    if (folder.source === 'shipped' && count === pending && !options.dryRun) await afterShipped?.();
  }
  return names;
}

/** Runs migrations under node-pg-migrate's advisory lock (waiting for it). */
export function runMigrations(client: pg.ClientBase, options: RunMigrationsOptions): Promise<string[]> {
  return withMigrationLock(client, () => runMigrationsLocked(client, options));
}
