import { parseBackendConfig, StorageError, silentLogger, systemClock } from '@recordstore/core';
import { provisionPostgres } from '@recordstore/testkit/postgres';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  PostgreSQLStorageBackend,
  type PostgresConfig,
  type PostgresConfigInput,
  postgresBackend,
} from '../src/index.js';
import { migratePostgres } from '../src/migrate.js';
import { APPLY_SETTINGS_SQL } from '../src/postgres-tenancy.js';
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

  it('declared indexes on a distributed table: created with the fine histogram (coordinator), ranges answered right', async () => {
    const store = storeOn({ indexes: [{ path: 'score', type: 'numeric' }] });
    await store.connect();
    try {
      await store.saveMany(Array.from({ length: 300 }, (_, i) => ({ id: `r${i}`, score: i })));
      expect((await store.list({ score: { $gte: 10, $lt: 13 } })).map((r) => r.score).sort()).toEqual([
        10, 11, 12,
      ]);
      const client = new pg.Client({
        connectionString: cluster.url,
        options: `-c search_path=features_${schemas}`,
      });
      await client.connect();
      try {
        const { rows } = await client.query<{ target: number }>(
          `SELECT a.attstattarget::int AS target FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indexrelid
            WHERE i.indrelid = 'storage_records'::regclass AND a.attnum = 1
              AND pg_get_indexdef(i.indexrelid) LIKE '%score%'`,
        );
        expect(rows).toEqual([{ target: 1000 }]);
      } finally {
        await client.end();
      }
    } finally {
      await store.close();
    }
  });

  it('`recordstore migrate up` distributes (idempotently); auto_migrate off then connects, and refuses an undistributed table', async () => {
    const schema = `features_${++schemas}`;
    const base = { url: cluster.url, schema_name: schema, shard_count: TEST_SHARD_COUNT };
    // Migrated as a single-node store first: the tables exist but are local.
    await migratePostgres({
      config: parsedConfig({ url: cluster.url, schema_name: schema }),
      direction: 'up',
    });
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
    'refuses %s when the config is parsed and again at connect, saying why and what to use instead, creating nothing',
    async (key, config, message) => {
      const expected = { kind: 'config', path: `config.${key}` };
      // The constructor parses the config: refused there, with no server involved.
      let parsed: unknown;
      try {
        storeOn(config as PostgresConfigInput);
      } catch (error) {
        parsed = error;
      }
      expect(parsed).toBeInstanceOf(StorageError);
      expect(parsed).toMatchObject(expected);
      expect((parsed as StorageError).message).toMatch(message);
      // A config that reaches the driver without core's parse (its rules skipped) is refused at connect.
      const plain = parseBackendConfig(postgresBackend, {
        url: cluster.url,
        schema_name: `features_${++schemas}`,
      });
      const driver = postgresBackend.createDriver(
        { ...plain.config, ...(config as object), distributed: 'citus' } as PostgresConfig,
        { settings: plain.settings, clock: systemClock, logger: silentLogger },
      );
      const error = await failure(driver.open());
      await driver.close();
      expect(error).toMatchObject(expected);
      expect(error.message).toMatch(message);
      const schema = await cluster.sql('SELECT 1 FROM pg_namespace WHERE nspname = $1', [
        `features_${schemas}`,
      ]);
      expect(schema.rowCount).toBe(0);
    },
  );

  it('refuses shard_count without distributed, and distributed: citus where the extension is missing', async () => {
    const lone = failure(
      (async () =>
        new PostgreSQLStorageBackend({ url: cluster.url, schema_name: 'features_lone', shard_count: 8 }))(),
    );
    expect(await lone).toMatchObject({ kind: 'config', path: 'config.shard_count' });
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
      const before = await store.healthCheck();
      expect(before.status).toBe('healthy');
      expect(before.details.degraded).toBeUndefined();
      const healthy = before.details.citus as Record<string, unknown>;
      expect(healthy).toMatchObject({ status: 'ok', workers: 2, nodesDown: 0, shards: TEST_SHARD_COUNT });
      const nodes = healthy.nodes as {
        role: string;
        reachable: boolean;
        citusVersion: string;
        serverVersion: string;
        port: number;
      }[];
      expect(nodes.map((n) => n.role)).toEqual(['coordinator', 'worker', 'worker']);
      expect(nodes.map((n) => n.port).slice(1)).toEqual(cluster.workerPorts);
      for (const node of nodes) {
        expect(node).toMatchObject({ reachable: true, citusVersion: expect.stringMatching(/^13\./) });
        expect(node.serverVersion).toMatch(/^15\.\d+$/);
      }

      const down = cluster.workerPorts[1]!;
      await cluster.server.citus!.stopWorker!(1);
      try {
        const report = await store.healthCheck();
        // The store works (the coordinator and the other worker answer) but is impaired: degraded, not ok.
        expect(report.status).toBe('degraded');
        expect(report.error).toMatch(new RegExp(`citus worker [^ ]+:${down} is not reachable \\(2 shards`));
        expect(report.details.degraded).toHaveLength(1);
        const cluster1 = report.details.citus as { status: string; nodesDown: number; nodes: typeof nodes };
        expect(cluster1).toMatchObject({ status: 'degraded', nodesDown: 1 });
        expect(cluster1.nodes.map((n) => [n.port, n.reachable])).toEqual([
          [nodes[0]!.port, true],
          ...cluster.workerPorts.map((port) => [port, port !== down]),
        ]);
        expect(cluster1.nodes.find((n) => n.port === down)).toMatchObject({
          serverVersion: null,
          citusVersion: null,
        });
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
      const after = await store.healthCheck();
      expect(after.status).toBe('healthy');
      expect(after.details.citus).toMatchObject({ status: 'ok', nodesDown: 0 });
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

  it('tenancy stays refused: the set_config the store sends never reaches the shards (only SET LOCAL with propagation would)', async () => {
    // The measurement behind the tenant_id refusal, redone on every run, so a Citus that starts
    // forwarding set_config shows up here. Row-level security as a tenant store would turn it on, for a
    // DML-only role (the owner and superusers bypass it).
    const store = storeOn({ shard_count: TEST_SHARD_COUNT });
    await store.connect();
    await store.close();
    const schema = `features_${schemas}`;
    const role = `rs_tenant_${process.pid}`;
    await cluster.sql(`CREATE ROLE ${role} LOGIN PASSWORD 'tenant-pw' NOSUPERUSER NOBYPASSRLS`);
    const app = new URL(cluster.url);
    app.username = role;
    app.password = 'tenant-pw';
    const client = new pg.Client({ connectionString: app.toString(), options: `-c search_path=${schema}` });
    try {
      await cluster.sql(`GRANT USAGE ON SCHEMA ${schema} TO ${role}`);
      await cluster.sql(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${schema}.storage_records TO ${role}`);
      await cluster.sql(`ALTER TABLE ${schema}.storage_records ENABLE ROW LEVEL SECURITY`);
      const policies = await cluster.sql<{ result: string }>(
        `SELECT result FROM run_command_on_shards($1, $$SELECT count(*) FROM pg_policy WHERE polrelid = '%s'::regclass$$)`,
        [`${schema}.storage_records`],
      );
      expect(policies.rows.map((r) => r.result)).toEqual(Array(TEST_SHARD_COUNT).fill('1'));
      await cluster.sql(
        `INSERT INTO ${schema}.storage_records (id, data, created_at, updated_at, tenant_id)
         SELECT 'row-' || i, '{}', now(), now(), CASE WHEN i % 2 = 0 THEN 't1' ELSE 't2' END FROM generate_series(1, 20) i`,
      );
      await client.connect();
      const insert = (id: string) =>
        client.query(
          `INSERT INTO storage_records (id, data, created_at, updated_at) VALUES ($1, '{}', now(), now())`,
          [id],
        );
      const visible = async () =>
        (
          await client.query<{ tenant: string | null; n: number }>(
            'SELECT tenant_id AS tenant, count(*)::int AS n FROM storage_records GROUP BY 1 ORDER BY 1',
          )
        ).rows;

      // What the store sends (set_config in the statement's transaction): the shards never see the tenant.
      await client.query('BEGIN');
      await client.query(APPLY_SETTINGS_SQL, ['t1', '']);
      expect(await visible()).toEqual([]);
      await expect(insert('new-1')).rejects.toThrow(
        /violates row-level security policy for table "storage_records_\d+"/,
      );
      await client.query('ROLLBACK');

      // SET LOCAL under citus.propagate_set_commands = 'local' does reach them (no bind parameters there).
      for (const tenant of ['t1', 't2']) {
        await client.query('BEGIN');
        await client.query(
          `SET LOCAL citus.propagate_set_commands = 'local'; SET LOCAL recordstore.tenant_id = '${tenant}'`,
        );
        await insert(`new-${tenant}`);
        expect(await visible()).toEqual([{ tenant, n: 11 }]);
        await client.query('COMMIT');
      }
    } finally {
      await client.end().catch(() => {});
      await cluster.sql(`DROP OWNED BY ${role}`).catch(() => {});
      await cluster.sql(`DROP ROLE IF EXISTS ${role}`).catch(() => {});
    }
  });
});
