import type { StorageBackend } from '@recordstore/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgreSQLStorageBackend } from '../src/index.js';
import { citusAvailable, TEST_SHARD_COUNT, useCitusCluster } from './citus-fixture.js';
import { observingQueries } from './helpers.js';

/**
 * Query plans on the coordinator of a distributed store: EXPLAIN of exactly the statements the store sent
 * (captured from the pg client) shows which operations Citus routes to one shard and which fan out.
 */

interface Statement {
  text: string;
  values: unknown[];
}

/** Statements on storage_records sent by any pg client while `fn` runs (the store's pool included). */
async function captured(fn: () => Promise<unknown>): Promise<Statement[]> {
  const seen: Statement[] = [];
  await observingQueries((args) => {
    const [config, values] = args as [string | pg.QueryConfig, unknown[] | undefined];
    const text = typeof config === 'string' ? config : config?.text;
    if (typeof text === 'string' && /storage_records/.test(text) && !/^\s*EXPLAIN/i.test(text)) {
      seen.push({ text, values: (typeof config === 'string' ? values : config.values) ?? [] });
    }
  }, fn);
  return seen;
}

describe.skipIf(!citusAvailable('citus.explain'))('distributed: citus query plans', () => {
  const cluster = useCitusCluster();
  let store: StorageBackend;
  let url: string;

  async function explain(statement: Statement): Promise<string> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const result = await client.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN ${statement.text}`,
        statement.values,
      );
      return result.rows.map((row) => row['QUERY PLAN']).join('\n');
    } finally {
      await client.end();
    }
  }

  /** The plans of what `fn` sent; fails when it sent nothing. */
  async function plansOf(fn: () => Promise<unknown>): Promise<string[]> {
    const statements = await captured(fn);
    expect(statements.length).toBeGreaterThan(0);
    return Promise.all(statements.map(explain));
  }

  beforeAll(async () => {
    url = await cluster.server.createDatabase();
    store = new PostgreSQLStorageBackend({ url, distributed: 'citus', shard_count: TEST_SHARD_COUNT });
    await store.connect();
    // 20,000 rows in one statement (Citus copies them into the shards), then statistics on every shard.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(
        `INSERT INTO storage_records (id, data, created_at, updated_at, type, session_id, thread_id)
         SELECT 'r' || g, jsonb_build_object('user', 'u' || (g % 5000), 'n', g, 'text', repeat('x', 200)),
                to_timestamp(1700000000 + g), to_timestamp(1700000000 + g),
                'type' || (g % 200), 's' || (g % 2000), 'th' || (g % 2000)
           FROM generate_series(1, 20000) g`,
      );
      await client.query('ANALYZE storage_records');
    } finally {
      await client.end();
    }
  }, 120_000);
  afterAll(async () => {
    await store?.close();
  });

  it.each([
    ['load(id)', () => store.load('r42')],
    ['exists(id)', () => store.exists('r42')],
    ['save(record)', () => store.save({ id: 'r43', user: 'u1' })],
    ['update(id, changes)', () => store.update('r44', { user: 'u2' })],
    ['delete(id)', () => store.delete('r45')],
  ])('%s is routed to a single shard (Task Count: 1)', async (_name, operation) => {
    for (const plan of await plansOf(operation)) {
      expect(plan).toMatch(/Custom Scan \(Citus (Adaptive|Router)\)/);
      expect(plan).toMatch(/Task Count: 1\b/);
    }
  });

  it('deleteMany(ids) goes only to the shards of those ids', async () => {
    const [plan] = await plansOf(() => store.deleteMany(['r46', 'r47']));
    const tasks = Number(/Task Count: (\d+)/.exec(plan!)?.[1]);
    expect(tasks).toBeGreaterThanOrEqual(1);
    expect(tasks).toBeLessThanOrEqual(2);
  });

  it('a session_id list fans out to every shard with the ORDER BY and LIMIT pushed down to the workers', async () => {
    const [plan] = await plansOf(() => store.list({ session_id: 's42' }, { limit: 10 }));
    expect(plan).toMatch(new RegExp(`Task Count: ${TEST_SHARD_COUNT}\\b`));
    const task = plan!.slice(plan!.indexOf('->  Task'));
    expect(task).toMatch(/->\s+Limit/);
    expect(task).toMatch(/storage_records_session_id_created_at_idx_\d+/);
  });

  it('a data-field equality is served by the GIN index on the shards', async () => {
    const [plan] = await plansOf(() => store.list({ user: 'u42' }, { limit: 10 }));
    expect(plan).toMatch(new RegExp(`Task Count: ${TEST_SHARD_COUNT}\\b`));
    expect(plan).toMatch(/Bitmap Index Scan on storage_records_data_gin_idx_\d+/);
  });
});
