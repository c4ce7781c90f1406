import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isStorageError, validateBackendConfig } from '@recordstore/core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  migrationNames,
  type PostgreSQLStorageBackend,
  postgresBackend,
  postgresMigrator,
} from '../src/index.js';
import { backendOn, useSuiteDatabase } from './helpers.js';
import { parsedConfig } from './parsed-config.js';

/** The definition's capabilities (usable without a store) and the ones a connected store offers. */

const db = useSuiteDatabase();
const open: PostgreSQLStorageBackend[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'rs-pg-caps-'));
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close().catch(() => {})));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const capabilities = postgresBackend.capabilities!;

describe('definition capabilities', () => {
  it('identity(config) names host, port, database and schema, never credentials or tuning keys', () => {
    const identity = capabilities.identity!;
    const fromUrl = identity(
      parsedConfig({ url: 'postgres://app:s3cret@DB.example:6543/app', schema: 'tenant_a' }),
    );
    expect(fromUrl).toBe('postgresql://db.example:6543/app?schema=tenant_a');
    const fromKeys = identity(
      parsedConfig({
        host: 'db.example',
        port: 6543,
        database: 'app',
        schema_name: 'tenant_a',
        password: 'x',
      }),
    );
    expect(fromKeys).toBe(fromUrl);
    expect(identity(parsedConfig({ connection_pool_size: 3 }))).toBe(
      'postgresql://localhost:5432/storage?schema=public',
    );
    expect(identity(parsedConfig({ url: 'postgres://u@[::1]:5433/d' }))).toBe(
      'postgresql://[::1]:5433/d?schema=public',
    );
  });

  it('inline claims postgres:// and postgresql:// and reads them as a url', () => {
    expect(capabilities.inline).toMatchObject({ schemes: ['postgres', 'postgresql'] });
    expect(capabilities.inline!.parse('postgres://u@h/d')).toEqual({ url: 'postgres://u@h/d' });
  });

  it('adminTasks(config) lists the partition and index tasks by name', async () => {
    const admin = capabilities.adminTasks!(parsedConfig({ url: db.url }));
    const names = admin.tasks.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining(['partitions.status', 'partitions.maintain', 'indexes.analyze']),
    );
    await admin.close();
  });

  it('config check reports the cross-key rules (kind and key kept) without constructing a store', async () => {
    const refused = await validateBackendConfig(postgresBackend, { index_type: 'gin' }).catch(
      (e: unknown) => e,
    );
    expect(isStorageError(refused) && refused).toMatchObject({
      kind: 'unsupported',
      path: 'config.index_type',
    });
    const located = await validateBackendConfig(
      postgresBackend,
      { read_preference: 'replica' },
      { path: 'storage_types.pg.config' },
    ).catch((e: unknown) => e);
    expect(located).toMatchObject({ kind: 'config', path: 'storage_types.pg.config.read_preference' });
  });
});

describe('migrator capability', () => {
  it('status, up with --dry-run SQL, up, down on an empty database', async () => {
    const url = await db.server.createDatabase();
    const migrator = capabilities.migrator!(parsedConfig({ url, schema_name: 'mig' }));
    try {
      const before = await migrator.status();
      expect(before.details).toEqual({ schema: 'mig', migrationsTable: 'recordstore_migrations' });
      expect(before.migrations.every((m) => !m.applied)).toBe(true);
      const dry = await migrator.up({ dryRun: true });
      expect(dry).toMatchObject({ dryRun: true, migrations: migrationNames() });
      expect((dry.details!.sql as string[])[0]).toMatch(/^-- \d+_create-storage-records \(up\)\n/);
      expect((await migrator.status()).migrations.some((m) => m.applied)).toBe(false);
      expect((await migrator.up()).migrations).toEqual(migrationNames());
      const after = await migrator.status();
      expect(after.migrations.every((m) => m.applied && m.appliedAt instanceof Date)).toBe(true);
      expect((await migrator.down!()).migrations).toEqual(migrationNames().slice(-1));
    } finally {
      await migrator.close();
      await db.server.dropDatabase(url);
    }
  });

  it('create(name) writes a timestamped -- Up / -- Down file after the newest one, never overwriting', async () => {
    const dir = join(tmp, 'migrations');
    // The default folder is the package's own; the CLI's --dir goes through the option.
    const migrator = postgresMigrator(parsedConfig({}), { dir });
    const created = await migrator.create('add tenant index');
    expect(created.file).toMatch(/[\\/]\d{13}_add_tenant_index\.sql$/);
    expect(readFileSync(created.file, 'utf8')).toMatch(/-- Up Migration[\s\S]*-- Down Migration/);
    const future = Date.now() + 10_000_000;
    writeFileSync(join(dir, `${future}_ahead.sql`), '');
    expect((await migrator.create('later')).file).toBe(join(dir, `${future + 1}_later.sql`));
    expect(readdirSync(dir)).toHaveLength(3);
    await expect(migrator.create('bad/name')).rejects.toMatchObject({ kind: 'validation', path: 'name' });
  });
});

describe('store capabilities', () => {
  it('metrics only with metrics_enabled; audit and schemaVersion always; bulkImport wraps COPY', async () => {
    const plain = backendOn(db.url, { schema_name: 'caps_plain' });
    open.push(plain);
    await plain.connect();
    expect(plain.capability('metrics')).toBeUndefined();
    expect(await plain.capability('schemaVersion')!.current()).toBe(migrationNames().at(-1));
    expect(await plain.capability('bulkImport')!.importRecords([{ id: 'a' }, { id: 'b' }])).toBe(2);
    expect(await plain.capability('audit')!.entries({ limit: 1 })).toEqual([]);

    const metered = backendOn(db.url, { schema_name: 'caps_plain', metrics_enabled: true });
    open.push(metered);
    await metered.connect();
    await metered.load('a');
    const text = await metered.capability('metrics')!.text();
    expect(text).toMatch(/recordstore_operations_total\{operation="load",outcome="ok"\} 1/);
  });
});
