import { isParsedBackendConfig, StorageError } from '@recordstore/core';
import type pg from 'pg';
import type { PostgresConfig, PostgresConfigInput } from '../postgres-config.js';
import { describeTarget, resolveConnection } from '../postgres-connection.js';
import { toPostgresStorageError } from '../postgres-errors.js';
import { openMaintenanceClient } from '../postgres-pool.js';
import { inspectLayout } from './partition-catalog.js';

/**
 * The one client an admin task (partitions, indexes) runs on: opened from the config with the backend's
 * connection helpers, without a store, so the tasks work even when connect() would refuse the layout.
 */

/**
 * Runs `fn` on one new client of the configured database (schema selected), outside any transaction and
 * without statement timeouts (a conversion may copy for a long time), then closes it. Errors become
 * StorageErrors that never contain the password.
 * @throws StorageError(config) when storage_records does not exist (not migrated).
 */
export async function withAdminClient<T>(
  config: PostgresConfig,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const resolved = await resolveConnection(config);
  let client: pg.Client | null = null;
  try {
    client = await openMaintenanceClient(resolved);
    const present = await inspectLayout(client);
    if (!present.exists) {
      throw new StorageError(
        'config',
        `postgresql: storage_records does not exist in schema ${config.schema_name} of ${describeTarget(resolved.target)}; run \`recordstore migrate up\` first.`,
        { path: 'config.schema_name', backend: 'postgresql' },
      );
    }
    return await fn(client);
  } catch (error) {
    throw toPostgresStorageError(error, {
      secrets: [resolved.target.password, config.password],
      target: describeTarget(resolved.target),
    });
  } finally {
    await client?.end().catch(() => {});
  }
}

/**
 * {@link withAdminClient} for the standalone entry points (`enablePostgresPartitioning`, ...), which take
 * the storage's config as core parsed it: `parseBackendConfig(postgresBackend, block)` (or its `.config`),
 * or `validateBackendConfig(...).config`. It is not parsed again here: core's parse is the one parse.
 */
export async function withPostgresClient<T>(
  input: PostgresConfigInput | Record<string, unknown>,
  fn: (client: pg.Client, config: PostgresConfig) => Promise<T>,
): Promise<T> {
  const config = (isParsedBackendConfig(input) ? input.config : input) as PostgresConfig;
  return withAdminClient(config, (client) => fn(client, config));
}
