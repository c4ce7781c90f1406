import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  migratePostgres,
  migrationNames,
  PostgreSQLStorageBackend,
  postgresMigrationStatus,
} from '../src/index.js';
import { useSuiteDatabase } from './helpers.js';
import { parsedConfig } from './parsed-config.js';

const db = useSuiteDatabase({ migrated: false });
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const child = fileURLToPath(new URL('./fixtures/auto-migrate-child.mjs', import.meta.url));

function run(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [child, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', (d) => (out += d));
    proc.on('close', (code) => resolve({ code, out }));
  });
}

describe('postgresql migrations', () => {
  it('auto_migrate: false on an unmigrated database fails with config and says to run `recordstore migrate up`', async () => {
    const store = new PostgreSQLStorageBackend({ url: db.url, auto_migrate: false });
    await expect(store.connect()).rejects.toMatchObject({
      kind: 'config',
      message: expect.stringContaining('recordstore migrate up'),
    });
    expect(store.isConnected()).toBe(false);
  });

  it('4 processes starting together on an empty database all connect; migrations run exactly once', async () => {
    expect(existsSync(dist), 'build the package first: pnpm --filter @recordstore/postgres build').toBe(true);
    const results = await Promise.all([1, 2, 3, 4].map((i) => run([db.url, `proc-${i}`])));
    for (const r of results) expect(r, r.out).toMatchObject({ code: 0, out: 'ok\n' });
    const applied = await db.sql<{ name: string }>(
      'SELECT name FROM public.recordstore_migrations ORDER BY id',
    );
    expect(applied.rows.map((r) => r.name)).toEqual(migrationNames());
    const records = await db.sql<{ id: string }>('SELECT id FROM storage_records ORDER BY id');
    expect(records.rows.map((r) => r.id)).toEqual(['proc-1', 'proc-2', 'proc-3', 'proc-4']);
  });

  it('migratePostgres / postgresMigrationStatus: status, down, up, dry run, migration_table, schema_name', async () => {
    const url = await db.server.createDatabase();
    const raw = { url, schema_name: 'tenant_a', migration_table: 'my_migrations' };
    const config = parsedConfig(raw);
    const before = await postgresMigrationStatus({ config });
    expect(before).toMatchObject({ schema: 'tenant_a', migrationsTable: 'my_migrations', applied: [] });
    expect(before.pending).toEqual(migrationNames());

    const dry = await migratePostgres({ config, direction: 'up', dryRun: true });
    expect(dry.migrations).toEqual(migrationNames());
    expect((await postgresMigrationStatus({ config })).pending).toEqual(migrationNames());

    const up = await migratePostgres({ config, direction: 'up' });
    expect(up.migrations).toEqual(migrationNames());
    const after = await postgresMigrationStatus({ config });
    expect(after.pending).toEqual([]);
    expect(after.applied.map((m) => m.name)).toEqual(migrationNames());
    expect(after.applied[0]!.runOn).toBeInstanceOf(Date);
    // The migrated schema serves a backend that does not migrate.
    const other = new PostgreSQLStorageBackend({ ...raw, auto_migrate: false });
    await other.connect();
    await other.save({ id: 'x' });
    await other.close();

    const down = await migratePostgres({ config, direction: 'down' });
    expect(down.migrations).toEqual(migrationNames().slice(-1));
    expect((await postgresMigrationStatus({ config })).pending).toEqual(migrationNames().slice(-1));
    await db.server.dropDatabase(url);
  });

  it("refuses a migration_table that is not node-pg-migrate's (e.g. Alembic's alembic_version)", async () => {
    const url = await db.server.createDatabase();
    const store = new PostgreSQLStorageBackend({ url, migration_table: 'alembic_version' });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)');
    await client.end();
    await expect(store.connect()).rejects.toMatchObject({
      kind: 'config',
      message: expect.stringContaining('not a node-pg-migrate migrations table'),
    });
    await db.server.dropDatabase(url);
  });
});
