import { randomBytes } from 'node:crypto';
import { isStorageError, type StorageError } from '@recordstore/core';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PostgreSQLStorageBackend } from '../src/index.js';
import { migratePostgres } from '../src/migrate.js';
import type { PostgresConfigInput } from '../src/postgres-config.js';
import { useSuiteDatabase } from './helpers.js';
import { parsedConfig } from './parsed-config.js';

/**
 * Least privilege and tenant isolation. The schema is migrated by the owner; the application connects
 * as a role with only SELECT/INSERT/UPDATE/DELETE on storage_records (and SELECT on the migrations
 * table, to check the schema is current). Row-level security (migration 1795800000000) binds that
 * role: a store with tenant_id sees and changes only its tenant's rows, enforced by PostgreSQL.
 */

const db = useSuiteDatabase();
const APP = `rs_app_${randomBytes(4).toString('hex')}`;
const APP_PASSWORD = 'app-role-password';
const open: PostgreSQLStorageBackend[] = [];

function appUrl(): string {
  const u = new URL(db.url);
  u.username = APP;
  u.password = APP_PASSWORD;
  return u.toString();
}

beforeAll(async () => {
  const database = new URL(db.url).pathname.slice(1);
  await db.sql(
    `CREATE ROLE ${APP} LOGIN PASSWORD '${APP_PASSWORD}' NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS`,
  );
  // The documented grants of an application role (docs/reliability-and-security.md).
  await db.sql(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
  await db.sql(`REVOKE CREATE, TEMPORARY ON DATABASE ${database} FROM PUBLIC`);
  await db.sql(`GRANT CONNECT ON DATABASE ${database} TO ${APP}`);
  await db.sql(`GRANT USAGE ON SCHEMA public TO ${APP}`);
  await db.sql(`GRANT SELECT, INSERT, UPDATE, DELETE ON storage_records TO ${APP}`);
  await db.sql(`GRANT SELECT ON recordstore_migrations TO ${APP}`);
});

afterAll(async () => {
  await Promise.all(open.splice(0).map((s) => s.close().catch(() => {})));
  await db.sql(`DROP OWNED BY ${APP}`).catch(() => {});
  await db.sql(`DROP ROLE IF EXISTS ${APP}`).catch(() => {});
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close().catch(() => {})));
});

async function asApp(config: PostgresConfigInput = {}): Promise<PostgreSQLStorageBackend> {
  const store = new PostgreSQLStorageBackend({
    url: appUrl(),
    auto_migrate: false,
    connection_pool_size: 2,
    ...config,
  });
  open.push(store);
  await store.connect();
  return store;
}

async function asOwner(): Promise<PostgreSQLStorageBackend> {
  const store = new PostgreSQLStorageBackend({ url: db.url, connection_pool_size: 1 });
  open.push(store);
  await store.connect();
  return store;
}

async function appSql(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: appUrl() });
  await client.connect();
  try {
    return await client.query(text, values);
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

describe('least privilege: a DML-only application role', () => {
  it('connects with auto_migrate: false and does every operation', async () => {
    const store = await asApp();
    await store.save({ id: 'lp-1', v: 1, type: 't' });
    await store.saveMany(Array.from({ length: 30 }, (_, i) => ({ id: `lp-m${i}`, v: i })));
    expect(await store.update('lp-1', { v: 2 })).toBe(true);
    expect(await store.load('lp-1')).toMatchObject({ v: 2 });
    expect(await store.count({ v: { $gte: 0 } })).toBe(31);
    await store.transaction(async (tx) => {
      await tx.save({ id: 'lp-tx' });
      await tx.delete('lp-m0');
    });
    expect(await store.deleteMany({ id: { $like: 'lp-m%' } })).toBe(29);
    expect(await store.cleanupExpired()).toBe(0);
    expect((await store.healthCheck()).status).toBe('healthy');
    expect((await store.stats()).records).toBeGreaterThanOrEqual(2);
  });

  it('DDL is refused: CREATE, ALTER, DROP, TRUNCATE and migrations fail with permission denied', async () => {
    for (const ddl of [
      'CREATE TABLE app_owned (a int)',
      'ALTER TABLE storage_records ADD COLUMN x int',
      'DROP TABLE storage_records',
      'TRUNCATE storage_records',
      'CREATE INDEX ON storage_records (type)',
      'ALTER TABLE storage_records DISABLE ROW LEVEL SECURITY',
      'DROP POLICY recordstore_tenant_isolation ON storage_records',
      'SELECT * FROM recordstore_audit',
    ]) {
      await expect(appSql(ddl), ddl).rejects.toMatchObject({ code: expect.stringMatching(/^42501$/) });
    }
    // Migrations need the owner: a down migration as the app role fails with kind config.
    const error = await rejection(
      migratePostgres({ config: parsedConfig({ url: appUrl() }), direction: 'down', count: 1 }),
    );
    expect(error.kind).toBe('config');
    expect(error.message).toMatch(/permission denied|owner/i);
    // And the schema is untouched.
    const store = await asApp();
    expect(await store.save({ id: 'after-ddl' })).toBe('after-ddl');
  });

  it('auto_migrate: true with nothing pending connects as the app role (migrations are only read)', async () => {
    const store = await asApp({ auto_migrate: true });
    expect(await store.exists('lp-1')).toBe(true);
  });

  it('audit_enabled with the trigger off: the app role cannot switch it on (config error naming the owner)', async () => {
    const store = new PostgreSQLStorageBackend({ url: appUrl(), auto_migrate: false, audit_enabled: true });
    open.push(store);
    const error = await rejection(store.connect());
    expect(error).toMatchObject({ kind: 'config', path: 'config.audit_enabled' });
    expect(error.message).toContain('owner');
  });
});

describe('tenant isolation (row-level security)', () => {
  it('is off until the owner turns it on: an app-role store with tenant_id is refused until then', async () => {
    const early = new PostgreSQLStorageBackend({ url: appUrl(), auto_migrate: false, tenant_id: 'tenant-a' });
    open.push(early);
    const error = await rejection(early.connect());
    expect(error).toMatchObject({ kind: 'config', path: 'config.tenant_id' });
    expect(error.message).toMatch(/owner/);
    // The owner connecting with tenant_id turns it on, and is warned that it is not bound itself.
    const warnings: string[] = [];
    const owner = new PostgreSQLStorageBackend(
      { url: db.url, tenant_id: 'tenant-a', connection_pool_size: 1 },
      { logger: { debug() {}, info() {}, error() {}, warn: (_obj, msg) => void warnings.push(String(msg)) } },
    );
    open.push(owner);
    await owner.connect();
    expect(warnings.join('\n')).toMatch(/does not enforce tenant isolation/);
    const { rows } = await db.sql(
      "SELECT relrowsecurity AS on FROM pg_class WHERE oid = 'storage_records'::regclass",
    );
    expect(rows[0]?.on).toBe(true);
  });

  it('a store bound to tenant A never reads or writes tenant B rows, even through hostile filters', async () => {
    const a = await asApp({ tenant_id: 'tenant-a' });
    const b = await asApp({ tenant_id: 'tenant-b' });
    await a.saveMany([
      { id: 'a1', n: 1, secret: 'A' },
      { id: 'a2', n: 2, secret: 'A' },
    ]);
    await b.save({ id: 'b1', n: 1, secret: 'B' });

    // Reads: nothing of B, whatever the filter.
    expect((await a.list()).map((r) => r.id).sort()).toEqual(['a1', 'a2']);
    expect(await a.count()).toBe(2);
    expect(await a.load('b1')).toBeNull();
    expect(await a.exists('b1')).toBe(false);
    for (const hostile of [
      { id: 'b1' },
      { $or: [{ id: 'b1' }, { id: { $exists: true } }] },
      { secret: 'B' },
      { tenant_id: 'tenant-b' },
      { "x') OR true --": 1 },
      { id: { $like: '%' } },
      { $not: { id: 'nothing' } },
    ]) {
      const ids = (await a.list(hostile)).map((r) => r.id);
      expect(
        ids.every((id) => id.startsWith('a')),
        JSON.stringify(hostile),
      ).toBe(true);
    }
    const streamed: string[] = [];
    for await (const r of a.stream({}, { batchSize: 1 })) streamed.push(r.id);
    expect(streamed.sort()).toEqual(['a1', 'a2']);

    // Writes: B's row cannot be changed, overwritten or deleted by A.
    expect(await a.update('b1', { secret: 'pwned' })).toBe(false);
    expect(await a.delete('b1')).toBe(false);
    expect(await a.deleteMany(['b1'])).toBe(0);
    const overwrite = await rejection(a.save({ id: 'b1', secret: 'pwned' }));
    expect(overwrite).toMatchObject({ kind: 'conflict', retryable: false });
    expect(overwrite.message).toMatch(/row-level security/);
    await expect(a.saveMany([{ id: 'a3' }, { id: 'b1', secret: 'pwned' }])).rejects.toMatchObject({
      kind: 'conflict',
    });
    expect(await a.exists('a3')).toBe(false);
    await a.transaction(async (tx) => {
      expect(await tx.load('b1')).toBeNull();
      expect(await tx.count()).toBe(2);
    });
    expect(await a.deleteMany({})).toBe(2);

    // B is intact; the owner (who bypasses RLS) sees every row stamped with its tenant.
    expect(await b.load('b1')).toMatchObject({ secret: 'B' });
    const { rows } = await db.sql<{ id: string; tenant_id: string }>(
      "SELECT id, tenant_id FROM storage_records WHERE id IN ('a1', 'a2', 'b1') ORDER BY id",
    );
    expect(rows).toEqual([{ id: 'b1', tenant_id: 'tenant-b' }]);
    expect((await (await asOwner()).load('b1'))?.secret).toBe('B');
  });

  it('PostgreSQL enforces it, not the backend: raw SQL as the app role sees only the tenant set for its transaction', async () => {
    const b = await asApp({ tenant_id: 'tenant-raw' });
    await b.save({ id: 'raw-1' });
    const client = new pg.Client({ connectionString: appUrl() });
    await client.connect();
    try {
      const count = async () =>
        Number(
          (await client.query("SELECT count(*) AS n FROM storage_records WHERE id = 'raw-1'")).rows[0].n,
        );
      expect(await count()).toBe(0);
      await client.query('BEGIN');
      await client.query("SELECT set_config('recordstore.tenant_id', 'tenant-raw', true)");
      expect(await count()).toBe(1);
      await client.query('COMMIT');
      // SET LOCAL ends with the transaction: the connection carries nothing to the next user.
      expect(await count()).toBe(0);
      await expect(
        client.query(
          "INSERT INTO storage_records (id, data, created_at, updated_at, tenant_id) VALUES ('forged', '{}', now(), now(), 'tenant-raw')",
        ),
      ).rejects.toMatchObject({ code: '42501' });
    } finally {
      await client.end();
    }
  });

  it('pooled connections keep no tenant between statements (no session state)', async () => {
    const a = await asApp({
      tenant_id: 'tenant-pool',
      connection_pool_size: 1,
      connection_pool_max_overflow: 0,
    });
    await a.save({ id: 'pool-1' });
    const { rows } = await a.pool!.query(
      "SELECT coalesce(current_setting('recordstore.tenant_id', true), '') AS t",
    );
    expect(rows[0].t).toBe('');
    const other = await asApp({ tenant_id: 'tenant-other' });
    expect(await other.load('pool-1')).toBeNull();
  });

  it('once it is on, an app-role store without tenant_id is refused (it would see nothing); the owner still sees all', async () => {
    const none = new PostgreSQLStorageBackend({ url: appUrl(), auto_migrate: false });
    open.push(none);
    const error = await rejection(none.connect());
    expect(error).toMatchObject({ kind: 'config', path: 'config.tenant_id' });
    const owner = await asOwner();
    expect(await owner.count({ id: { $in: ['b1', 'raw-1', 'pool-1'] } })).toBe(3);
  });
});
