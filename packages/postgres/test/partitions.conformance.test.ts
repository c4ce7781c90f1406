import { runConformanceSuite } from '@recordstore/testkit';
import { PostgreSQLStorageBackend } from '../src/index.js';
import type { PostgresConfigInput } from '../src/postgres-config.js';
import { SchemaPool, useSuiteDatabase } from './helpers.js';

// The whole conformance suite once per partition strategy. Each storeKey gets a schema from the
// strategy's pool: migrated on its first connect, then (the table being empty) converted to the
// partitioned layout by connect itself; emptied by cleanup and reused.
const db = useSuiteDatabase();

const strategies: Array<[string, PostgresConfigInput]> = [
  ['range partitions', { partition_strategy: 'range', partition_interval: 'monthly', partition_premake: 2 }],
  [
    'list partitions',
    { partition_strategy: 'list', list_partition_values: ['message', 'note', 'a', 'b', 'x'] },
  ],
  ['hash partitions', { partition_strategy: 'hash', partition_count: 4 }],
];

for (const [name, partitioning] of strategies) {
  const schemas = new SchemaPool(`${partitioning.partition_strategy}_partitions`);
  runConformanceSuite({
    name: `postgresql (${name})`,
    createBackend: ({ config, clock, storeKey }) =>
      new PostgreSQLStorageBackend(
        {
          ...config,
          url: db.url,
          schema_name: schemas.schemaFor(storeKey),
          connection_pool_size: 2,
          connection_pool_max_overflow: 8,
          partitioning_enabled: true,
          ...partitioning,
        },
        { clock },
      ),
    cleanup: (storeKey) => schemas.release(storeKey, db.sql),
  });
}
