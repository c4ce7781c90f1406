import { isStorageError, type StorageError } from '@recordstore/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgreSQLStorageBackend } from '../src/index.js';
import { type DedicatedCluster, dedicatedCluster } from './dedicated-cluster.js';

/**
 * Fault injection on a cluster of this file's own: the server is restarted (fast and immediate) under a
 * load of saves, stopped before connect, and slowed down with pg_sleep.
 */

let cluster: DedicatedCluster;
let url: string;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Faults injected by this file, for the README's counts. */
let faultsInjected = 0;

beforeAll(async () => {
  cluster = await dedicatedCluster();
  // The throwaway cluster turns synchronous_commit off for speed; with it off, an immediate shutdown
  // may lose commits that were already acknowledged, which is exactly what this file checks does not happen.
  await cluster.appendConf('synchronous_commit = on');
  await cluster.pgCtl('restart', '-m', 'fast');
  url = cluster.url(await cluster.migratedDatabase('faults'));
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  console.info(`[faults] ${faultsInjected} faults injected`);
});

async function presentIds(ids: string[]): Promise<Set<string>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ id: string }>('SELECT id FROM storage_records WHERE id = ANY($1)', [
      ids,
    ]);
    return new Set(result.rows.map((r) => r.id));
  } finally {
    await client.end();
  }
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

describe.each(['fast', 'immediate'] as const)('PostgreSQL restarted (-m %s) under load', (mode) => {
  it('every acknowledged save is stored, in-flight calls fail with kind connection (retryable), the same store recovers', async () => {
    const store = new PostgreSQLStorageBackend({
      url,
      connection_pool_size: 4,
      connect_timeout: 2,
      command_timeout: 10,
    });
    await store.connect();
    const acknowledged: string[] = [];
    const failures: StorageError[] = [];
    const untyped: unknown[] = [];
    let stop = false;
    let restarted = false;
    let afterRestart = 0;
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const id = `${mode}-${w}-${i}`;
        try {
          await store.save({ id, w, i, payload: 'x'.repeat(200) });
          acknowledged.push(id);
          if (restarted) afterRestart++;
        } catch (error) {
          if (isStorageError(error)) failures.push(error);
          else untyped.push(error);
          await sleep(20);
        }
      }
    };
    const workers = Array.from({ length: 8 }, (_, w) => worker(w));
    await sleep(400);
    const before = acknowledged.length;
    await cluster.pgCtl('restart', '-m', mode);
    faultsInjected++;
    restarted = true;
    // Keep the load on until the same store object has written again after the restart.
    const deadline = Date.now() + 20_000;
    while (afterRestart < 50 && Date.now() < deadline) await sleep(50);
    stop = true;
    await Promise.all(workers);
    await store.close();

    expect(before).toBeGreaterThan(0);
    expect(afterRestart, 'the store did not recover after the restart').toBeGreaterThanOrEqual(50);
    expect(untyped).toEqual([]);
    expect(failures.length, 'no call was in flight during the restart').toBeGreaterThan(0);
    for (const failure of failures) {
      expect({ kind: failure.kind, retryable: failure.retryable }, failure.message).toEqual({
        kind: 'connection',
        retryable: true,
      });
    }
    const present = await presentIds(acknowledged);
    const lost = acknowledged.filter((id) => !present.has(id));
    expect(lost, `${lost.length} of ${acknowledged.length} acknowledged saves lost`).toEqual([]);
  }, 60_000);
});

describe('a batch interrupted half way', () => {
  it('saveMany of 100,000 records killed by an immediate restart leaves none of its rows', async () => {
    const store = new PostgreSQLStorageBackend({
      url,
      connection_pool_size: 1,
      batch_size: 100,
      application_name: 'rs_faults_batch',
    });
    await store.connect();
    const records = Array.from({ length: 100_000 }, (_, i) => ({ id: `batch-${i}`, i }));
    const pending = rejection(store.saveMany(records));
    // Wait until the batch's transaction is open on the server and has written some statements.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { rows } = await cluster.sql<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'rs_faults_batch' AND xact_start IS NOT NULL",
      );
      if (rows[0]!.n > 0 || Date.now() > deadline) break;
      await sleep(10);
    }
    await sleep(300);
    await cluster.pgCtl('restart', '-m', 'immediate');
    faultsInjected++;
    const error = await pending;
    expect(error).toMatchObject({ kind: 'connection', retryable: true });
    expect((await presentIds(records.map((r) => r.id))).size).toBe(0);
    // The same store object works again.
    expect(await store.saveMany(records.slice(0, 10))).toHaveLength(10);
    expect((await presentIds(records.slice(0, 20).map((r) => r.id))).size).toBe(10);
    await store.close();
  }, 60_000);
});

describe('server down at start', () => {
  it('connect() to a stopped server fails with kind connection within connect_timeout; the same object connects once it is up', async () => {
    await cluster.pgCtl('stop', '-m', 'fast');
    faultsInjected++;
    const store = new PostgreSQLStorageBackend({ url, connect_timeout: 1, connection_pool_size: 1 });
    try {
      const started = Date.now();
      const error = await rejection(store.connect());
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(error).toMatchObject({ kind: 'connection', retryable: true });
      expect(error.message).toMatch(/reach|connect/i);
    } finally {
      await cluster.pgCtl('start');
    }
    await store.connect();
    expect(await store.save({ id: 'after-start' })).toBe('after-start');
    await store.close();
  }, 60_000);
});

describe('slow statements (pg_sleep in a trigger)', () => {
  beforeAll(async () => {
    // A trigger that sleeps for records of type "slow": a real long-running statement on the save path.
    await cluster.sql(
      `CREATE FUNCTION slow_save() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN IF NEW.type = 'slow' THEN PERFORM pg_sleep(3); END IF; RETURN NEW; END $$;
       CREATE TRIGGER slow_save BEFORE INSERT OR UPDATE ON storage_records FOR EACH ROW EXECUTE FUNCTION slow_save();`,
      [],
      'faults',
    );
  });

  it('statement_timeout: the server cancels a pg_sleep(3) save after 200 ms with kind timeout (57014), nothing stored', async () => {
    const store = new PostgreSQLStorageBackend({ url, statement_timeout: 200, command_timeout: 0 });
    await store.connect();
    const started = Date.now();
    const error = await rejection(store.save({ id: 'slow-1', type: 'slow' }));
    faultsInjected++;
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error).toMatchObject({ kind: 'timeout', code: '57014', retryable: true });
    expect(await store.load('slow-1')).toBeNull();
    await store.close();
  });

  it('command_timeout: the client gives up on a pg_sleep(3) save after 0.3 s with kind timeout; the store keeps working', async () => {
    const store = new PostgreSQLStorageBackend({
      url,
      statement_timeout: 0,
      command_timeout: 0.3,
      connection_pool_size: 1,
    });
    await store.connect();
    const started = Date.now();
    const error = await rejection(store.save({ id: 'slow-2', type: 'slow' }));
    faultsInjected++;
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error).toMatchObject({ kind: 'timeout', retryable: true });
    expect(error.message).toContain('command_timeout');
    expect(await store.save({ id: 'fast-2' })).toBe('fast-2');
    await store.close();
  });
});
