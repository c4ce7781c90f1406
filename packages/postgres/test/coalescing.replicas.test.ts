import { type ProvisionedPostgres, provisionPostgres } from '@recordstore/testkit/postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PostgreSQLStorageBackend } from '../src/index.js';
import { migratePostgres } from '../src/migrate.js';
import type { PostgresConfigInput } from '../src/postgres-config.js';
import { withDatabase } from './helpers.js';
import { parsedConfig } from './parsed-config.js';
import { caughtUp, sql, until } from './replica-helpers.js';

/**
 * Coalesced reads route like the calls they replace, against a real streaming replica whose replay is
 * PAUSED: a read that sees the primary's latest value was served by the primary, one that sees the older
 * value (or misses a new record) by the replica.
 */

let server: ProvisionedPostgres;
let primaryUrl: string;
let replicaUrl: string;
let replicaPort: number;
const open: PostgreSQLStorageBackend[] = [];

const caughtUpNow = () => caughtUp(primaryUrl, replicaUrl);

async function store(config: PostgresConfigInput = {}): Promise<PostgreSQLStorageBackend> {
  const backend = new PostgreSQLStorageBackend({
    url: primaryUrl,
    replicas: [`127.0.0.1:${replicaPort}`],
    connection_pool_size: 2,
    read_your_writes_window_ms: 60_000,
    replica_backoff_ms: 60_000,
    ...config,
  });
  open.push(backend);
  await backend.connect();
  return backend;
}

beforeAll(async () => {
  server = await provisionPostgres({ replicas: 1, provider: 'local' });
  primaryUrl = await server.createDatabase();
  await migratePostgres({ config: parsedConfig({ url: primaryUrl }), direction: 'up' });
  replicaUrl = withDatabase(server.replicaUrls![0]!, new URL(primaryUrl).pathname.slice(1));
  replicaPort = Number(new URL(replicaUrl).port);
  await until(async () => {
    const r = await sql<{ t: string | null }>(
      replicaUrl,
      "SELECT to_regclass('storage_records')::text AS t",
    ).catch(() => null);
    return r?.rows[0]?.t === 'storage_records';
  }, 'the migrated table on the replica');
}, 120_000);

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close().catch(() => {})));
  await sql(replicaUrl, 'SELECT pg_wal_replay_resume()').catch(() => {});
});

afterAll(async () => {
  await server?.stop();
});

describe('coalescing with read replicas', () => {
  it('a batch routes each id as its own call would: recent writes on the primary, the rest on the replica', async () => {
    const s = await store();
    const writer = await store({ replicas: [] });
    const old = ['old0', 'old1', 'old2', 'old3'];
    await writer.saveMany(old.map((id) => ({ id, v: 1 })));
    await caughtUpNow();
    await sql(replicaUrl, 'SELECT pg_wal_replay_pause()');
    // Another store rewrites them: not a write of `s`, so its reads of them stay on the (stale) replica.
    await writer.saveMany(old.map((id) => ({ id, v: 2 })));
    // `s` writes these itself: read-your-writes sends its reads of them to the primary.
    await s.saveMany([
      { id: 'mine0', v: 9 },
      { id: 'mine1', v: 9 },
    ]);
    const asked = [...old, 'mine0', 'mine1'];
    const [loaded, present] = await Promise.all([
      Promise.all(asked.map((id) => s.load(id))),
      Promise.all(asked.map((id) => s.exists(id))),
    ]);
    expect(loaded.map((r) => r?.v)).toEqual([1, 1, 1, 1, 9, 9]);
    expect(present).toEqual([true, true, true, true, true, true]);
    // primaryReads is its own scope: its loads batch apart and read the primary, the others the replica.
    const mixed = await Promise.all([
      s.primaryReads(() => s.load('old0')),
      s.load('old1'),
      s.primaryReads(() => s.load('old2')),
      s.load('old3'),
    ]);
    expect(mixed.map((r) => r?.v)).toEqual([2, 1, 2, 1]);
  });
});
