import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertCitusInstalled } from '../src/provision/citus-cluster.js';
import {
  CITUS_WORKER_URLS_ENV,
  citusUnavailableReason,
  createTemplateDatabase,
  POSTGRES_PROVIDER_ENV,
  POSTGRES_URL_ENV,
  type ProvisionedPostgres,
  provisionPostgres,
} from '../src/provision/index.js';
import { query, rejection } from './helpers/provision-helpers.js';

const unavailable = await citusUnavailableReason();
const CITUS_INSTALLED = unavailable === undefined;
if (unavailable !== undefined) console.log(`provision-citus: cluster tests NOT RUN: ${unavailable}`);

/** Worker ports holding shards of `table`, and its row count, seen from the coordinator. */
async function placement(url: string, table: string): Promise<{ ports: number[]; rows: number }> {
  const ports = await query<{ port: number }>(
    url,
    `SELECT DISTINCT nodeport AS port FROM citus_shards WHERE table_name = '${table}'::regclass ORDER BY 1`,
  );
  const [count] = await query<{ n: number }>(url, `SELECT count(*)::int AS n FROM ${table}`);
  return { ports: ports.map((row) => row.port), rows: count?.n ?? -1 };
}

async function distributeRecords(url: string, rows: number): Promise<void> {
  await query(url, 'CREATE TABLE records (id text PRIMARY KEY, data jsonb NOT NULL)');
  await query(url, "SELECT create_distributed_table('records', 'id')");
  await query(url, `INSERT INTO records SELECT g::text, '{}' FROM generate_series(1, ${rows}) g`);
}

describe('provisionPostgres({ citus }) options', () => {
  it('refuses a bad worker count, a conflicting provider and replicas', async () => {
    expect((await rejection(provisionPostgres({ citus: { workers: 0 } }))).kind).toBe('config');
    expect((await rejection(provisionPostgres({ citus: { workers: 1.5 } }))).kind).toBe('config');
    const conflict = await rejection(provisionPostgres({ citus: {}, provider: 'local' }));
    expect(conflict.message).toMatch(
      /options\.citus asks for a Citus cluster but options\.provider is 'local'/,
    );
    const replicas = await rejection(provisionPostgres({ citus: {}, replicas: 1 }));
    expect(replicas.kind).toBe('unsupported');
  });

  it('names build-citus.sh when the extension is not installed', async () => {
    const fakeBin = await mkdtemp(join(tmpdir(), 'no-citus-'));
    try {
      const error = await rejection(assertCitusInstalled(join(fakeBin, 'bin')));
      expect(error.kind).toBe('unavailable');
      expect(error.provider).toBe('citus');
      expect(error.message).toContain('bash ../shared/citus/build-citus.sh');
      expect(error.message).toContain('no citus.so');
    } finally {
      await rm(fakeBin, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!CITUS_INSTALLED)('provisionPostgres({ citus: { workers: 2 } })', () => {
  let cluster: ProvisionedPostgres;
  const lines: string[] = [];

  beforeAll(async () => {
    cluster = await provisionPostgres({ citus: { workers: 2 }, log: (line) => lines.push(line) });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('serves a coordinator with two active workers, registered in its postgres database', async () => {
    expect(cluster.provider).toBe('citus');
    expect(cluster.citus?.version).toMatch(/^\d+\.\d+/);
    expect(cluster.citus?.workerUrls).toHaveLength(2);
    expect(cluster.source).toMatch(/Citus .* coordinator and 2 workers/);
    const nodes = await query<{ port: number; group: number }>(
      cluster.url,
      'SELECT nodeport AS port, groupid AS "group" FROM pg_dist_node WHERE isactive AND noderole = \'primary\' ORDER BY groupid',
    );
    const workerPorts = cluster.citus!.workerUrls.map((url) => Number(new URL(url).port));
    expect(nodes).toEqual([
      { port: cluster.port, group: 0 },
      ...workerPorts.map((port, i) => ({ port, group: i + 1 })),
    ]);
    for (const url of cluster.citus!.workerUrls) {
      const [row] = await query<{ preload: string }>(
        url,
        "SELECT current_setting('shared_preload_libraries') AS preload",
      );
      expect(row?.preload).toBe('citus');
    }
    expect(lines.some((line) => /citus: Citus .* ready in \d+ ms/.test(line))).toBe(true);
  });

  it('createDatabase() gives a distributed database: a distributed table spreads over both workers', async () => {
    const url = await cluster.createDatabase();
    await distributeRecords(url, 200);
    const { ports, rows } = await placement(url, 'records');
    expect(ports).toEqual(cluster.citus!.workerUrls.map((u) => Number(new URL(u).port)).sort());
    expect(rows).toBe(200);
    const [plan] = await query<{ 'QUERY PLAN': string }>(url, "EXPLAIN SELECT * FROM records WHERE id = '7'");
    expect(plan?.['QUERY PLAN']).toMatch(/Custom Scan \(Citus Adaptive\)/);
    // The same database exists on each worker, holding shards (Citus hides them from pg_class by default).
    for (const workerUrl of cluster.citus!.workerUrlsFor(url)) {
      const [row] = await query<{ n: number }>(
        workerUrl,
        'SELECT count(*)::int AS n FROM citus_shards_on_worker WHERE "Name" LIKE \'records\\_%\'',
      );
      expect(row?.n).toBeGreaterThan(0);
    }
    await cluster.dropDatabase(url);
    const name = new URL(url).pathname.slice(1);
    for (const nodeUrl of [cluster.url, ...cluster.citus!.workerUrls]) {
      expect(await query(nodeUrl, `SELECT 1 FROM pg_database WHERE datname = '${name}'`)).toEqual([]);
    }
  });

  it('clones a template prepared through the coordinator on every node, independently', async () => {
    const template = await createTemplateDatabase(cluster, 'rs_citus_tpl', (url) =>
      distributeRecords(url, 50),
    );
    const [a, b] = await Promise.all([
      cluster.createDatabase({ template }),
      cluster.createDatabase({ template }),
    ]);
    await query(a!, "INSERT INTO records VALUES ('extra', '{}')");
    expect((await placement(a!, 'records')).rows).toBe(51);
    const inB = await placement(b!, 'records');
    expect(inB.rows).toBe(50);
    expect(inB.ports).toHaveLength(2);
  });

  it('stopWorker / startWorker take a worker down and bring it back', async () => {
    const url = await cluster.createDatabase();
    await distributeRecords(url, 20);
    await cluster.citus!.stopWorker!(1);
    await expect(query(url, 'SELECT count(*) FROM records')).rejects.toThrow(/connection|connect/i);
    await cluster.citus!.startWorker!(1);
    expect((await placement(url, 'records')).rows).toBe(20);
    await expect(cluster.citus!.stopWorker!(2)).rejects.toThrow(/no Citus worker 2/);
  });

  it('hands over to the url provider: RECORDSTORE_TEST_CITUS_WORKER_URLS keeps databases distributed', async () => {
    const saved = [POSTGRES_URL_ENV, POSTGRES_PROVIDER_ENV, CITUS_WORKER_URLS_ENV].map((k) => process.env[k]);
    process.env[POSTGRES_URL_ENV] = cluster.url;
    process.env[POSTGRES_PROVIDER_ENV] = 'url';
    process.env[CITUS_WORKER_URLS_ENV] = cluster.citus!.workerUrls.join(',');
    try {
      const attached = await provisionPostgres();
      try {
        expect(attached.provider).toBe('url');
        expect(attached.citus?.workerUrls).toEqual(cluster.citus!.workerUrls);
        const url = await attached.createDatabase();
        await distributeRecords(url, 30);
        expect((await placement(url, 'records')).ports).toHaveLength(2);
      } finally {
        await attached.stop();
      }
    } finally {
      [POSTGRES_URL_ENV, POSTGRES_PROVIDER_ENV, CITUS_WORKER_URLS_ENV].forEach((key, i) => {
        if (saved[i] === undefined) delete process.env[key];
        else process.env[key] = saved[i];
      });
    }
  });
});

describe.skipIf(!CITUS_INSTALLED)('RECORDSTORE_TEST_POSTGRES_PROVIDER=citus', () => {
  it('starts a 2-worker cluster; stop() stops every node', async () => {
    const saved = process.env[POSTGRES_PROVIDER_ENV];
    process.env[POSTGRES_PROVIDER_ENV] = 'citus';
    let cluster: ProvisionedPostgres | undefined;
    try {
      cluster = await provisionPostgres();
      expect(cluster.provider).toBe('citus');
      expect(cluster.citus?.workerUrls).toHaveLength(2);
      const urls = [cluster.url, ...cluster.citus!.workerUrls];
      await cluster.stop();
      for (const url of urls) await expect(query(url, 'SELECT 1')).rejects.toThrow(/ECONNREFUSED|connect/);
      expect(existsSync(cluster.dataDir!)).toBe(false);
    } finally {
      if (saved === undefined) delete process.env[POSTGRES_PROVIDER_ENV];
      else process.env[POSTGRES_PROVIDER_ENV] = saved;
      await cluster?.stop();
    }
  }, 120_000);
});
