import { StorageError } from '@recordstore/core';
import { provisionPostgres } from '@recordstore/testkit/postgres';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgreSQLStorageBackend, type PostgresConfigInput } from '../src/index.js';
import { migratePostgres } from '../src/migrate.js';
import { citusAvailable, TEST_SHARD_COUNT, useCitusCluster } from './citus-fixture.js';
import { parsedConfig } from './parsed-config.js';

/**
 * `distributed: citus` beyond the conformance suite: distribution through config and the migration path
 * (auto_migrate and `recordstore migrate up`), what is refused at connect, health per node with a worker
 * down, and stats summed over the shards.
 */

async function failure(promise: Promise<unknown>): Promise<StorageError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof StorageError) return error;
    throw error;
  }
  throw new Error('expected a StorageError');
}

describe.skipIf(!citusAvailable('citus.features'))('distributed: citus (coordinator + 2 workers)', () => {
  const cluster = useCitusCluster();
  let schemas = 0;

  function storeOn(config: PostgresConfigInput = {}, url = cluster.url): PostgreSQLStorageBackend {
    return new PostgreSQLStorageBackend({
      url,
      schema_name: `features_${++schemas}`,
      distributed: 'citus',
      connection_pool_size: 2,
      ...config,
    });
  }

  /** How storage_records of `schema` is distributed and where its rows are, seen from the coordinator. */
  async function layout(schema: string, url = cluster.url) {
    const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
    await client.connect();
    try {
      const tables = await client.query<{
        table: string;
        method: string;
        column: string;
        colocation: number;
      }>(
        `SELECT logicalrelid::regclass::text AS table, partmethod::text AS method,
                column_to_column_name(logicalrelid, partkey) AS column, colocationid AS colocation
           FROM pg_dist_partition
          WHERE logicalrelid IN ('storage_records'::regclass, 'recordstore_audit'::regclass) ORDER BY 1 DESC`,
      );
      const rows = await client.query<{ port: number; rows: number }>(
        `SELECT n.nodeport AS port, sum(t.n)::int AS rows
           FROM (SELECT get_shard_id_for_distribution_column('storage_records', id) AS shard, count(*) AS n
                   FROM storage_records GROUP BY 1) t
           JOIN pg_dist_placement p ON p.shardid = t.shard JOIN pg_dist_node n ON n.groupid = p.groupid
          GROUP BY 1 ORDER BY 1`,
      );
      return { tables: tables.rows, rowsPerWorker: rows.rows };
    } finally {
      await client.end();
    }
  }

  it('a store made only through config and auto_migrate on a fresh database spreads its records over both workers', async () => {
    const url = await cluster.server.createDatabase();
    const store = storeOn({}, url);
    await store.connect();
    try {
      await store.saveMany(Array.from({ length: 200 }, (_, i) => ({ id: `r${i}`, n: i })));
      const { tables, rowsPerWorker } = await layout(`features_${schemas}`, url);
      expect(tables).toEqual([
        { table: 'storage_records', method: 'h', column: 'id', colocation: tables[0]!.colocation },
        { table: 'recordstore_audit', method: 'h', column: 'record_id', colocation: tables[0]!.colocation },
      ]);
      expect(rowsPerWorker.map((r) => r.port)).toEqual([...cluster.workerPorts].sort());
      expect(rowsPerWorker.reduce((sum, r) => sum + r.rows, 0)).toBe(200);
      expect(rowsPerWorker.every((r) => r.rows > 0)).toBe(true);
      const stats = await store.stats();
      expect(stats.records).toBe(200);
      expect(stats.sizeBytes).toBeGreaterThan(100_000);
      // Citus' default shard count (citus.shard_count = 32), spread over both workers.
      const perNode = (stats.details as { shardsPerNode: { role: string; shards: number }[] }).shardsPerNode;
      expect(perNode.filter((n) => n.role === 'worker').map((n) => n.shards)).toEqual([16, 16]);
    } finally {
      await store.close();
    }
  });

  it('`recordstore migrate up` distributes (idempotently); auto_migrate off then connects, and refuses an undistributed table', async () => {
    const schema = `features_${++schemas}`;
    const base = { url: cluster.url, schema_name: schema, shard_count: TEST_SHARD_COUNT };
    // Migrated as a single-node store first: the tables exist but are local.
    await migratePostgres({ config: parsedConfig(base), direction: 'up' });
    const early = new PostgreSQLStorageBackend({ ...base, distributed: 'citus', auto_migrate: false });
    const refused = await failure(early.connect());
    expect(refused).toMatchObject({ kind: 'config', path: 'config.auto_migrate' });
    expect(refused.message).toMatch(/not distributed yet. Run `recordstore migrate up`/);
    const config = parsedConfig({ ...base, distributed: 'citus' });
    expect((await migratePostgres({ config, direction: 'up' })).migrations).toEqual([]);
    expect((await migratePostgres({ config, direction: 'up' })).migrations).toEqual([]);
    expect((await layout(schema)).tables.map((t) => t.method)).toEqual(['h', 'h']);
    const store = new PostgreSQLStorageBackend({ ...base, distributed: 'citus', auto_migrate: false });
    await store.connect();
    await store.save({ id: 'a' });
    expect(await store.count()).toBe(1);
    await store.close();
  });

  it('a single-node store switched to distributed: citus keeps its records, now in the shards', async () => {
    const schema = `features_${++schemas}`;
    const single = new PostgreSQLStorageBackend({ url: cluster.url, schema_name: schema });
    await single.connect();
    await single.saveMany(Array.from({ length: 50 }, (_, i) => ({ id: `s${i}`, session_id: 'x' })));
    await single.close();
    const store = new PostgreSQLStorageBackend({
      url: cluster.url,
      schema_name: schema,
      distributed: 'citus',
    });
    await store.connect();
    try {
      expect(await store.count({ session_id: 'x' })).toBe(50);
      const { rowsPerWorker } = await layout(schema);
      expect(rowsPerWorker.reduce((sum, r) => sum + r.rows, 0)).toBe(50);
      // The coordinator's own copy was emptied (truncate_local_data_after_distributing_table).
      const local = await cluster.sql<{ bytes: string }>('SELECT pg_relation_size($1::regclass) AS bytes', [
        `${schema}.storage_records`,
      ]);
      expect(Number(local.rows[0]?.bytes)).toBe(0);
    } finally {
      await store.close();
    }
  });

  it.each([
    [
      'partitioning_enabled',
      { partitioning_enabled: true },
      /rebuilding storage_records as a partitioned table.*Instead, keep partitioning_enabled: false/,
    ],
    [
      'tenant_id',
      { tenant_id: 't1' },
      /does not forward to the workers.*Instead, give each tenant its own schema_name/,
    ],
    [
      'audit_enabled',
      { audit_enabled: true },
      /the actor .* does not reach the workers.*Instead, record changes in the application/,
    ],
    [
      'replicas',
      { replicas: ['127.0.0.1:1'] },
      /replica of the coordinator holds only metadata.*Instead, remove replicas/,
    ],
  ] as const)(
    'refuses %s at connect, saying why and what to use instead, before creating anything',
    async (key, config, message) => {
      const store = storeOn(config as PostgresConfigInput);
      const error = await failure(store.connect());
      expect(error).toMatchObject({ kind: 'unsupported', path: `config.${key}` });
      expect(error.message).toMatch(message);
      const schema = await cluster.sql('SELECT 1 FROM pg_namespace WHERE nspname = $1', [
        `features_${schemas}`,
      ]);
      expect(schema.rowCount).toBe(0);
    },
  );

  it('refuses shard_count without distributed, and distributed: citus where the extension is missing', async () => {
    const lone = new PostgreSQLStorageBackend({
      url: cluster.url,
      schema_name: 'features_lone',
      shard_count: 8,
    });
    expect(await failure(lone.connect())).toMatchObject({ kind: 'config', path: 'config.shard_count' });
    const plain = await provisionPostgres(); // the run's single-node server
    try {
      const url = await plain.createDatabase();
      const error = await failure(storeOn({}, url).connect());
      expect(error).toMatchObject({ kind: 'config', path: 'config.distributed' });
      expect(error.message).toMatch(/citus extension is not installed .* CREATE EXTENSION citus/);
    } finally {
      await plain.stop();
    }
  });

  it('healthCheck() reports every node; with a worker down it is degraded, its shards fail retryably and the rest keep working', async () => {
    const store = storeOn({ shard_count: TEST_SHARD_COUNT });
    await store.connect();
    try {
      await store.saveMany(Array.from({ length: 40 }, (_, i) => ({ id: `h${i}` })));
      const healthy = (await store.healthCheck()).details.citus as Record<string, unknown>;
      expect(healthy).toMatchObject({ status: 'ok', workers: 2, nodesDown: 0, shards: TEST_SHARD_COUNT });
      const nodes = healthy.nodes as {
        role: string;
        reachable: boolean;
        citusVersion: string;
        port: number;
      }[];
      expect(nodes.map((n) => n.role)).toEqual(['coordinator', 'worker', 'worker']);
      expect(nodes.every((n) => n.reachable && /^13\./.test(n.citusVersion))).toBe(true);

      const down = cluster.workerPorts[1]!;
      await cluster.server.citus!.stopWorker!(1);
      try {
        const report = await store.healthCheck();
        expect(report.details.citus).toMatchObject({ status: 'degraded', nodesDown: 1 });
        expect(String((report.details.citus as { degradedReason: string }).degradedReason)).toContain(
          `:${down}`,
        );
        const placement = await cluster.sql<{ id: string; port: number }>(
          `SELECT r.id, n.nodeport AS port FROM unnest($1::text[]) r(id)
             JOIN pg_dist_placement p ON p.shardid = get_shard_id_for_distribution_column('features_${schemas}.storage_records', r.id)
             JOIN pg_dist_node n ON n.groupid = p.groupid`,
          [Array.from({ length: 40 }, (_, i) => `h${i}`)],
        );
        const onDown = placement.rows.find((r) => r.port === down)!.id;
        const onUp = placement.rows.find((r) => r.port !== down)!.id;
        expect(await store.load(onUp)).toMatchObject({ id: onUp });
        const error = await failure(store.load(onDown));
        expect(error).toMatchObject({ kind: 'connection', retryable: true });
      } finally {
        await cluster.server.citus!.startWorker!(1);
      }
      expect((await store.healthCheck()).details.citus).toMatchObject({ status: 'ok', nodesDown: 0 });
      expect(await store.count()).toBe(40);
    } finally {
      await store.close();
    }
  });
  it('a worker stopped and restarted under writes: its writes fail retryably, the others go on, no acknowledged write is lost', async () => {
    const store = storeOn({ shard_count: TEST_SHARD_COUNT });
    await store.connect();
    const acknowledged: string[] = [];
    const failures: StorageError[] = [];
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i += 1) {
        try {
          await store.save({ id: `w${i}`, i });
          acknowledged.push(`w${i}`);
        } catch (error) {
          if (!(error instanceof StorageError)) throw error;
          failures.push(error);
        }
      }
    })();
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    try {
      await pause(500);
      await cluster.server.citus!.stopWorker!(0);
      const beforeDown = acknowledged.length;
      await pause(1500);
      const duringDown = acknowledged.length - beforeDown;
      await cluster.server.citus!.startWorker!(0);
      await pause(1000);
      writing = false;
      await writer;
      expect(duringDown).toBeGreaterThan(0);
      expect(failures.length).toBeGreaterThan(0);
      for (const error of failures) expect(error).toMatchObject({ kind: 'connection', retryable: true });
      const stored = new Set((await store.list({}, { limit: 100_000 })).map((record) => record.id));
      expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    } finally {
      writing = false;
      await writer.catch(() => {});
      await cluster.server.citus!.startWorker!(0);
      await store.close();
    }
  });
});
