import { runConformanceSuite } from '@recordstore/testkit';
import { PostgreSQLStorageBackend } from '../src/index.js';
import { useSuiteDatabase } from './helpers.js';

// One database for this file (cloned from the migrated template); each storeKey is its own schema,
// migrated on first connect (auto_migrate) and dropped by cleanup.
const db = useSuiteDatabase();

runConformanceSuite({
  name: 'postgresql',
  createBackend: ({ config, clock, storeKey }) =>
    new PostgreSQLStorageBackend(
      {
        ...config,
        url: db.url,
        schema_name: storeKey,
        connection_pool_size: 2,
        connection_pool_max_overflow: 8,
      },
      { clock },
    ),
  cleanup: async (storeKey) => {
    await db.sql(`DROP SCHEMA IF EXISTS "${storeKey}" CASCADE`);
  },
});
