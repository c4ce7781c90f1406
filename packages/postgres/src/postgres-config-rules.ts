import { type CoreSettings, commonConfigShape, coreSettingsFrom, StorageError } from '@recordstore/core';
import { assertDistributionSupported } from './citus/citus-options.js';
import { validateIndexConfig } from './indexes/index-options.js';
import { validatePartitionConfig } from './partitions/partition-options.js';
import { POSTGRES_TABLE_NAME, type PostgresConfig, postgresConfigSchema } from './postgres-config.js';

/**
 * Rules across keys that the schema cannot express key by key: values it accepts but this version cannot
 * honour, and combinations PostgreSQL cannot build. They run inside core's one parse of the config (the
 * definition's `settings`), so the constructor, the registry and `recordstore config check` all report them.
 */

/**
 * Refuses values that the schema accepts but this version cannot honour, so nothing is silently ignored.
 * @throws StorageError(config | unsupported) naming the key.
 */
export function assertSupported(config: PostgresConfig): void {
  if (config.table_name !== POSTGRES_TABLE_NAME) {
    throw new StorageError(
      'config',
      `postgresql: table_name must be "${POSTGRES_TABLE_NAME}", got ${JSON.stringify(config.table_name)}. ` +
        'The PostgreSQL backend runs fixed, type-checked SQL (compiled by pgtyped) that names its table, so the ' +
        'name cannot change at run time. To keep several stores apart in one database, give each its own ' +
        'schema_name instead.',
      { path: 'config.table_name', backend: 'postgresql' },
    );
  }
  // Known without a server: what a distributed store cannot offer (the driver checks again at connect).
  // First, so partitioning_enabled on Citus is refused for what it is, not for a partition key's detail.
  assertDistributionSupported(config);
  validateIndexConfig(config);
  validatePartitionConfig(config);
  if (config.explain_analyze_enabled && !config.metrics_enabled) {
    throw new StorageError(
      'config',
      'postgresql: explain_analyze_enabled attaches plans to the slow query log, which runs with metrics; ' +
        'set metrics_enabled: true as well (or explain_analyze_enabled: false).',
      { path: 'config.explain_analyze_enabled', backend: 'postgresql' },
    );
  }
  if (config.slow_query_threshold_ms !== SLOW_QUERY_THRESHOLD_DEFAULT && !config.metrics_enabled) {
    throw new StorageError(
      'config',
      `postgresql: slow_query_threshold_ms (${config.slow_query_threshold_ms}) sets the threshold of the slow ` +
        'query log, which runs with metrics; with metrics_enabled: false nothing would be logged. Set ' +
        'metrics_enabled: true as well (or remove slow_query_threshold_ms).',
      { path: 'config.slow_query_threshold_ms', backend: 'postgresql' },
    );
  }
  if (config.read_preference === 'replica' && config.replicas.length === 0) {
    throw new StorageError(
      'config',
      'postgresql: read_preference is replica but no replicas are configured; list them in replicas ' +
        '(host:port or URLs) or use read_preference: replica_preferred.',
      { path: 'config.read_preference', backend: 'postgresql' },
    );
  }
}

const SLOW_QUERY_THRESHOLD_DEFAULT = postgresConfigSchema.shape.slow_query_threshold_ms.parse(undefined);
const COMPRESSION_THRESHOLD_DEFAULT = commonConfigShape.compression_threshold.parse(undefined);

/**
 * Keys this backend accepts (they are common to every backend) but that have no effect on PostgreSQL, with
 * the reason; the driver logs them as warnings at connect, so a config shared with SQLite keeps working.
 */
export function inapplicableKeys(config: PostgresConfig): { path: string; message: string }[] {
  const notes: { path: string; message: string }[] = [];
  if (config.compression_threshold !== COMPRESSION_THRESHOLD_DEFAULT) {
    notes.push({
      path: 'config.compression_threshold',
      message:
        `postgresql: compression_threshold (${config.compression_threshold}) does not apply to PostgreSQL: ` +
        'compression_enabled sets column compression (compression_algorithm) on data and metadata, and ' +
        'PostgreSQL compresses a value when its row exceeds about 2 kB (TOAST), with no threshold to set. ' +
        'Remove compression_threshold from this block to silence this warning.',
    });
  }
  return notes;
}

/**
 * The definition's `settings`: checks the cross-key rules, then derives core's settings from the common
 * keys. Core calls it once per parse and locates a config error's key in the caller's file.
 */
export function postgresSettings(config: PostgresConfig): CoreSettings {
  assertSupported(config);
  return coreSettingsFrom(config);
}
