import {
  copyRecords,
  isStorageError,
  type Logger,
  MemoryStorageBackend,
  type RecordInput,
  readCopyWatermark,
  type StorageBackend,
} from '@recordstore/core';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgreSQLStorageBackend } from '../src/index.js';
import type { PostgresConfigInput } from '../src/postgres-config.js';
import { backendOn, useSuiteDatabase } from './helpers.js';

/**
 * The meta and lock capabilities (recordstore_meta, advisory locks), copies that keep their state there and
 * write each record once (proved with the table's own insert and update counters), and the config keys that
 * do nothing on PostgreSQL.
 */

const db = useSuiteDatabase();
const open: (PostgreSQLStorageBackend | MemoryStorageBackend)[] = [];
let schemaSeq = 0;

afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((s) => s.close()));
});

function schema(): string {
  return `meta_${process.pid}_${++schemaSeq}`;
}

async function store(config: PostgresConfigInput = {}, logger?: Logger): Promise<PostgreSQLStorageBackend> {
  const s = new PostgreSQLStorageBackend(
    { url: db.url, connection_pool_size: 2, schema_name: schema(), ...config },
    logger ? { logger } : {},
  );
  open.push(s);
  await s.connect();
  return s;
}

const OLD = Date.UTC(2024, 0, 1);

async function memorySource(count: number): Promise<MemoryStorageBackend> {
  const source = new MemoryStorageBackend();
  open.push(source);
  await source.connect();
  const records: RecordInput[] = Array.from({ length: count }, (_, n) => ({
    id: `r-${String(n).padStart(5, '0')}`,
    type: n % 2 === 0 ? 'message' : 'event',
    session_id: `s-${n % 13}`,
    created_at: new Date(OLD + n * 1000),
    updated_at: new Date(OLD + n * 1000 + 10),
    text: `record ${n}`,
    ...(n % 4 === 0 ? { metadata: { source: 'import' } } : {}),
  }));
  await source.saveMany(records, { preserveTimestamps: true });
  return source;
}

interface WriteCounters {
  inserts: number;
  updates: number;
}

/**
 * storage_records' cumulative insert and update counters in a schema. A backend reports its counts when it
 * goes idle or exits, so the caller closes its store first; this waits until `minInserts` show up.
 */
async function writeCounters(schemaName: string, minInserts: number): Promise<WriteCounters> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const { rows } = await db.sql<{ inserts: string; updates: string }>(
      `SELECT n_tup_ins AS inserts, n_tup_upd AS updates FROM pg_stat_user_tables
       WHERE schemaname = $1 AND relname = 'storage_records'`,
      [schemaName],
    );
    const counters = { inserts: Number(rows[0]?.inserts ?? 0), updates: Number(rows[0]?.updates ?? 0) };
    if (counters.inserts >= minInserts || Date.now() > deadline) return counters;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("store.capability('meta')", () => {
  it('keeps values in recordstore_meta, beside the records and never among them', async () => {
    const s = await store();
    const meta = s.capability('meta')!;
    expect(await meta.get('k')).toBeNull();
    await meta.set('k', 'one');
    await meta.set('k', 'two');
    expect(await meta.get('k')).toBe('two');
    expect(await s.count()).toBe(0);
    const { rows } = await db.sql(`SELECT scope, key, value FROM ${s.config.schema_name}.recordstore_meta`);
    expect(rows).toEqual([{ scope: '', key: 'k', value: 'two' }]);
    expect(await meta.delete('k')).toBe(true);
    expect(await meta.delete('k')).toBe(false);
  });

  it('scopes values by tenant: two tenant stores in one schema keep their own', async () => {
    const name = schema();
    const a = await store({ schema_name: name, tenant_id: 'acme' });
    const b = await store({ schema_name: name, tenant_id: 'globex' });
    await a.capability('meta')!.set('k', 'for acme');
    expect(await b.capability('meta')!.get('k')).toBeNull();
    await b.capability('meta')!.set('k', 'for globex');
    expect(await a.capability('meta')!.get('k')).toBe('for acme');
  });
});

describe("store.capability('lock')", () => {
  it('one holder per store at a time, across connections; free again once released', async () => {
    const name = schema();
    const a = await store({ schema_name: name });
    const b = await store({ schema_name: name });
    const other = await store();
    const held = await a.capability('lock')!.tryAcquire('job');
    expect(held).not.toBeNull();
    expect(await b.capability('lock')!.tryAcquire('job')).toBeNull();
    // Another name, or another store (schema), is another lock.
    const second = await b.capability('lock')!.tryAcquire('other-job');
    expect(second).not.toBeNull();
    const elsewhere = await other.capability('lock')!.tryAcquire('job');
    expect(elsewhere).not.toBeNull();
    await held!.release();
    await held!.release();
    const again = await b.capability('lock')!.tryAcquire('job');
    expect(again).not.toBeNull();
    await Promise.all([again!.release(), second!.release(), elsewhere!.release()]);
  });
});

describe('copyRecords into PostgreSQL', () => {
  it('writes each record once: inserts == N, updates == 0, count() == N, state in meta', async () => {
    const n = 2000;
    const source = await memorySource(n);
    const target = await store();
    const report = await copyRecords({
      from: source,
      to: target,
      sourceKey: 'mem',
      batchSize: 500,
      verify: true,
    });
    expect(report).toMatchObject({ written: n, fullPass: n, incrementalPass: 0, resumable: true });
    expect(report.verification).toMatchObject({ ok: true, sourceCount: n, targetCount: n });
    expect(await target.count()).toBe(n);
    expect(await readCopyWatermark(target, 'mem')).toMatchObject({ status: 'complete' });
    const schemaName = target.config.schema_name;
    await target.close();
    expect(await writeCounters(schemaName, n)).toEqual({ inserts: n, updates: 0 });
  });

  it('plus what changed while it ran: a record edited mid-copy is the one update', async () => {
    const n = 1500;
    const source = await memorySource(n);
    const target = await store();
    let edited = false;
    // The source as the copy sees it: right after the first page is read, a record of that page changes.
    const busy = {
      name: source.name,
      count: (filter) => source.count(filter),
      list: async (filter, options) => {
        const page = await source.list(filter, options);
        if (!edited && page.length > 0) {
          edited = true;
          await source.update('r-00001', { text: 'edited during the copy' });
        }
        return page;
      },
    } as Pick<StorageBackend, 'name' | 'count' | 'list'> as StorageBackend;
    const report = await copyRecords({ from: busy, to: target, sourceKey: 'busy', batchSize: 500 });
    expect(report).toMatchObject({ fullPass: n, incrementalPass: 1, written: n + 1 });
    expect((await target.load('r-00001'))?.text).toBe('edited during the copy');
    // Later changes: an incremental run writes exactly those.
    await source.update('r-00007', { text: 'edited later' });
    const next = await copyRecords({ from: source, to: target, sourceKey: 'busy', incremental: true });
    expect(next).toMatchObject({ mode: 'incremental', written: 1 });
    expect(await target.count()).toBe(n);
    const schemaName = target.config.schema_name;
    await target.close();
    expect(await writeCounters(schemaName, n)).toEqual({ inserts: n, updates: 2 });
  });

  it('a second full copy of unchanged records writes nothing', async () => {
    const n = 800;
    const source = await memorySource(n);
    const target = await store();
    await copyRecords({ from: source, to: target, sourceKey: 'twice' });
    const again = await copyRecords({ from: source, to: target, sourceKey: 'twice' });
    expect(again).toMatchObject({ written: 0, unchanged: n });
    const schemaName = target.config.schema_name;
    await target.close();
    expect(await writeCounters(schemaName, n)).toEqual({ inserts: n, updates: 0 });
  });
});

describe('config keys that do nothing on PostgreSQL', () => {
  it('compression_threshold is accepted (shared configs) and a warning at connect says why it does not apply', async () => {
    const warnings: string[] = [];
    const logger: Logger = {
      debug() {},
      info() {},
      warn: (_obj, msg) => warnings.push(msg ?? ''),
      error() {},
    };
    await store({ compression_enabled: true, compression_threshold: 64 }, logger);
    expect(warnings.some((w) => /compression_threshold \(64\) does not apply to PostgreSQL/.test(w))).toBe(
      true,
    );
    warnings.length = 0;
    await store({ compression_enabled: true }, logger);
    expect(warnings.filter((w) => w.includes('compression_threshold'))).toEqual([]);
  });

  it('slow_query_threshold_ms without metrics_enabled is refused with the reason', () => {
    const error = (() => {
      try {
        backendOn(db.url, { slow_query_threshold_ms: 200 });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(isStorageError(error)).toBe(true);
    expect(error).toMatchObject({ kind: 'config', path: 'config.slow_query_threshold_ms' });
    expect((error as Error).message).toMatch(/slow query log, which runs with metrics/);
    expect(() => backendOn(db.url, { slow_query_threshold_ms: 200, metrics_enabled: true })).not.toThrow();
  });
});
