import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  copyRecords,
  createBackup,
  MemoryStorageBackend,
  type RecordInput,
  restoreBackup,
  verifyBackup,
  verifyCopy,
} from '@recordstore/core';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { PostgreSQLStorageBackend } from '../src/index.js';
import { citusAvailable, TEST_SHARD_COUNT, useCitusCluster } from './citus-fixture.js';

/**
 * Backups, restores and copies with a Citus store on either side, through core's transfer APIs (what
 * `recordstore backup` and `recordstore copy --verify` run): counts and every record's content (canonical
 * JSON checksums, timestamps included) compared with the source, and the rows found in shards on both
 * workers. Also data moving inside the cluster: a worker added later and the shard rebalancer.
 */

const COUNT = 2000;
/** Copies and verifications walk every shard over the coordinator: minutes on a loaded 2-core machine. */
const SLOW = 180_000;
const T0 = Date.UTC(2025, 0, 1);

function record(i: number): RecordInput {
  return {
    id: `rec-${String(i).padStart(5, '0')}`,
    type: i % 3 === 0 ? 'message' : 'event',
    session_id: `s-${i % 40}`,
    ...(i % 7 === 0 ? {} : { thread_id: `t-${i % 9}` }),
    // Characters COPY's text format escapes, and non-ASCII.
    text: `line ${i}\ttab\nnewline \\ backslash "quote" héllo 東京 🚀`,
    n: i,
    nested: { even: i % 2 === 0, tags: ['a', `k${i % 5}`] },
    created_at: new Date(T0 + i * 1000),
    ...(i % 5 === 0 ? { metadata: { source: 'transfer', attempt: i % 4 } } : {}),
    // Some records expire, far enough ahead to stay live through the test.
    ...(i % 11 === 0 ? { expires_at: new Date(Date.now() + 86_400_000) } : {}),
  };
}

describe.skipIf(!citusAvailable('citus.transfer'))(
  'backup, restore, copy and rebalancing with Citus stores',
  () => {
    const cluster = useCitusCluster();
    const tmp = mkdtempSync(join(tmpdir(), 'rs-citus-transfer-'));
    const open: (PostgreSQLStorageBackend | MemoryStorageBackend)[] = [];
    let schemas = 0;

    afterEach(async () => {
      await Promise.allSettled(open.splice(0).map((store) => store.close()));
    });
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));

    async function citusStore(): Promise<PostgreSQLStorageBackend> {
      const store = new PostgreSQLStorageBackend({
        url: cluster.url,
        schema_name: `transfer_${++schemas}`,
        distributed: 'citus',
        shard_count: TEST_SHARD_COUNT,
        connection_pool_size: 3,
      });
      open.push(store);
      await store.connect();
      return store;
    }

    async function memoryStore(records = 0): Promise<MemoryStorageBackend> {
      const store = new MemoryStorageBackend();
      open.push(store);
      await store.connect();
      if (records > 0) await store.saveMany(Array.from({ length: records }, (_, i) => record(i)));
      return store;
    }

    /** Rows of `schema`'s storage_records per worker port, counted on the shards (of `on`'s database). */
    async function rowsPerWorker(
      schema: string,
      on: Pick<pg.Pool, 'query'> = cluster.pool,
    ): Promise<Map<number, number>> {
      const result = await on.query<{ port: number; rows: string }>(
        `SELECT s.nodeport AS port, sum((r.result)::bigint)::text AS rows
         FROM run_command_on_shards($1, 'SELECT count(*) FROM %s') r
         JOIN citus_shards s ON s.shardid = r.shardid
        GROUP BY 1 ORDER BY 1`,
        [`${schema}.storage_records`],
      );
      return new Map(result.rows.map((row) => [row.port, Number(row.rows)]));
    }

    function expectSpreadOverWorkers(perWorker: Map<number, number>, total: number): void {
      expect([...perWorker.keys()]).toEqual([...cluster.workerPorts].sort((a, b) => a - b));
      expect([...perWorker.values()].reduce((sum, n) => sum + n, 0)).toBe(total);
      for (const rows of perWorker.values()) expect(rows).toBeGreaterThan(0);
    }

    it(
      `copy into Citus (memory → citus) writes ${COUNT} records into shards on both workers, verified`,
      async () => {
        const source = await memoryStore(COUNT);
        const target = await citusStore();
        const report = await copyRecords({ from: source, to: target, batchSize: 700, verify: true });
        expect(report).toMatchObject({ mode: 'full', resumable: true, written: COUNT });
        expect(report.watermark.status).toBe('complete');
        expect(report.verification).toMatchObject({
          ok: true,
          sourceCount: COUNT,
          targetCount: COUNT,
          matched: COUNT,
          missing: { count: 0 },
          extra: { count: 0 },
          mismatched: { count: 0 },
        });
        expectSpreadOverWorkers(await rowsPerWorker(`transfer_${schemas}`), COUNT);
        // stats() counts the shards, not the coordinator's empty table.
        expect((await target.stats()).records).toBe(COUNT);

        // A second run after changes writes exactly those: incremental (by updated_at, from the watermark
        // kept in the Citus store's meta storage); a full re-run skips what the target holds exactly.
        await source.update('rec-00010', { text: 'edited after the copy' });
        await source.save({ id: 'rec-new', text: 'written after the copy' });
        const again = await copyRecords({ from: source, to: target, incremental: true, verify: true });
        expect(again).toMatchObject({ mode: 'incremental', written: 2 });
        const full = await copyRecords({ from: source, to: target });
        expect(full).toMatchObject({ mode: 'full', written: 0 });
        // Read by the id-ordered pass and again by its updated_at catch-up: all unchanged.
        expect(full.unchanged).toBeGreaterThanOrEqual(COUNT + 1);
        expect(again.verification).toMatchObject({ ok: true, matched: COUNT + 1 });
        expect(await target.load('rec-00010')).toMatchObject({ text: 'edited after the copy' });
      },
      SLOW,
    );

    it(
      'copy out of Citus (citus → memory, citus → citus) reads every shard, verified record by record',
      async () => {
        const citus = await citusStore();
        await citus.saveMany(Array.from({ length: COUNT }, (_, i) => record(i)));
        const memory = await memoryStore();
        const out = await copyRecords({ from: citus, to: memory, batchSize: 500, verify: true });
        expect(out).toMatchObject({ written: COUNT });
        expect(out.verification).toMatchObject({
          ok: true,
          sourceCount: COUNT,
          targetCount: COUNT,
          matched: COUNT,
        });
        expect(await memory.load('rec-00007')).toEqual(await citus.load('rec-00007'));

        const other = await citusStore();
        const across = await copyRecords({ from: citus, to: other, verify: true });
        expect(across).toMatchObject({ written: COUNT });
        expect(across.verification).toMatchObject({ ok: true, matched: COUNT });
        expectSpreadOverWorkers(await rowsPerWorker(`transfer_${schemas}`), COUNT);
        // The two copies of the same source equal each other, record for record.
        expect(await verifyCopy({ from: memory, to: other })).toMatchObject({ ok: true, matched: COUNT });
      },
      SLOW,
    );

    it(
      'a backup of a Citus store restores into another Citus store and into memory, equal to the source',
      async () => {
        const source = await citusStore();
        await source.saveMany(Array.from({ length: COUNT }, (_, i) => record(i)));
        const backup = await createBackup(source, join(tmp, 'backups'));
        expect(backup.manifest).toMatchObject({ record_count: COUNT });
        expect(await verifyBackup(backup.file)).toMatchObject({ ok: true, recordCount: COUNT });

        const target = await citusStore();
        const restored = await restoreBackup(backup.file, target);
        expect(restored).toMatchObject({ restored: COUNT, deleted: 0 });
        expect(await verifyCopy({ from: source, to: target })).toMatchObject({
          ok: true,
          sourceCount: COUNT,
          targetCount: COUNT,
          matched: COUNT,
        });
        expectSpreadOverWorkers(await rowsPerWorker(`transfer_${schemas}`), COUNT);

        // `replace` over a store that holds other records: they are deleted on every shard first.
        await target.saveMany([{ id: 'stray-1' }, { id: 'stray-2' }]);
        await target.update('rec-00003', { text: 'changed before the restore' });
        const replaced = await restoreBackup(backup.file, target, { mode: 'replace' });
        expect(replaced).toMatchObject({ restored: COUNT, deleted: COUNT + 2 });
        expect(await verifyCopy({ from: source, to: target })).toMatchObject({ ok: true, matched: COUNT });

        const memory = await memoryStore();
        await restoreBackup(backup.file, memory);
        expect(await verifyCopy({ from: source, to: memory })).toMatchObject({ ok: true, matched: COUNT });
      },
      SLOW,
    );

    it(
      'a backup of a single-node-shaped source (memory) restores into Citus through the bulk path',
      async () => {
        const source = await memoryStore(COUNT);
        const backup = await createBackup(source, join(tmp, 'from-memory'));
        const target = await citusStore();
        const restored = await restoreBackup(backup.file, target);
        expect(restored.restored).toBe(COUNT);
        // The restore used the store's bulk import (batches of up to 10,000), not saveMany.
        const operations = (await target.stats()).operations;
        expect(operations.importRecords).toBeGreaterThanOrEqual(1);
        expect(operations.saveMany).toBeUndefined();
        expect(await verifyCopy({ from: source, to: target })).toMatchObject({ ok: true, matched: COUNT });
      },
      SLOW,
    );

    it(
      'a worker added later (citus_add_node) receives shards from citus_rebalance_start; the store keeps working',
      async () => {
        // A fresh database where the second worker is not registered yet: the store distributes onto one.
        const url = await cluster.server.createDatabase();
        const [, added] = cluster.workerPorts as [number, number];
        const pool = new pg.Pool({ connectionString: url, max: 1 });
        try {
          const run = async <R extends Record<string, unknown>>(text: string, values: unknown[] = []) =>
            (await pool.query<R>(text, values)).rows;
          await run('SELECT citus_remove_node($1, $2)', ['127.0.0.1', added]);
          const store = new PostgreSQLStorageBackend({
            url,
            schema_name: 'grow',
            distributed: 'citus',
            shard_count: TEST_SHARD_COUNT,
          });
          open.push(store);
          await store.connect();
          await store.saveMany(Array.from({ length: COUNT }, (_, i) => record(i)));
          const placements = async () =>
            (
              await run<{ port: number; shards: number }>(
                `SELECT nodeport AS port, count(*)::int AS shards FROM citus_shards
                WHERE table_name = 'grow.storage_records'::regclass GROUP BY 1 ORDER BY 1`,
              )
            ).map((row) => [row.port, row.shards]);
          expect(await placements()).toEqual([[cluster.workerPorts[0], TEST_SHARD_COUNT]]);

          // The documented steps: register the node, start the rebalancer, wait for it.
          await run('SELECT citus_add_node($1, $2)', ['127.0.0.1', added]);
          await run("SELECT citus_rebalance_start(shard_transfer_mode => 'block_writes')");
          await run('SELECT citus_rebalance_wait()');
          expect(await placements()).toEqual(
            [...cluster.workerPorts].sort((a, b) => a - b).map((port) => [port, TEST_SHARD_COUNT / 2]),
          );
          expectSpreadOverWorkers(await rowsPerWorker('grow', pool), COUNT);
          // The connected store noticed nothing: counts, reads and writes go on, stats see both workers.
          expect(await store.count()).toBe(COUNT);
          expect(await store.load('rec-00042')).toMatchObject({ n: 42 });
          await store.save({ id: 'after-rebalance' });
          const stats = await store.stats();
          expect(stats.records).toBe(COUNT + 1);
          const perNode = (stats.details as { shardsPerNode: { role: string; shards: number }[] })
            .shardsPerNode;
          expect(perNode.filter((n) => n.role === 'worker').map((n) => n.shards)).toEqual([2, 2]);
        } finally {
          await pool.end();
        }
      },
      SLOW,
    );
  },
);
