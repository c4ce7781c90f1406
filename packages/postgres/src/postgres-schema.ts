import { type Logger, StorageError } from '@recordstore/core';
import type pg from 'pg';
import { readMigrationStatus, runMigrations } from './migrate.js';
import { enableAuditTrigger } from './postgres-audit.js';
import type { PostgresConfig } from './postgres-config.js';
import { describeTarget, type ResolvedConnection } from './postgres-connection.js';
import { dropMigrationSecondaryIndexes, ensureDeclaredIndexes } from './postgres-indexes.js';
import { ensureLayout, maintainPartitions } from './postgres-partitions.js';
import { openMaintenanceClient } from './postgres-pool.js';
import { prepareTenancy } from './postgres-tenancy.js';
import * as q from './queries.js';

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
}

/**
 * Readies the database at connect, on one client without timeouts: the schema changes only through the
 * migrations (applied when auto_migrate is on, else a pending one is a config error naming `recordstore
 * migrate up`); then column compression, tenant isolation and the audit trigger as configured; then the
 * partitioned layout, the declared indexes and a first partition maintenance run.
 * @throws StorageError(config) for an unmigrated database without auto_migrate, a foreign migrations table,
 *   or tenancy and audit settings this role cannot honour.
 */
export async function prepareSchema(
  resolved: ResolvedConnection,
  context: SchemaContext,
): Promise<PreparedSchema> {
  const { config } = context;
  const target = { schema: config.schema_name, migrationsTable: config.migration_table };
  const client = await openMaintenanceClient(resolved);
  try {
    const status = await readMigrationStatus(client, target);
    if (status.pending.length > 0) {
      if (!config.auto_migrate) {
        throw new StorageError(
          'config',
          `postgresql: the database ${describeTarget(resolved.target)} is not migrated (schema ${config.schema_name}: ` +
            `${status.pending.length} pending migration(s): ${status.pending.join(', ')}). ` +
            'Run `recordstore migrate up` (or set auto_migrate: true).',
          { path: 'config.auto_migrate', backend: 'postgresql' },
        );
      }
      await runMigrations(client, { ...target, direction: 'up' });
    }
    const session = q.createSession(client, false, (e) => context.convert(e));
    if (config.compression_enabled) await applyCompression(session, config.compression_algorithm);
    await prepareTenancy(session, config.tenant_id, (message) =>
      context.logger.warn({ backend: 'postgresql' }, message),
    );
    if (config.audit_enabled) await enableAuditTrigger(session);
    return await prepareLayout(client, resolved, context, status.applied.length === 0);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Sets the column compression of `data` and `metadata` when it differs from `method`. */
async function applyCompression(
  session: q.SqlSession,
  method: PostgresConfig['compression_algorithm'],
): Promise<void> {
  const version = await q.serverVersion(session);
  if (version < 140000) {
    throw new StorageError(
      'unsupported',
      'postgresql: compression_enabled needs PostgreSQL 14 or later (per-column compression); set compression_enabled: false.',
      { path: 'config.compression_enabled', backend: 'postgresql' },
    );
  }
  const wanted = method === 'lz4' ? 'l' : 'p';
  const current = await q.columnCompression(session);
  // ALTER TABLE takes an ACCESS EXCLUSIVE lock: only when something changes.
  if (current.data === wanted && current.metadata === wanted) return;
  try {
    await q.setColumnCompression(session, method);
  } catch (error) {
    if (error instanceof StorageError && error.code === '0A000') {
      throw new StorageError(
        'unsupported',
        'postgresql: compression_algorithm lz4 is not available: this server was built without lz4 ' +
          '(--with-lz4). Use compression_algorithm: pglz.',
        { path: 'config.compression_algorithm', backend: 'postgresql', cause: error },
      );
    }
    throw error;
  }
}

/**
 * After migrations: the partitioned layout (an empty table is converted when auto_migrate; otherwise a
 * mismatch is refused), auto_create_indexes: false on a store created just now, the declared indexes,
 * and a first partition maintenance run.
 */
async function prepareLayout(
  client: pg.Client,
  resolved: ResolvedConnection,
  context: SchemaContext,
  fresh: boolean,
): Promise<PreparedSchema> {
  const { config } = context;
  const citus = await client.query<{ present: boolean }>(
    "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') AS present",
  );
  await ensureLayout(client, config, {
    autoMigrate: config.auto_migrate,
    target: describeTarget(resolved.target),
    now: context.now,
  });
  if (config.auto_migrate && config.auto_create_indexes === false && fresh) {
    await dropMigrationSecondaryIndexes(client);
  }
  if (config.auto_migrate && config.auto_create_indexes && config.indexes.length > 0) {
    await ensureDeclaredIndexes(client, config.indexes);
  }
  if (config.partitioning_enabled) {
    // Missing partitions only send rows to the default partition: a failure here (e.g. an application
    // role without DDL rights) is reported, not fatal. `recordstore partitions maintain` as the owner fixes it.
    await maintainPartitions(client, config, context.now).catch((error: unknown) => {
      context.logger.warn(
        { backend: 'postgresql', err: context.convert(error).message },
        'recordstore: partition maintenance at connect failed',
      );
    });
  }
  return { batchesById: config.partitioning_enabled || citus.rows[0]?.present === true };
}
