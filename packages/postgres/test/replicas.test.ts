import { isStorageError, type StorageError } from '@recordstore/core';
import { type ProvisionedPostgres, provisionPostgres } from '@recordstore/testkit/postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PostgreSQLStorageBackend, type ReplicaHealth } from '../src/index.js';
import { migratePostgres } from '../src/migrate.js';
import type { PostgresConfigInput } from '../src/postgres-config.js';
import { withDatabase } from './helpers.js';
import { parsedConfig } from './parsed-config.js';
import { caughtUp, sql, until } from './replica-helpers.js';

/**
 * Read/write split against a real streaming replica (pg_basebackup -R of a throwaway local cluster).
 *
 * How the tests know which server answered: replay on the replica is PAUSED (pg_wal_replay_pause), then a
 * record is written on the primary. While paused the replica cannot see it, so a read that finds the record
 * was served by the primary and one that misses it was served by the replica. The metrics' per-role
 * statement counters confirm it independently.
 */

/** `healthCheck().details.replication`. */
interface ReplicationDetails {
  readPreference: string;
  replicasUp: number;
  replicasDown: number;
  replicas: ReplicaHealth[];
  standbys: { state: string | null }[];
}

async function replication(backend: PostgreSQLStorageBackend): Promise<ReplicationDetails> {
  return (await backend.healthCheck()).details.replication as ReplicationDetails;
}

let server: ProvisionedPostgres;
let primaryUrl: string;
let replicaUrl: string;
let replicaPort: number;
const open: PostgreSQLStorageBackend[] = [];

const pauseReplay = () => sql(replicaUrl, 'SELECT pg_wal_replay_pause()');
const resumeReplay = () => sql(replicaUrl, 'SELECT pg_wal_replay_resume()');

const caughtUpNow = () => caughtUp(primaryUrl, replicaUrl);

async function store(config: PostgresConfigInput = {}): Promise<PostgreSQLStorageBackend> {
  const backend = new PostgreSQLStorageBackend({
    url: primaryUrl,
    replicas: [`127.0.0.1:${replicaPort}`],
    connection_pool_size: 1,
    connection_pool_max_overflow: 3,
    read_your_writes_window_ms: 400,
    replica_backoff_ms: 60_000,
    metrics_enabled: true,
    ...config,
  });
  open.push(backend);
  await backend.connect();
  return backend;
}

/** Count of statements a store ran on servers of `target` (from its metrics). */
async function statements(backend: PostgreSQLStorageBackend, target: 'primary' | 'replica'): Promise<number> {
  const text = await backend.metrics();
  let total = 0;
  for (const m of text.matchAll(
    new RegExp(`^recordstore_query_duration_seconds_count\\{target="${target}",kind="\\w+"\\} (\\d+)`, 'gm'),
  )) {
    total += Number(m[1]);
  }
  return total;
}

async function rejection(promise: Promise<unknown>): Promise<StorageError> {
  try {
    await promise;
  } catch (error) {
    if (isStorageError(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  // Forced 'local': the run's shared server (url provider) cannot grow a replica.
  server = await provisionPostgres({ replicas: 1, provider: 'local' });
  primaryUrl = await server.createDatabase();
  await migratePostgres({ config: parsedConfig({ url: primaryUrl }), direction: 'up' });
  const database = new URL(primaryUrl).pathname.slice(1);
  replicaUrl = withDatabase(server.replicaUrls![0]!, database);
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
  await resumeReplay().catch(() => {});
  await server.startReplica?.(0);
});

afterAll(async () => {
  await server?.stop();
});

describe('read replicas', () => {
  it('provisionPostgres({ replicas: 1 }) gives a streaming hot standby', async () => {
    const { rows } = await sql<{ r: boolean }>(replicaUrl, 'SELECT pg_is_in_recovery() AS r');
    expect(rows[0]!.r).toBe(true);
    const standbys = await sql<{ state: string }>(primaryUrl, 'SELECT state FROM pg_stat_replication');
    expect(standbys.rows.map((r) => r.state)).toEqual(['streaming']);
  });

  it('reads go to the replica, writes to the primary', async () => {
    const s = await store();
    const writer = await store({ replicas: [] });
    await caughtUpNow();
    await pauseReplay();
    const id = await writer.save({ type: 'note', session_id: 'elsewhere', text: 'written on the primary' });
    // The replica has not replayed it: every read below misses it, so the replica answered.
    expect(await s.load(id)).toBeNull();
    expect(await s.exists(id)).toBe(false);
    expect(await s.count({ type: 'note' })).toBe(0);
    expect(await s.list({ session_id: 'elsewhere' })).toEqual([]);
    const streamed = [];
    for await (const r of s.stream({ type: 'note' })) streamed.push(r);
    expect(streamed).toEqual([]);
    expect(await statements(s, 'replica')).toBeGreaterThanOrEqual(5);
    // Writes go to the primary (the replica is read-only: a write there would fail).
    const own = await s.save({ type: 'note', session_id: 'mine', text: 'x' });
    expect((await sql(primaryUrl, 'SELECT 1 FROM storage_records WHERE id = $1', [own])).rowCount).toBe(1);
    await resumeReplay();
    await until(async () => (await s.load(id)) !== null, 'the replica to show the record');
  });

  it('read-your-writes: the same session and ids read from the primary during the window', async () => {
    const s = await store();
    await caughtUpNow();
    await pauseReplay();
    const id = await s.save({ type: 'chat', session_id: 's1', text: 'hello' });
    // The replica cannot have it (paused): these reads found it on the primary.
    expect((await s.load(id))?.text).toBe('hello');
    expect(await s.exists(id)).toBe(true);
    expect((await s.getBySession('s1')).map((r) => r.id)).toEqual([id]);
    expect(await s.count({ session_id: 's1', type: 'chat' })).toBe(1);
    // A read outside the scope (no session, other session) still goes to the (stale) replica.
    expect(await s.count({ type: 'chat' })).toBe(0);
    expect(await s.getBySession('s2')).toEqual([]);
    // A transaction's writes open the window too.
    const inTx = await s.transaction(async (tx) => tx.save({ type: 'chat', session_id: 's3', text: 'tx' }));
    expect((await s.getBySession('s3')).map((r) => r.id)).toEqual([inTx]);
    // deleteMany by ids marks them: the deleted record is not resurrected by the stale replica.
    expect(await s.deleteMany([id])).toBe(1);
    expect(await s.load(id)).toBeNull();
    // After the window, reads go back to the replica, which is still paused and stale.
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await s.getBySession('s3')).toEqual([]);
    expect(await s.load(inTx)).toBeNull();
    // The explicit scope sends any read to the primary.
    expect((await s.primaryReads(() => s.getBySession('s3'))).map((r) => r.id)).toEqual([inTx]);
    expect((await s.primaryReads(() => s.load(inTx)))?.text).toBe('tx');
  });

  it("read_your_writes_window_ms: 0 sends even the writer's own reads to the replica", async () => {
    const s = await store({ read_your_writes_window_ms: 0 });
    await caughtUpNow();
    await pauseReplay();
    const id = await s.save({ session_id: 's9', text: 'x' });
    expect(await s.load(id)).toBeNull();
  });

  it('read_preference primary keeps every read on the primary', async () => {
    const s = await store({ read_preference: 'primary' });
    await caughtUpNow();
    await pauseReplay();
    const writer = await store({ replicas: [] });
    const id = await writer.save({ session_id: 'other', text: 'x' });
    expect(await s.load(id)).not.toBeNull();
    expect(await statements(s, 'replica')).toBe(0);
  });

  it("health reports the replica, its replay lag and the primary's standbys", async () => {
    const s = await store();
    await caughtUpNow();
    const health = await s.healthCheck();
    expect(health.status).toBe('healthy');
    const details = health.details.replication as ReplicationDetails;
    expect(details).toMatchObject({
      readPreference: 'replica_preferred',
      replicasUp: 1,
      replicasDown: 0,
    });
    expect(details.replicas[0]).toMatchObject({
      replica: `127.0.0.1:${replicaPort}`,
      status: 'up',
      inRecovery: true,
      lagMs: 0,
    });
    expect(details.standbys).toHaveLength(1);
    expect(details.standbys[0]?.state).toBe('streaming');
    // While replay is paused and the primary writes, the replica falls behind and health says so.
    await pauseReplay();
    await s.save({ text: 'behind' });
    await until(async () => {
      const r = await sql<{ b: boolean }>(
        replicaUrl,
        'SELECT pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn() AS b',
      );
      return r.rows[0]!.b;
    }, 'the replica to receive WAL it does not replay');
    await new Promise((resolve) => setTimeout(resolve, 30));
    const lagging = await replication(s);
    expect(lagging.replicas[0]?.lagMs).toBeGreaterThan(0);
    expect(lagging.replicas[0]?.replayPendingBytes).toBeGreaterThan(0);
    expect(await s.metrics()).toMatch(
      new RegExp(
        // Any positive number of seconds: on a busy machine the lag passes one second.
        `^recordstore_replica_lag_seconds\\{replica="127.0.0.1:${replicaPort}"\\} (?:0\\.\\d*[1-9]|[1-9][\\d.]*)`,
        'm',
      ),
    );
  });

  it('a replica that is down is skipped (replica_preferred falls back to the primary) and reported', async () => {
    const s = await store();
    const id = await s.save({ session_id: 'down', text: 'kept' });
    await caughtUpNow();
    await server.stopReplica!(0);
    await new Promise((resolve) => setTimeout(resolve, 450)); // past the read-your-writes window
    const before = await statements(s, 'primary');
    expect((await s.load(id))?.text).toBe('kept');
    expect((await s.getBySession('down')).map((r) => r.id)).toEqual([id]);
    expect(await statements(s, 'primary')).toBeGreaterThan(before);
    const health = await s.healthCheck();
    // The primary serves everything, but a configured replica is down: degraded, with the reason.
    expect(health.status).toBe('degraded');
    expect(health.error).toMatch(new RegExp(`replica 127\\.0\\.0\\.1:${replicaPort} is down`));
    expect(health.details.degraded).toHaveLength(1);
    const details = health.details.replication as ReplicationDetails;
    expect(details).toMatchObject({ replicasUp: 0, replicasDown: 1 });
    expect(details.replicas[0]).toMatchObject({ status: 'down' });
    expect(details.replicas[0]?.error).toMatch(/connect|ECONNREFUSED|refused/i);
    expect(await s.metrics()).toMatch(
      new RegExp(`^recordstore_replica_up\\{replica="127.0.0.1:${replicaPort}"\\} 0$`, 'm'),
    );

    // read_preference: replica never falls back: the read fails, retryable.
    const strict = await store({ read_preference: 'replica' });
    const error = await rejection(strict.load(id));
    expect(error.kind).toBe('connection');
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/no replica is available/);
    // Writes do not need the replica.
    await strict.save({ text: 'still writable' });

    // Back up: a health check probes it and ends the back-off; reads return to the replica.
    await server.startReplica!(0);
    const again = await replication(s);
    expect(again).toMatchObject({ replicasUp: 1, replicasDown: 0 });
    expect((await s.healthCheck()).status).toBe('healthy');
    const onReplica = await statements(s, 'replica');
    expect((await s.load(id))?.text).toBe('kept');
    expect(await statements(s, 'replica')).toBeGreaterThan(onReplica);
  });
});
