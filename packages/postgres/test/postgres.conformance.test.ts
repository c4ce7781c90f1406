import { runConformanceSuite } from '@recordstore/testkit';
import { PostgreSQLStorageBackend } from '../src/index.js';
import { SchemaPool, useSuiteDatabase } from './helpers.js';

// One database for this file (cloned from the migrated template); each storeKey gets a schema from a
// pool: migrated on its first connect (auto_migrate), emptied by cleanup and reused.
const db = useSuiteDatabase();
const schemas = new SchemaPool('conformance');

runConformanceSuite({
  name: 'postgresql',
  createBackend: ({ config, clock, storeKey }) =>
    new PostgreSQLStorageBackend(
      {
        ...config,
        url: db.url,
        schema_name: schemas.schemaFor(storeKey),
        connection_pool_size: 2,
        connection_pool_max_overflow: 8,
      },
      { clock },
    ),
  cleanup: (storeKey) => schemas.release(storeKey, db.sql),
});
