import { type CoreSettings, coreSettingsFrom, StorageError } from '@recordstore/core';
import { POSTGRES_TABLE_NAME, type PostgresConfig } from './postgres-config.js';
import { validateIndexConfig } from './postgres-indexes.js';
import { validatePartitionConfig } from './postgres-partitions.js';

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
  if (config.read_preference === 'replica' && config.replicas.length === 0) {
    throw new StorageError(
      'config',
      'postgresql: read_preference is replica but no replicas are configured; list them in replicas ' +
        '(host:port or URLs) or use read_preference: replica_preferred.',
      { path: 'config.read_preference', backend: 'postgresql' },
    );
  }
}

/**
 * The definition's `settings`: checks the cross-key rules, then derives core's settings from the common
 * keys. Core calls it once per parse and locates a config error's key in the caller's file.
 */
export function postgresSettings(config: PostgresConfig): CoreSettings {
  assertSupported(config);
  return coreSettingsFrom(config);
}
