import { type Logger, StorageError } from '@recordstore/core';
import type pg from 'pg';
import { ensureCitusDistribution } from './citus/index.js';
import {
  type DeclaredIndex,
  dropMigrationSecondaryIndexes,
  finishInterruptedLoad,
  mayDeferIndexes,
  presentDeclaredIndexes,
} from './indexes/index.js';
import {
  foldersOf,
  type MigrationTarget,
  readMigrationStatus,
  runMigrationsLocked,
  withMigrationLock,
} from './migration-runner.js';
import type { PostgresConfig } from './postgres-config.js';
import { describeTarget, type ResolvedConnection } from './postgres-connection.js';
import { openMaintenanceClient } from './postgres-pool.js';
import {
  applyDeclaredIndexes,
  applySchemaSettings,
  inspectSchemaSettings,
  type SettingDifference,
  type SettingsContext,
} from './postgres-schema-settings.js';

/**
 * The schema of a store changes in ONE place, the migration step ({@link migrateSchema}): the migrations
 * (shipped, then the deployment's), then what the config asks for (Citus distribution, column compression,
 * tenant isolation, the audit trigger, the partitioned layout, the declared indexes), under the migration
 * lock. `recordstore migrate up` runs it, and so does connect with auto_migrate; connect without it only
 * reads, and refuses a database that differs. Partition maintenance (coming range partitions, retention)
 * is not part of it: the maintenance timer (`partition_maintenance_interval_hours`) and the
 * `partitions.maintain` task run it.
 */

/** What {@link prepareSchema} needs from the driver. */
export interface SchemaContext {
  config: PostgresConfig;
  logger: Logger;
  now: number;
  convert(error: unknown): StorageError;
}

/** What {@link prepareSchema} found out about the database. */
export interface PreparedSchema {
  /**
   * TTL/retention batches go by id instead of ctid: a ctid repeats across partitions (partitioning_enabled)
   * and across Citus shards (the citus extension is installed).
   */
  batchesById: boolean;
  /** The declared indexes that exist and are valid after connect (filters may rely on these). */
  indexed: DeclaredIndex[];
}

/** What the migration step needs: the config, the database (for messages), a logger and the clock. */
export interface MigrationStepContext {
  config: PostgresConfig;
  /** The database, for messages (no secret). */
  target: string;
  logger: Pick<Logger, 'info' | 'warn'>;
  now: number;
  convert(error: unknown): StorageError;
}

/** Options of {@link migrateSchema}. */
export interface MigrationStepOptions {
  direction: 'up' | 'down';
  /** Up: how many pending migrations (default all). Down: how many to revert (default 1). */
  count?: number;
  /** Log the migrations' SQL (through `log`) and inspect the settings, changing nothing. */
  dryRun?: boolean;
  log?: (line: string) => void;
}

/** What {@link migrateSchema} did. */
export interface MigrationStepResult {
  /** Migrations applied (up) or reverted (down), in order. */
  migrations: string[];
  /** The config-driven changes made after the migrations, one line each. */
  settings: string[];
  /** Dry run with no migration pending: how the database differs from the config's settings. */
  differences: SettingDifference[];
  /** Migrations still pending afterwards. */
  pending: number;
}

/** Where a config's migrations run: its schema, migrations table and the deployment's folder. */
export function migrationTargetOf(config: PostgresConfig): MigrationTarget {
  return {
    schema: config.schema_name,
    migrationsTable: config.migration_table,
    deploymentDir: config.migrations_dir,
  };
}

/** The settings context over a migration step's, with warnings said once per step. */
function settingsContext(context: MigrationStepContext): SettingsContext {
  const said = new Set<string>();
  return {
    config: context.config,
    target: context.target,
    now: context.now,
    convert: context.convert,
    warn: (message) => {
      if (said.has(message)) return;
      said.add(message);
      context.logger.warn({ backend: 'postgresql' }, message);
    },
  };
}

/** The Citus step of `distributed: citus`; idempotent, it takes the migration lock itself when it distributes. */
async function distribute(
  client: pg.ClientBase,
  context: MigrationStepContext,
  autoMigrate: boolean,
): Promise<string[]> {
  const { config } = context;
  if (config.distributed === undefined) return [];
  const report = await ensureCitusDistribution(client, config, {
    autoMigrate,
    target: context.target,
    logger: context.logger,
  });
  return report.distributed
    ? [`distributed: storage_records distributed with Citus (${report.shards} shards)`]
    : [];
}

/**
 * The migration step: under node-pg-migrate's advisory lock, the pending migrations (shipped first, then
 * the deployment's `migrations_dir`), then, once none is pending, the config-driven settings; after the
 * lock, the declared indexes (built concurrently, see applyDeclaredIndexes). `down` reverts migrations only.
 * On a store the migrations have just created, auto_create_indexes: false drops the shipped migrations'
 * secondary indexes before the deployment's migrations run.
 */
export async function migrateSchema(
  client: pg.ClientBase,
  context: MigrationStepContext,
  options: MigrationStepOptions,
): Promise<MigrationStepResult> {
  const { config } = context;
  const target = migrationTargetOf(config);
  const folders = foldersOf(target);
  const dryRun = options.dryRun ?? false;
  const settings = settingsContext(context);
  const result: MigrationStepResult = { migrations: [], settings: [], differences: [], pending: 0 };
  await withMigrationLock(client, async () => {
    const before = await readMigrationStatus(client, target, folders);
    const fresh = before.applied.length === 0 && !dryRun && options.direction === 'up';
    result.migrations = await runMigrationsLocked(
      client,
      {
        ...target,
        direction: options.direction,
        ...(options.count === undefined ? {} : { count: options.count }),
        dryRun,
        ...(options.log ? { log: options.log } : {}),
      },
      folders,
      fresh && !config.auto_create_indexes
        ? () => dropMigrationSecondaryIndexes(client).then(() => {})
        : undefined,
    );
    if (options.direction === 'down') return;
    result.pending = before.pending.length - result.migrations.length;
    if (result.pending > 0) return;
    if (dryRun) {
      if (before.pending.length === 0) result.differences = await inspectSchemaSettings(client, settings);
      return;
    }
    result.settings.push(...(await distribute(client, context, true)));
    result.settings.push(...(await applySchemaSettings(client, settings)));
  });
  if (options.direction === 'up' && !dryRun && result.pending === 0) {
    result.settings.push(...(await applyDeclaredIndexes(client, config)));
  }
  return result;
}

/** The refusal of connect without auto_migrate when the database differs from the config's settings. */
function settingsDiffer(differences: SettingDifference[], where: string): StorageError {
  const lines = differences.map(
    (d) => `${d.path.replace(/^config\./, '')}: ${d.found} (migrate up would ${d.fix})`,
  );
  return new StorageError(
    'config',
    `postgresql: the schema of ${where} differs from the config, and auto_migrate is false, so connect does not ` +
      `change the schema: ${lines.join('; ')}. Run \`recordstore migrate up\` with this config as the table ` +
      'owner (or set auto_migrate: true).',
    { path: differences[0]?.path ?? 'config.auto_migrate', backend: 'postgresql' },
  );
}

/**
 * Readies the database at connect, on one client without timeouts. Reads first (migrations, then the
 * config's schema settings); when anything differs, runs the migration step with auto_migrate, else
 * refuses with a config error that names each difference and `recordstore migrate up`. A database that
 * matches costs a few catalog reads and no lock.
 * @throws StorageError(config) for an unmigrated or differing database without auto_migrate, a foreign
 *   migrations table, or tenancy and audit settings this role cannot honour.
 */
export async function prepareSchema(
  resolved: ResolvedConnection,
  context: SchemaContext,
): Promise<PreparedSchema> {
  const { config } = context;
  const step: MigrationStepContext = { ...context, target: describeTarget(resolved.target) };
  const where = `${step.target} (schema ${config.schema_name})`;
  const client = await openMaintenanceClient(resolved);
  try {
    const status = await readMigrationStatus(client, migrationTargetOf(config));
    if (status.pending.length > 0 && !config.auto_migrate) {
      throw new StorageError(
        'config',
        `postgresql: the database ${where} is not migrated: ${status.pending.length} pending migration(s): ` +
          `${status.pending.join(', ')}. Run \`recordstore migrate up\` (or set auto_migrate: true).`,
        { path: 'config.auto_migrate', backend: 'postgresql' },
      );
    }
    let differences: SettingDifference[] = [];
    if (status.pending.length === 0) {
      // Before the settings are inspected: the indexes a dead load deferred are not differences to report.
      if (mayDeferIndexes(config)) await finishInterruptedLoad(client, context.logger, where);
      await distribute(client, step, config.auto_migrate);
      differences = await inspectSchemaSettings(client, settingsContext(step));
    }
    if (differences.length > 0 && !config.auto_migrate) throw settingsDiffer(differences, where);
    if (status.pending.length > 0 || differences.length > 0)
      await migrateSchema(client, step, { direction: 'up' });
    // Nothing to migrate: declared indexes of an earlier version still get their histogram size.
    else if (config.auto_migrate) await applyDeclaredIndexes(client, config);
    const citus = await client.query<{ present: boolean }>(
      "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') AS present",
    );
    return {
      batchesById: config.partitioning_enabled || citus.rows[0]?.present === true,
      indexed: config.indexes.length === 0 ? [] : await presentDeclaredIndexes(client, config.indexes),
    };
  } finally {
    await client.end().catch(() => {});
  }
}
