import { type Logger, StorageError } from '@recordstore/core';
import type pg from 'pg';
import { type MigrationStatus, readMigrationStatus } from './migration-runner.js';
import type { PostgresConfig } from './postgres-config.js';
import { describeTarget, resolveConnection } from './postgres-connection.js';
import { toPostgresStorageError } from './postgres-errors.js';
import { openMaintenanceClient } from './postgres-pool.js';
import { type MigrationStepContext, migrateSchema, migrationTargetOf } from './postgres-schema.js';
import type { SettingDifference } from './postgres-schema-settings.js';

/**
 * Schema migrations with node-pg-migrate, as operators run them (`recordstore migrate up|down|status`)
 * and as the definition's migrator does: the SQL files this package ships (the repository's
 * `migrations/`, copied into `dist/migrations` at build), then the deployment's own (`migrations_dir`),
 * recorded in one migrations table under node-pg-migrate's advisory lock, so that several processes
 * starting together migrate exactly once. `up` ends with the config-driven schema step (postgres-schema.ts).
 */

export {
  type AppliedMigration,
  type MigrationStatus,
  type MigrationTarget,
  type PendingMigration,
  type RunMigrationsOptions,
  readMigrationStatus,
  runMigrations,
} from './migration-runner.js';
export {
  compareMigrationNames,
  type MigrationFolder,
  type MigrationSource,
  migrationNames,
  migrationSourceDir,
  migrationsDir,
} from './migration-sources.js';

/**
 * Options of {@link migratePostgres} and {@link postgresMigrationStatus}: the backend's parsed config
 * (connection, schema_name, migration_table, migrations_dir and, for `up`, the schema settings are used).
 * Parse a raw block with core's `parseBackendConfig(postgresBackend, raw).config`, or use the definition's
 * migrator capability.
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
  /** Receives the schema step's warnings (they are also returned in `warnings`). */
  logger?: Pick<Logger, 'info' | 'warn'>;
}

/** What {@link migratePostgres} did. */
export interface MigrateResult {
  direction: 'up' | 'down';
  dryRun: boolean;
  /** Names of the migrations applied (up) or undone (down), in order. */
  migrations: string[];
  /** Up: the config-driven schema changes made after the migrations (compression, tenancy, audit, ...). */
  settings: string[];
  /** Up with dryRun and no migration pending: what the schema step would change. */
  differences: SettingDifference[];
  /** Warnings of the schema step. */
  warnings: string[];
  schema: string;
  migrationsTable: string;
}

/**
 * Opens a maintenance client (no timeouts) on the config's primary, runs `fn` and closes it, converting
 * errors (the password never appears in a message).
 */
export async function withMigrationClient<T>(
  config: PostgresConfig,
  fn: (client: pg.Client, target: string, convert: (error: unknown) => StorageError) => Promise<T>,
): Promise<T> {
  const resolved = await resolveConnection(config);
  const context = { secrets: [resolved.target.password], target: describeTarget(resolved.target) };
  const convert = (error: unknown) => toPostgresStorageError(error, context);
  let client: pg.Client | null = null;
  try {
    client = await openMaintenanceClient(resolved);
    return await fn(client, context.target, convert);
  } catch (error) {
    throw convert(error);
  } finally {
    await client?.end().catch(() => {});
  }
}

/**
 * Applies (`up`) or undoes (`down`) schema migrations: what `recordstore migrate up|down` runs. `up`
 * applies the shipped migrations, then the deployment's (`migrations_dir`), then the config's schema
 * settings. Concurrent callers wait for the advisory lock and then find nothing to do.
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
  const { config } = options;
  const warnings: string[] = [];
  const logger: MigrationStepContext['logger'] = {
    info: (obj, msg) => options.logger?.info(obj, msg),
    warn: (obj, msg) => {
      warnings.push(String(msg ?? ''));
      options.logger?.warn(obj, msg);
    },
  };
  return withMigrationClient(config, async (client, target, convert) => {
    const step = await migrateSchema(
      client,
      { config, target, logger, now: Date.now(), convert },
      {
        direction: options.direction,
        ...(options.count === undefined ? {} : { count: options.count }),
        dryRun: options.dryRun ?? false,
        ...(options.log ? { log: options.log } : {}),
      },
    );
    return {
      direction: options.direction,
      dryRun: options.dryRun ?? false,
      migrations: step.migrations,
      settings: step.settings,
      differences: step.differences,
      warnings,
      schema: config.schema_name,
      migrationsTable: config.migration_table,
    };
  });
}

/**
 * Lists applied and pending migrations, shipped and the deployment's: what `recordstore migrate status`
 * shows. Changes nothing.
 * @example
 * const { applied, pending } = await postgresMigrationStatus({ config });
 */
export function postgresMigrationStatus(options: MigrationConnectionOptions): Promise<MigrationStatus> {
  return withMigrationClient(options.config, (client) =>
    readMigrationStatus(client, migrationTargetOf(options.config)),
  );
}
