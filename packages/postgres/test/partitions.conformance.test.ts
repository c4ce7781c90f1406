import { runConformanceSuite } from '@recordstore/testkit';
import type { PostgresConfigInput } from '../src/postgres-config.js';
import { pooledConformance, useSuiteDatabase } from './helpers.js';

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
  runConformanceSuite({
    name: `postgresql (${name})`,
    ...pooledConformance(db, `${partitioning.partition_strategy}_partitions`, {
      partitioning_enabled: true,
      ...partitioning,
    }),
  });
}
