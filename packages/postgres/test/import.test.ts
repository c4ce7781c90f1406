import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  copyRecords,
  createBackup,
  isStorageError,
  MemoryStorageBackend,
  type RecordInput,
  restoreBackup,
  type StorageError,
  verifyCopy,
} from '@recordstore/core';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { PostgreSQLStorageBackend } from '../src/index.js';
import type { PostgresConfigInput } from '../src/postgres-config.js';
import { backendOn, useSuiteDatabase } from './helpers.js';

/**
 * importRecords: the COPY-based bulk path (COPY straight into the table when every id is new, else COPY
 * into a temporary table and one upsert per batch), its
 * validation and atomicity per batch, and its use by core's restore and copy engines.
 */

const db = useSuiteDatabase();
const open: (PostgreSQLStorageBackend | MemoryStorageBackend)[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'rs-import-'));
let schemaSeq = 0;

afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((s) => s.close()));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A store on a fresh schema (migrated on connect), so tests do not see each other's rows. */
async function freshStore(config: PostgresConfigInput = {}): Promise<PostgreSQLStorageBackend> {
  const store = backendOn(db.url, {
    schema_name: `imp_${process.pid}_${++schemaSeq}`,
    ...config,
  });
  open.push(store);
  await store.connect();
  return store;
}

const T0 = Date.UTC(2025, 0, 1);

function record(i: number): RecordInput {
  return {
    id: `r-${String(i).padStart(6, '0')}`,
    type: i % 3 === 0 ? 'message' : 'event',
    session_id: `s-${i % 50}`,
    ...(i % 7 === 0 ? {} : { thread_id: `t-${i % 11}` }),
    // Characters COPY's text format must escape, and non-ASCII.
    text: `line ${i}\ttab\nnewline \\ backslash "quote" héllo 👋`,
    n: i,
    tags: ['a', i % 2 === 0 ? 'even' : 'odd'],
    ...(i % 5 === 0 ? { metadata: { source: 'import', attempt: i % 4 } } : {}),
  };
}

async function* generate(
  count: number,
  at: (i: number) => RecordInput = record,
): AsyncGenerator<RecordInput> {
  for (let i = 0; i < count; i++) yield at(i);
}

async function tableCount(store: PostgreSQLStorageBackend): Promise<number> {
  const result = await store.pool!.query<{ n: number }>('SELECT count(*)::int AS n FROM storage_records');
  return result.rows[0]!.n;
}

/** The statement texts pg sends while `fn` runs (every client of the process). */
async function sentWhile(fn: () => Promise<unknown>): Promise<string[]> {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  const texts: string[] = [];
  proto.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0] as string | { text?: string } | undefined;
    const text = typeof first === 'string' ? first : first?.text;
    if (typeof text === 'string') texts.push(text.trim());
    return original.apply(this, args);
  };
  try {
    await fn();
  } finally {
    proto.query = original;
  }
  return texts;
}

async function until(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  for (const started = Date.now(); !(await check()); ) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('importRecords(records, options)', () => {
  it('imports 20,000 records from an async generator; count and spot checks match; re-running is idempotent', async () => {
    const store = await freshStore();
    const progress: number[] = [];
    const n = await store.importRecords(generate(20_000), {
      batchSize: 6000,
      onProgress: (done) => progress.push(done),
    });
    expect(n).toBe(20_000);
    expect(progress).toEqual([6000, 12_000, 18_000, 20_000]);
    expect(await store.count()).toBe(20_000);
    for (const i of [0, 1, 4999, 5000, 12_345, 19_999]) {
      // Exactly the record saved (absent keys stay absent), plus the stamped timestamps.
      const loaded = await store.load(record(i).id as string);
      expect(loaded).toEqual({ ...record(i), created_at: expect.any(Date), updated_at: expect.any(Date) });
    }
    expect((await store.stats()).operations.importRecords).toBe(1);

    // Re-running the same import (e.g. after an interruption) upserts: same rows, nothing doubled.
    const before = await store.load('r-012345');
    expect(await store.importRecords(generate(20_000))).toBe(20_000);
    expect(await tableCount(store)).toBe(20_000);
    const after = await store.load('r-012345');
    expect(after).toMatchObject({ ...before, updated_at: expect.any(Date) });
    // Without preserveTimestamps an existing live row keeps its created_at, as with saveMany.
    expect(after!.created_at).toEqual(before!.created_at);
  });

  it('preserveTimestamps keeps created_at, updated_at and expires_at exactly', async () => {
    const store = await freshStore({ ttl_enabled: true, default_ttl_seconds: 60 });
    const future = Date.now() + 86_400_000 * 365;
    const at = (i: number): RecordInput => ({
      ...record(i),
      created_at: new Date(T0 + i * 1001),
      updated_at: new Date(T0 + i * 1001 + 7),
      // A record with expires_at null keeps no expiry, even in a store with a default TTL.
      expires_at: i % 2 === 0 ? null : new Date(future + i),
    });
    await store.importRecords(generate(500, at), { preserveTimestamps: true, batchSize: 200 });
    for (const i of [0, 1, 2, 3, 499]) {
      const loaded = await store.load(at(i).id as string);
      // Absent keys stay absent: a record stored without expiry has no expires_at key.
      expect(loaded).toEqual({ ...at(i), ...(at(i).expires_at === null ? { expires_at: undefined } : {}) });
    }
    // And the same for an existing row: the imported created_at wins over the stored one.
    await store.save({ id: 'kept', created_at: new Date(T0), v: 1 }, { preserveTimestamps: true });
    await store.importRecords(
      [{ id: 'kept', created_at: new Date(T0 + 5), updated_at: new Date(T0 + 6), v: 2 }],
      {
        preserveTimestamps: true,
      },
    );
    expect(await store.load('kept')).toMatchObject({
      v: 2,
      created_at: new Date(T0 + 5),
      updated_at: new Date(T0 + 6),
    });
  });

  it('an invalid record is a typed validation error naming it; none of its batch is written', async () => {
    const store = await freshStore();
    const at = (i: number): RecordInput =>
      i === 1500 ? { ...record(i), metadata: 'not an object' as never } : record(i);
    const error = await store.importRecords(generate(2500, at), { batchSize: 1000 }).catch((e: unknown) => e);
    expect(isStorageError(error)).toBe(true);
    expect(error).toMatchObject({ kind: 'validation', path: 'records[1500].metadata' });
    expect((error as StorageError).message).toContain('records[1500]');
    // The first batch (0..999) committed; the failing batch (1000..1999) wrote nothing; nothing after it.
    expect(await tableCount(store)).toBe(1000);
    expect(await store.exists('r-000999')).toBe(true);
    expect(await store.exists('r-001000')).toBe(false);
    expect(await store.exists('r-001499')).toBe(false);
  });

  it('a database failure in a batch rolls the whole batch back and is a StorageError', async () => {
    const store = await freshStore();
    // jsonb refuses \u0000: the server fails the batch after COPY has staged part of it.
    const at = (i: number): RecordInput => (i === 42 ? { ...record(i), text: 'nul \u0000 here' } : record(i));
    const error = await store.importRecords(generate(100, at)).catch((e: unknown) => e);
    expect(isStorageError(error)).toBe(true);
    expect(await tableCount(store)).toBe(0);
    // The connection is usable afterwards (the temporary table went with the rollback).
    expect(await store.importRecords(generate(100))).toBe(100);
  });

  it('refuses a non-iterable source and a bad batchSize with validation errors', async () => {
    const store = await freshStore();
    await expect(store.importRecords(42 as never)).rejects.toMatchObject({
      kind: 'validation',
      path: 'records',
    });
    await expect(store.importRecords([], { batchSize: 0 })).rejects.toMatchObject({
      kind: 'validation',
      path: 'batchSize',
    });
  });

  it('applies tenant_id and the audit actor to the imported rows like any write', async () => {
    // As the owner (the test role): connect() turns row-level security on for this fresh schema's table.
    const store = await freshStore({ tenant_id: 'acme', audit_enabled: true, audit_actor: 'importer' });
    await store.runAs('alice', () => store.importRecords(generate(300), { batchSize: 100 }));
    const tenants = await store.pool!.query<{ tenant_id: string | null; n: number }>(
      'SELECT tenant_id, count(*)::int AS n FROM storage_records GROUP BY 1',
    );
    expect(tenants.rows).toEqual([{ tenant_id: 'acme', n: 300 }]);
    const log = await store.auditLog({ id: 'r-000123' });
    expect(log).toMatchObject([{ operation: 'INSERT', actor: 'alice', tenantId: 'acme' }]);
  });

  it('writes new ids with one COPY into the table; ids already stored go through the staged upsert', async () => {
    const store = await freshStore();
    const fresh = await sentWhile(() => store.importRecords(generate(1000)));
    expect(fresh.some((t) => t.startsWith('COPY storage_records'))).toBe(true);
    expect(fresh.some((t) => t.startsWith('CREATE TEMP TABLE'))).toBe(false);
    // One stored id among new ones is enough to take the upsert (each row keeps its created_at rule).
    const mixed = await sentWhile(() => store.importRecords(generate(1001)));
    expect(mixed.some((t) => t.startsWith('COPY storage_records'))).toBe(false);
    expect(mixed.some((t) => t.startsWith('COPY recordstore_import'))).toBe(true);
    expect(await tableCount(store)).toBe(1001);
  });

  it('a role bound by row-level security (COPY refused) gets the staged upsert; COPY is tried once', async () => {
    const owner = await freshStore({ tenant_id: 'acme' });
    const schema = `imp_${process.pid}_${schemaSeq}`;
    // A non-superuser application role (superusers bypass row-level security, so the test role cannot
    // show it): DML on the table, temporary tables allowed, the tenant's policies binding.
    const role = `rs_imp_${process.pid}`;
    const database = new URL(db.url).pathname.slice(1);
    await db.sql(`DROP ROLE IF EXISTS ${role}`);
    await db.sql(`CREATE ROLE ${role} LOGIN PASSWORD 'pw' NOSUPERUSER NOBYPASSRLS`);
    try {
      await db.sql(`GRANT CONNECT, TEMPORARY ON DATABASE ${database} TO ${role}`);
      await db.sql(`GRANT USAGE ON SCHEMA ${schema} TO ${role}`);
      await db.sql(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${schema}.storage_records TO ${role}`);
      await db.sql(`GRANT SELECT ON ALL TABLES IN SCHEMA ${schema} TO ${role}`);
      const url = new URL(db.url);
      url.username = role;
      url.password = 'pw';
      const app = backendOn(url.toString(), { schema_name: schema, tenant_id: 'acme', auto_migrate: false });
      open.push(app);
      await app.connect();
      const sent = await sentWhile(() => app.importRecords(generate(300), { batchSize: 100 }));
      expect(sent.filter((t) => t.startsWith('COPY storage_records'))).toHaveLength(1);
      expect(sent.filter((t) => t.startsWith('COPY recordstore_import'))).toHaveLength(3);
      expect(await app.count()).toBe(300);
      expect(await owner.count()).toBe(300);
      await app.close();
    } finally {
      await db.sql(`DROP OWNED BY ${role}`).catch(() => {});
      await db.sql(`DROP ROLE IF EXISTS ${role}`).catch(() => {});
    }
  });

  it('falls back to the upsert when another writer commits one of the ids while the COPY runs', async () => {
    const store = await freshStore();
    // Another writer holds r-000005 uncommitted: the id probe cannot see it, the COPY waits on it.
    const other = await store.pool!.connect();
    try {
      await other.query('BEGIN');
      await other.query(
        `INSERT INTO storage_records (id, data, created_at, updated_at) VALUES ('r-000005', '{"by":"other"}', now(), now())`,
      );
      const importing = store.importRecords(generate(10));
      await until(async () => {
        const waiting = await store.pool!.query(
          `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'COPY storage_records%'`,
        );
        return waiting.rowCount === 1;
      });
      await other.query('COMMIT');
      expect(await importing).toBe(10);
    } finally {
      other.release();
    }
    // The savepoint undid the COPY; the upsert wrote all ten, the import's version of r-000005 included.
    expect(await tableCount(store)).toBe(10);
    expect(await store.load('r-000005')).toMatchObject({ n: 5 });
  });

  // Range/list layouts have no unique index on id, so a set-based ON CONFLICT (id) would fail there: this
  // passing proves the fallback to the locked per-id statements was taken.
  it('falls back to the regular statements on a range-partitioned layout, with the same result', async () => {
    const store = await freshStore({
      partitioning_enabled: true,
      partition_strategy: 'range',
      partition_premake: 1,
      connection_pool_max_overflow: 4,
    });
    expect(await store.importRecords(generate(3000), { batchSize: 1200 })).toBe(3000);
    expect(await store.importRecords(generate(3000))).toBe(3000);
    expect(await tableCount(store)).toBe(3000);
    expect(await store.load('r-002000')).toEqual({
      ...record(2000),
      created_at: expect.any(Date),
      updated_at: expect.any(Date),
    });
  });
});

describe('core transfer engines use importRecords when the target offers it', () => {
  async function memorySource(count: number): Promise<MemoryStorageBackend> {
    const source = new MemoryStorageBackend({});
    open.push(source);
    await source.connect();
    const records = Array.from({ length: count }, (_, i) => ({
      ...record(i),
      created_at: new Date(T0 + i * 1000),
      updated_at: new Date(T0 + i * 1000 + 1),
    }));
    await source.saveMany(records, { preserveTimestamps: true });
    return source;
  }

  it('restoreBackup(file, postgres) writes through the COPY path and equals the source', async () => {
    const source = await memorySource(12_500);
    const backup = await createBackup(source, join(tmp, 'restore'));
    const target = await freshStore();
    const result = await restoreBackup(backup.file, target);
    expect(result.restored).toBe(12_500);
    const operations = (await target.stats()).operations;
    // Default restore batch with a bulk path: 10,000 records, so two imports and no saveMany.
    expect(operations.importRecords).toBe(2);
    expect(operations.saveMany).toBeUndefined();
    expect(await verifyCopy({ from: source, to: target })).toMatchObject({
      ok: true,
      matched: 12_500,
      sourceCount: 12_500,
      targetCount: 12_500,
    });
  });

  it('copyRecords(memory → postgres) imports each batch with its watermark in one import', async () => {
    const source = await memorySource(2500);
    const target = await freshStore();
    const report = await copyRecords({ from: source, to: target, batchSize: 1000 });
    expect(report.watermark.status).toBe('complete');
    const operations = (await target.stats()).operations;
    expect(operations.saveMany).toBeUndefined();
    expect(operations.importRecords).toBeGreaterThanOrEqual(3);
    expect(await verifyCopy({ from: source, to: target })).toMatchObject({ ok: true, matched: 2500 });
  });

  it('copyRecords into a bulk-import target defaults to large batches, each record written once', async () => {
    const source = await memorySource(2500);
    const target = await freshStore();
    const report = await copyRecords({ from: source, to: target });
    // One 10,000-record batch holds them all: one import (one COPY transaction), no saveMany, no compare.
    expect(report).toMatchObject({ batches: 1, written: 2500, fullPass: 2500, unchanged: 0 });
    const operations = (await target.stats()).operations;
    expect(operations.saveMany).toBeUndefined();
    expect(operations.importRecords).toBe(1);
    expect(await verifyCopy({ from: source, to: target })).toMatchObject({ ok: true, matched: 2500 });
  });
});
