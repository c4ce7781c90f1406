import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type MigrationRun,
  type MigrationState,
  type MigratorCapability,
  StorageError,
} from '@recordstore/core';
import { type MigrationStatus, migratePostgres, withMigrationClient } from './migrate.js';
import { readMigrationStatus } from './migration-runner.js';
import { baselinePostgres } from './postgres-baseline.js';
import type { PostgresConfig } from './postgres-config.js';
import { migrationTargetOf } from './postgres-schema.js';
import { inspectSchemaSettings, type SettingDifference } from './postgres-schema-settings.js';

/**
 * The `migrator` capability of the PostgreSQL definition: node-pg-migrate's SQL migrations, the shipped
 * ones then the deployment's (`migrations_dir`), usable without a connected store (`recordstore migrate
 * status|up|down|create|baseline`). `up` ends with the config-driven schema step (compression, tenancy,
 * audit trigger, layout, declared indexes). Each call opens and closes its own client, so `close()` has
 * nothing to release.
 */

/** Options of {@link postgresMigrator}. */
export interface PostgresMigratorOptions {
  /** The folder `create()` writes to; default the config's `migrations_dir`, else `./migrations`. */
  dir?: string;
}

/** The PostgreSQL migrator; `create` also takes the folder to write to (the CLI's `--dir`). */
export interface PostgresMigrator extends MigratorCapability {
  create(
    name: string,
    options?: { dir?: string },
  ): Promise<{ file: string; details: Record<string, unknown> }>;
  baseline(): Promise<MigrationRun>;
}

/** How a settings difference reads in a report. */
function describeDifference(d: SettingDifference): string {
  return `${d.path.replace(/^config\./, '')}: ${d.found} (migrate up would ${d.fix})`;
}

/**
 * The migrator over a parsed config (connection, schema_name, migration_table, migrations_dir, and the
 * schema settings `up` applies).
 * @example
 * const migrator = postgresBackend.capabilities.migrator(config);
 * const { migrations } = await migrator.up({ dryRun: true }); // details.sql holds the SQL it would run
 */
export function postgresMigrator(
  config: PostgresConfig,
  options: PostgresMigratorOptions = {},
): PostgresMigrator {
  const details = {
    schema: config.schema_name,
    migrationsTable: config.migration_table,
    ...(config.migrations_dir === undefined ? {} : { migrationsDir: resolve(config.migrations_dir) }),
  };
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
    const sql = [...dryRunSql(log), ...result.differences.map((d) => `-- ${describeDifference(d)}`)];
    return {
      migrations: result.migrations,
      dryRun,
      details: {
        ...details,
        ...(dryRun ? { sql } : {}),
        ...(result.settings.length > 0 ? { settings: result.settings } : {}),
        ...(result.warnings.length > 0 ? { warnings: result.warnings } : {}),
      },
    };
  };
  const status = () =>
    withMigrationClient(config, async (client, target, convert) => {
      const current = await readMigrationStatus(client, migrationTargetOf(config));
      let settings: string[] = [];
      if (current.pending.length === 0) {
        // What `up` would still change; a mismatch no migration fixes is for connect to report.
        const context = { config, target, now: Date.now(), convert, warn: () => {} };
        settings = await inspectSchemaSettings(client, context).then(
          (differences) => differences.map(describeDifference),
          () => [],
        );
      }
      return {
        migrations: migrationStates(current),
        details: { ...details, ...(settings.length > 0 ? { settings } : {}) },
      };
    });
  return {
    status,
    up: (runOptions) => run('up', runOptions),
    down: (runOptions) => run('down', runOptions),
    create: (name, createOptions) =>
      createPostgresMigration(
        name,
        createOptions?.dir ?? options.dir ?? config.migrations_dir ?? resolve('migrations'),
      ),
    baseline: async () => {
      const result = await baselinePostgres(config);
      return { migrations: result.marked, dryRun: false, details: { ...details, ...result.details } };
    },
    close: async () => {},
  };
}

/** Applied migrations (with when and whose), then pending ones in the order `up` applies them. */
function migrationStates(status: MigrationStatus): MigrationState[] {
  return [
    ...status.applied.map((m) => ({
      name: m.name,
      applied: true,
      appliedAt: m.runOn,
      ...(m.source === undefined ? {} : { source: m.source }),
    })),
    ...status.pendingMigrations.map((m) => ({
      name: m.name,
      applied: false,
      appliedAt: null,
      source: m.source,
    })),
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

-- The schema change. \`recordstore migrate up\` runs it after the migrations @recordstore/postgres ships,
-- in one transaction with its row in the migrations table, under node-pg-migrate's advisory lock, with
-- search_path set to the store's schema_name: name tables unqualified.


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
  return {
    file,
    details: { name, dir: folder, appliedBy: 'recordstore migrate up (after the shipped migrations)' },
  };
}
