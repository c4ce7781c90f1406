import { runConformanceSuite } from '@recordstore/testkit';
import { type ProvisionedPostgres, provisionPostgres } from '@recordstore/testkit/postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PostgreSQLStorageBackend } from '../src/index.js';
import { type PgBouncer, startPgBouncer } from './pgbouncer-fixture.js';

/**
 * The whole conformance suite through Debian's PgBouncer 1.18 in TRANSACTION pooling mode, where
 * consecutive statements of one client may run on different server connections: nothing may rely on
 * session state (named prepared statements, SET, temp tables, session advisory locks, search_path given as
 * a startup parameter). The store runs with `prepared_statements: false`; each conformance store is its
 * own database (cloned from the migrated template) in schema public, reached as `/<database>` through
 * PgBouncer's wildcard entry, so no `options` startup parameter is sent.
 */

let server: ProvisionedPostgres;
let bouncer: PgBouncer;
const databases = new Map<string, string>();
/** Databases whose store was cleaned up (emptied), reused for new stores: cloning costs far more. */
const spare: string[] = [];

beforeAll(async () => {
  server = await provisionPostgres();
  // A small server pool, so that the suite's concurrent work really multiplexes connections.
  bouncer = await startPgBouncer(server.url, { poolSize: 4 });
}, 60_000);

afterAll(async () => {
  await bouncer?.stop();
  await server?.stop();
});

async function databaseFor(storeKey: string): Promise<string> {
  let name = databases.get(storeKey);
  if (name === undefined) {
    name = spare.pop();
    if (name === undefined) {
      const url = await server.createDatabase({ template: inject('recordstorePostgresTemplate') });
      name = new URL(url).pathname.slice(1);
    }
    databases.set(storeKey, name);
  }
  return name;
}

runConformanceSuite({
  name: 'postgresql behind pgbouncer (transaction pooling)',
  createBackend: async ({ config, clock, storeKey }) =>
    new PostgreSQLStorageBackend(
      {
        ...config,
        url: bouncer.url(await databaseFor(storeKey)),
        prepared_statements: false,
        connection_pool_size: 2,
        connection_pool_max_overflow: 8,
      },
      { clock },
    ),
  cleanup: async (storeKey) => {
    const name = databases.get(storeKey);
    if (name === undefined) return;
    databases.delete(storeKey);
    // Emptied directly on the server (not through the pooler), then handed to the next new store.
    const url = new URL(server.url);
    url.pathname = `/${name}`;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      await client.query('TRUNCATE storage_records');
    } finally {
      await client.end();
    }
    spare.push(name);
  },
  // Fewer property runs: every run goes through the pooler twice (store and reference).
  propertyRuns: 25,
});

describe('behind pgbouncer (transaction pooling)', () => {
  it('statements of one pg connection really land on different server connections', async () => {
    // The premise of this file: in transaction mode session state does not survive between statements.
    const name = await databaseFor('premise_check');
    const clients = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const c = new pg.Client({ connectionString: bouncer.url(name) });
        await c.connect();
        return c;
      }),
    );
    try {
      const pids = new Set<number>();
      await Promise.all(
        clients.map(async (c) => {
          for (let i = 0; i < 5; i += 1) {
            const { rows } = await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid, pg_sleep(0.01)');
            pids.add(rows[0]!.pid);
          }
        }),
      );
      expect(pids.size).toBeLessThanOrEqual(4);
      // Named prepared statements are what prepared_statements: false avoids: PgBouncer 1.18 loses them.
      const c = clients[0]!;
      const errors: unknown[] = [];
      await Promise.all(
        clients.map((other, i) =>
          other
            .query({ name: `probe_${i}`, text: 'SELECT $1::int AS n, pg_sleep(0.02)', values: [i] })
            .catch((e) => errors.push(e)),
        ),
      );
      for (let i = 0; i < 6; i += 1) {
        await c
          .query({ name: `probe_${i}`, text: 'SELECT $1::int AS n, pg_sleep(0.02)', values: [i] })
          .catch((e) => errors.push(e));
      }
      expect(errors.length).toBeGreaterThan(0);
    } finally {
      await Promise.all(clients.map((c) => c.end().catch(() => {})));
    }
  });

  it('a store with metrics, concurrent writes and transactions works through the pooler', async () => {
    const name = await databaseFor('busy_store');
    const store = new PostgreSQLStorageBackend({
      url: bouncer.url(name),
      prepared_statements: false,
      connection_pool_size: 4,
      connection_pool_max_overflow: 12,
      metrics_enabled: true,
    });
    await store.connect();
    try {
      const ids = await Promise.all(
        Array.from({ length: 40 }, (_, i) => store.save({ session_id: `s${i % 4}`, n: i })),
      );
      await Promise.all(ids.map((id, i) => store.transaction(async (tx) => tx.update(id, { n: i + 1000 }))));
      expect(await store.count({ n: { $gte: 1000 } })).toBe(40);
      expect((await store.getBySession('s1')).length).toBe(10);
      const health = await store.healthCheck();
      expect(health.status).toBe('healthy');
      expect(health.details.preparedStatements).toBe(false);
      expect(await store.metrics()).toMatch(
        /recordstore_operations_total\{operation="transaction",outcome="ok"\} 40/,
      );
    } finally {
      await store.close();
    }
  });
});
