import { type Logger, StorageError } from '@recordstore/core';
import type pg from 'pg';
import { type CitusState, readCitusState, readTableDistribution } from './citus-catalog.js';
import type { DistributionConfig } from './citus-options.js';

/**
 * node-pg-migrate's advisory lock id (its PG_MIGRATE_LOCK_ID). Distributing runs under the same lock as
 * the migrations, so processes that start together distribute once, and never while another one migrates.
 */
const MIGRATION_LOCK_ID = '7241865325823964';

/** What {@link ensureCitusDistribution} needs besides the client. */
export interface DistributionContext {
  /** `auto_migrate`: distribute a table that is not distributed yet (else it is a config error). */
  autoMigrate: boolean;
  /** The database, for messages (no secret). */
  target: string;
  logger: Pick<Logger, 'info' | 'warn'>;
}

/** What {@link ensureCitusDistribution} found or did. */
export interface DistributionReport {
  /** Citus `extversion` on the coordinator. */
  citusVersion: string;
  /** storage_records was distributed by this call (false: it already was). */
  distributed: boolean;
  /** Shards of storage_records. */
  shards: number;
}

/** The configuration keys the distribution step reads. */
export type DistributionSettings = Pick<DistributionConfig, 'distributed' | 'shard_count'> & {
  schema_name: string;
};

/**
 * The migration step of `distributed: citus`: after the migrations, on the coordinator, makes
 * storage_records a hash-distributed table by id (`shard_count` shards, default Citus' citus.shard_count)
 * and recordstore_audit a table co-located with it by record_id, under the migrations' advisory lock.
 * Idempotent: a store already distributed costs two catalog reads. Rows of a store created before it was
 * distributed are moved into the shards.
 * @throws StorageError(config) when the database is no Citus coordinator with workers, when the table is
 *   distributed differently, or when it is not distributed yet and auto_migrate is off.
 */
export async function ensureCitusDistribution(
  client: pg.ClientBase,
  config: DistributionSettings,
  context: DistributionContext,
): Promise<DistributionReport> {
  const state = await readCitusState(client);
  const citusVersion = assertCoordinator(state, context.target);
  const current = await readTableDistribution(client, 'storage_records');
  if (current !== null && (await readTableDistribution(client, 'recordstore_audit')) !== null) {
    assertDistributedById(current.method, current.column);
    warnOnShardCount(current.shards, config, context.logger);
    return { citusVersion, distributed: false, shards: current.shards };
  }
  if (!context.autoMigrate) {
    throw new StorageError(
      'config',
      `postgresql: distributed: citus but storage_records in schema ${config.schema_name} of ${context.target} ` +
        'is not distributed yet. Run `recordstore migrate up` (which distributes it), or set auto_migrate: true.',
      { path: 'config.auto_migrate', backend: 'postgresql' },
    );
  }
  await client.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK_ID})`);
  try {
    const shards = await distributeUnderLock(client, config);
    context.logger.info(
      { backend: 'postgresql', schema: config.schema_name, shards },
      'recordstore: storage_records distributed with Citus',
    );
    return { citusVersion, distributed: true, shards };
  } finally {
    await client.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK_ID})`);
  }
}

/** Distributes whatever is still local (another process may have done part or all of it meanwhile). */
async function distributeUnderLock(client: pg.ClientBase, config: DistributionSettings): Promise<number> {
  await client.query('BEGIN');
  try {
    // The audit trigger the migrations create (disabled unless audit_enabled, which a distributed store
    // refuses) would otherwise make Citus refuse the table ("because it has triggers"); kept, not dropped,
    // so the schema and the down migrations stay those of a single node.
    await client.query('SET LOCAL citus.enable_unsafe_triggers = on');
    let records = await readTableDistribution(client, 'storage_records');
    if (records === null) {
      await client.query(
        config.shard_count === undefined
          ? "SELECT create_distributed_table('storage_records', 'id')"
          : "SELECT create_distributed_table('storage_records', 'id', shard_count => $1::int)",
        config.shard_count === undefined ? [] : [config.shard_count],
      );
      records = await readTableDistribution(client, 'storage_records');
    }
    assertDistributedById(records?.method ?? '', records?.column ?? null);
    if ((await readTableDistribution(client, 'recordstore_audit')) === null) await distributeAudit(client);
    await client.query('COMMIT');
    // create_distributed_table copied any existing rows into the shards and left them in the coordinator's
    // table, where nothing reads them any more.
    await client.query("SELECT truncate_local_data_after_distributing_table('storage_records')");
    return records?.shards ?? 0;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/**
 * Co-locates the audit table with storage_records by record_id, so the rows of one record and their
 * audit entries share a shard. A distributed table's unique keys must contain its distribution column:
 * the primary key becomes (record_id, audit_id).
 */
async function distributeAudit(client: pg.ClientBase): Promise<void> {
  const key = await client.query<{ name: string; columns: string[] }>(
    `SELECT c.conname AS name,
            array(SELECT a.attname::text FROM unnest(c.conkey) k JOIN pg_attribute a
                    ON a.attrelid = c.conrelid AND a.attnum = k) AS columns
       FROM pg_constraint c
      WHERE c.conrelid = to_regclass('recordstore_audit') AND c.contype = 'p'`,
  );
  const primary = key.rows[0];
  if (primary !== undefined && !primary.columns.includes('record_id')) {
    // The name comes from the catalog; escaped all the same.
    const name = `"${primary.name.replaceAll('"', '""')}"`;
    await client.query(
      `ALTER TABLE recordstore_audit DROP CONSTRAINT ${name}, ADD PRIMARY KEY (record_id, audit_id)`,
    );
  }
  await client.query(
    "SELECT create_distributed_table('recordstore_audit', 'record_id', colocate_with => 'storage_records')",
  );
}

function assertCoordinator(state: CitusState, target: string): string {
  if (state.version === null) {
    throw new StorageError(
      'config',
      `postgresql: distributed: citus but the citus extension is not installed in ${target}. On every node ` +
        'start PostgreSQL with shared_preload_libraries = citus and run CREATE EXTENSION citus; on the ' +
        "coordinator register it and the workers (SELECT citus_set_coordinator_host('host', port); " +
        "SELECT citus_add_node('worker', port) for each). See docs/scaling.md.",
      { path: 'config.distributed', backend: 'postgresql' },
    );
  }
  if (!state.coordinator) {
    throw new StorageError(
      'config',
      `postgresql: distributed: citus but ${target} is a Citus worker; connect to the coordinator, where ` +
        'distributed tables are created and queries are planned.',
      { path: 'config.url', backend: 'postgresql' },
    );
  }
  if (state.activeWorkers === 0) {
    throw new StorageError(
      'config',
      `postgresql: distributed: citus but the coordinator ${target} has no active worker to place shards on; ` +
        "register them with SELECT citus_add_node('worker', port).",
      { path: 'config.distributed', backend: 'postgresql' },
    );
  }
  return state.version;
}

function assertDistributedById(method: string, column: string | null): void {
  if (method === 'h' && column === 'id') return;
  throw new StorageError(
    'config',
    `postgresql: storage_records is distributed by ${column ?? 'nothing (a reference table)'} (method ` +
      `${method || 'unknown'}), but a distributed store needs hash distribution by id so that one record ` +
      "lives in one shard; undo it (SELECT undistribute_table('storage_records')) and connect again.",
    { path: 'config.distributed', backend: 'postgresql' },
  );
}

function warnOnShardCount(
  shards: number,
  config: DistributionSettings,
  logger: DistributionContext['logger'],
): void {
  if (config.shard_count === undefined || config.shard_count === shards) return;
  logger.warn(
    { backend: 'postgresql', schema: config.schema_name, shards, shard_count: config.shard_count },
    `recordstore: storage_records has ${shards} shards but shard_count is ${config.shard_count}; ` +
      'connecting does not reshard. To change it run ' +
      `SELECT alter_distributed_table('storage_records', shard_count => ${config.shard_count}, cascade_to_colocated => true) ` +
      'as the owner (it rewrites the table).',
  );
}
