import { runConformanceSuite } from '@recordstore/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgreSQLStorageBackend } from '../src/index.js';
import { citusAvailable, SchemaPool, TEST_SHARD_COUNT, useCitusCluster } from './citus-fixture.js';

/**
 * The whole conformance suite (property and fuzz groups included) on a Citus cluster: a coordinator and
 * two workers started for this file. Every store is `distributed: citus`; its schema is created, migrated
 * and distributed by the backend itself on first connect (auto_migrate), so storage_records and the audit
 * table are hash-distributed by id over both workers. Not run (and announced) when Citus is not installed.
 */
describe.skipIf(!citusAvailable('citus.conformance'))('on a Citus cluster (coordinator + 2 workers)', () => {
  const cluster = useCitusCluster();
  const schemas = new SchemaPool();
  const started = performance.now();

  runConformanceSuite({
    name: 'postgresql distributed: citus',
    createBackend: ({ config, clock, storeKey }) =>
      new PostgreSQLStorageBackend(
        {
          ...config,
          url: cluster.url,
          schema_name: schemas.schemaFor(storeKey),
          distributed: 'citus',
          shard_count: TEST_SHARD_COUNT,
          connection_pool_size: 2,
          connection_pool_max_overflow: 8,
        },
        { clock },
      ),
    cleanup: (storeKey) => schemas.release(storeKey, cluster),
  });

  describe('after the suite', () => {
    it('every store was distributed by id over both workers', async () => {
      expect(schemas.created).toBeGreaterThan(0);
      const tables = await cluster.sql<{ schema: string; method: string; shards: number; nodes: number }>(
        `SELECT n.nspname AS schema, p.partmethod::text AS method,
                (SELECT count(*)::int FROM pg_dist_shard s WHERE s.logicalrelid = p.logicalrelid) AS shards,
                (SELECT count(DISTINCT pl.groupid)::int FROM pg_dist_shard s
                   JOIN pg_dist_placement pl ON pl.shardid = s.shardid
                  WHERE s.logicalrelid = p.logicalrelid) AS nodes
           FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relname = 'storage_records' AND n.nspname LIKE 'citus_store_%'`,
      );
      expect(tables.rows).toHaveLength(schemas.created);
      for (const table of tables.rows) {
        expect(table).toEqual({ schema: table.schema, method: 'h', shards: TEST_SHARD_COUNT, nodes: 2 });
      }
    });
  });

  afterAll(() => {
    console.log(
      `citus.conformance: ${schemas.created} distributed store schema(s), ` +
        `${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
  });
});
