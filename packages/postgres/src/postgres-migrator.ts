import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type MigrationRun,
  type MigrationState,
  type MigratorCapability,
  StorageError,
} from '@recordstore/core';
import {
  type MigrationStatus,
  migratePostgres,
  migrationSourceDir,
  postgresMigrationStatus,
} from './migrate.js';
import type { PostgresConfig } from './postgres-config.js';

/**
 * The `migrator` capability of the PostgreSQL definition: node-pg-migrate's SQL migrations, usable without a
 * connected store (`recordstore migrate status|up|down|create`). Each call opens and closes its own client,
 * so `close()` has nothing to release.
 */

/** Options of {@link postgresMigrator}. */
export interface PostgresMigratorOptions {
  /** The folder `create()` writes to; default {@link migrationSourceDir} (the package's migrations). */
  dir?: string;
}

/** The PostgreSQL migrator; `create` also takes the folder to write to (the CLI's `--dir`). */
export interface PostgresMigrator extends MigratorCapability {
  create(
    name: string,
    options?: { dir?: string },
  ): Promise<{ file: string; details: Record<string, unknown> }>;
}

/**
 * The migrator over a parsed config (connection, schema_name, migration_table).
 * @example
 * const migrator = postgresBackend.capabilities.migrator(config);
 * const { migrations } = await migrator.up({ dryRun: true }); // details.sql holds the SQL it would run
 */
export function postgresMigrator(
  config: PostgresConfig,
  options: PostgresMigratorOptions = {},
): PostgresMigrator {
  const details = { schema: config.schema_name, migrationsTable: config.migration_table };
  const run = async (
    direction: 'up' | 'down',
    { dryRun = false, count }: { dryRun?: boolean; count?: number } = {},
  ): Promise<MigrationRun> => {
    // With a dry run node-pg-migrate logs the SQL instead of running it: collect those lines.
    const log: string[] = [];
    const result = await migratePostgres({
      config,
      direction,
      ...(count === undefined ? {} : { count }),
      dryRun,
      log: (line) => log.push(line),
    });
    return {
      migrations: result.migrations,
      dryRun,
      details: { ...details, ...(dryRun ? { sql: dryRunSql(log) } : {}) },
    };
  };
  return {
    status: async () => ({ migrations: migrationStates(await postgresMigrationStatus({ config })), details }),
    up: (runOptions) => run('up', runOptions),
    down: (runOptions) => run('down', runOptions),
    create: (name, createOptions) =>
      createPostgresMigration(name, createOptions?.dir ?? options.dir ?? migrationSourceDir()),
    close: async () => {},
  };
}

/** Applied migrations (with when), then pending ones, in order. */
function migrationStates(status: MigrationStatus): MigrationState[] {
  return [
    ...status.applied.map((m) => ({ name: m.name, applied: true, appliedAt: m.runOn })),
    ...status.pending.map((name) => ({ name, applied: false, appliedAt: null })),
  ];
}

/**
 * The SQL of a dry run, from node-pg-migrate's log: each migration's "### MIGRATION <name> (UP) ###" header
 * becomes an SQL comment, its steps (logged because the dry run is verbose) are kept, progress lines dropped.
 */
export function dryRunSql(log: readonly string[]): string[] {
  const blocks: string[] = [];
  for (const line of log) {
    const header = /^### MIGRATION (.+) \((UP|DOWN)\) ###$/.exec(line.trim());
    if (header) blocks.push(`-- ${header[1]} (${header[2]!.toLowerCase()})`);
    else if (!/^(> |No migrations to run)/.test(line) && line.trim() !== '') {
      if (blocks.length === 0) blocks.push(line.trimEnd());
      else blocks[blocks.length - 1] += `\n${line.trimEnd()}`;
    }
  }
  return blocks;
}

const MIGRATION_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,100}$/;

const MIGRATION_TEMPLATE = `-- Up Migration

-- The schema change. It runs in one transaction with the bookkeeping row, under node-pg-migrate's
-- advisory lock, with search_path set to the store's schema_name: name tables unqualified.


-- Down Migration

-- Undo exactly what the Up section did (\`recordstore migrate down\` runs it).

`;

/**
 * Writes a new node-pg-migrate SQL file `<ms timestamp>_<name>.sql` into `dir`, stamped later than every
 * file already there so that it sorts (and runs) last even when an existing file was stamped ahead of this
 * machine's clock. The file is created exclusively, never overwritten. Touches no database.
 * @throws StorageError(validation) for a name that is not letters, digits, - and _ (spaces become _).
 */
export async function createPostgresMigration(
  rawName: string,
  dir: string,
): Promise<{ file: string; details: Record<string, unknown> }> {
  const name = String(rawName ?? '')
    .trim()
    .replace(/\s+/g, '_');
  if (!MIGRATION_NAME.test(name)) {
    throw new StorageError(
      'validation',
      `postgresql: migration name ${JSON.stringify(rawName)} must start with a letter or digit and use only letters, digits, - and _ (at most 101).`,
      { path: 'name', backend: 'postgresql' },
    );
  }
  const folder = resolve(dir);
  await mkdir(folder, { recursive: true });
  const newest = (await readdir(folder))
    .map((f) => /^(\d+)[_-]/.exec(f)?.[1])
    .filter((p): p is string => p !== undefined)
    .reduce((max, p) => Math.max(max, Number(p)), 0);
  const file = join(folder, `${Math.max(Date.now(), newest + 1)}_${name}.sql`);
  await writeFile(file, MIGRATION_TEMPLATE, { flag: 'wx' });
  return { file, details: { name, dir: folder } };
}
