import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isStorageError, type StorageError } from '@recordstore/core';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  migratePostgres,
  migrationNames,
  PostgreSQLStorageBackend,
  type PostgresConfigInput,
  postgresMigrationStatus,
  postgresMigrator,
} from '../src/index.js';
import { useSuiteDatabase } from './helpers.js';
import { parsedConfig } from './parsed-config.js';

// One unmigrated database; each test works in a schema of its own (schema_name), so each starts empty.
const db = useSuiteDatabase({ migrated: false });
const folders: string[] = [];
afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/** A deployment migrations folder holding `files` (name -> SQL). */
function migrationsFolder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'rs-deploy-migrations-'));
  folders.push(dir);
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

const NOTES_UP = `-- Up Migration
CREATE TABLE deploy_notes (id text PRIMARY KEY, body text);
-- Down Migration
DROP TABLE deploy_notes;
`;
const NOTES_INDEX = `-- Up Migration
CREATE INDEX deploy_notes_body_idx ON deploy_notes (body);
-- Down Migration
DROP INDEX deploy_notes_body_idx;
`;

let schemas = 0;
/** A config block on a schema of its own (the store starts empty there). */
const raw = (extra: PostgresConfigInput = {}): PostgresConfigInput => ({
  url: db.url,
  schema_name: `deploy_${process.pid}_${++schemas}`,
  connection_pool_size: 1,
  ...extra,
});
const config = (extra: PostgresConfigInput = {}) => parsedConfig(raw(extra));

async function rejection(promise: Promise<unknown>): Promise<StorageError> {
  const error = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  if (!isStorageError(error)) throw error;
  return error;
}

async function tableExists(schema: string, table: string): Promise<boolean> {
  const result = await db.sql<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [
    `${schema}.${table}`,
  ]);
  return result.rows[0]!.present;
}

describe("the deployment's own migrations (migrations_dir)", () => {
  it("migrate up applies the shipped migrations, then the deployment's, in one history; status says whose", async () => {
    // Numbered before every shipped migration, yet applied after them: each folder keeps its own order.
    const dir = migrationsFolder({ '1000_notes.sql': NOTES_UP, '1001_notes-index.sql': NOTES_INDEX });
    const c = config({ migrations_dir: dir });
    const status = await postgresMigrationStatus({ config: c });
    expect(status.pending).toEqual([...migrationNames(), '1000_notes', '1001_notes-index']);
    expect(status.pendingMigrations.at(-1)).toEqual({ name: '1001_notes-index', source: 'deployment' });

    const up = await migratePostgres({ config: c, direction: 'up' });
    expect(up.migrations).toEqual([...migrationNames(), '1000_notes', '1001_notes-index']);
    expect(await tableExists(c.schema_name, 'deploy_notes')).toBe(true);

    const migrator = postgresMigrator(c);
    const report = await migrator.status();
    expect(report.migrations.map((m) => [m.name, m.applied, m.source])).toEqual([
      ...migrationNames().map((name) => [name, true, 'shipped']),
      ['1000_notes', true, 'deployment'],
      ['1001_notes-index', true, 'deployment'],
    ]);
    expect(report.details).toMatchObject({ migrationsDir: dir, migrationsTable: 'recordstore_migrations' });

    // down reverts the newest first, from the deployment's folder, then crosses into the shipped ones.
    const down = await migratePostgres({ config: c, direction: 'down', count: 3 });
    expect(down.migrations).toEqual(['1001_notes-index', '1000_notes', migrationNames().at(-1)]);
    expect(await tableExists(c.schema_name, 'deploy_notes')).toBe(false);
    const again = await migratePostgres({ config: c, direction: 'up' });
    expect(again.migrations).toEqual([migrationNames().at(-1), '1000_notes', '1001_notes-index']);
  });

  it("a deployment migration added after the deployment's later one ran is refused, naming both", async () => {
    const dir = migrationsFolder({ '2000_notes.sql': NOTES_UP });
    const c = config({ migrations_dir: dir });
    await migratePostgres({ config: c, direction: 'up' });
    writeFileSync(join(dir, '1500_late.sql'), '-- Up Migration\nSELECT 1;\n-- Down Migration\nSELECT 1;\n');
    const error = await rejection(migratePostgres({ config: c, direction: 'up' }));
    expect(error).toMatchObject({ kind: 'config', path: 'config.migrations_dir' });
    expect(error.message).toMatch(/1500_late \(deployment, .*\) sorts before 2000_notes, which is applied/);
  });

  it('refuses files node-pg-migrate cannot order and names that clash with shipped ones; ignores other files', async () => {
    const bad = config({ migrations_dir: migrationsFolder({ 'notes.sql': NOTES_UP }) });
    expect((await rejection(postgresMigrationStatus({ config: bad }))).message).toMatch(
      /"notes.sql".*<timestamp>_<name>\.sql/,
    );
    const clash = config({ migrations_dir: migrationsFolder({ [`${migrationNames()[0]}.sql`]: NOTES_UP }) });
    expect((await rejection(postgresMigrationStatus({ config: clash }))).message).toMatch(
      /has the name of a migration/,
    );
    const dir = migrationsFolder({
      '3000_notes.sql': NOTES_UP,
      'README.md': '# ours',
      '.3001_x.sql': 'BROKEN',
    });
    const status = await postgresMigrationStatus({ config: config({ migrations_dir: dir }) });
    expect(status.pending.filter((n) => !migrationNames().includes(n))).toEqual(['3000_notes']);
  });

  it('connect with auto_migrate applies them; without it a pending deployment migration is refused', async () => {
    const dir = migrationsFolder({ '4000_notes.sql': NOTES_UP });
    const block = raw({ migrations_dir: dir });
    const c = parsedConfig(block);
    await migratePostgres({ config: { ...c, migrations_dir: undefined }, direction: 'up' });
    const strict = new PostgreSQLStorageBackend({ ...block, auto_migrate: false });
    const error = await rejection(strict.connect());
    await strict.close();
    expect(error).toMatchObject({ kind: 'config', path: 'config.auto_migrate' });
    expect(error.message).toContain('4000_notes');
    expect(error.message).toContain('recordstore migrate up');
    const store = new PostgreSQLStorageBackend(block);
    await store.connect();
    await store.close();
    expect(await tableExists(c.schema_name, 'deploy_notes')).toBe(true);
  });

  it('migrate create writes a timestamped file into migrations_dir that up then applies', async () => {
    const dir = migrationsFolder({});
    const c = config({ migrations_dir: dir });
    const migrator = postgresMigrator(c);
    const created = await migrator.create('add notes');
    expect(created.file).toMatch(/[\\/]\d{13}_add_notes\.sql$/);
    expect(created.file.startsWith(dir)).toBe(true);
    writeFileSync(created.file, NOTES_UP);
    const up = await migrator.up();
    expect(up.migrations.at(-1)).toBe(created.file.replace(/^.*[\\/]/, '').replace(/\.sql$/, ''));
    expect(await tableExists(c.schema_name, 'deploy_notes')).toBe(true);
  });
});

describe('connect without auto_migrate only checks the schema settings; migrate up applies them', () => {
  it('refuses a disabled audit trigger and a missing declared index, naming each setting; migrate up fixes both', async () => {
    const wanted = raw({
      auto_migrate: false,
      audit_enabled: true,
      indexes: [{ path: 'score', type: 'numeric' }],
    });
    await migratePostgres({
      config: parsedConfig({ ...wanted, audit_enabled: false, indexes: [] }),
      direction: 'up',
    });
    const strict = new PostgreSQLStorageBackend(wanted);
    const error = await rejection(strict.connect());
    await strict.close();
    expect(error).toMatchObject({ kind: 'config', path: 'config.audit_enabled' });
    expect(error.message).toMatch(/auto_migrate is false/);
    expect(error.message).toMatch(/audit_enabled: .*audit trigger recordstore_audit is disabled/);
    expect(error.message).toMatch(/indexes: declared indexes .* do not exist/);
    expect(error.message).toContain('recordstore migrate up');

    const migrator = postgresMigrator(parsedConfig(wanted));
    expect((await migrator.status()).details?.settings).toHaveLength(2);
    const dry = await migrator.up({ dryRun: true });
    expect(((dry.details?.sql ?? []) as string[]).join('\n')).toMatch(
      /-- audit_enabled: .*migrate up would enable/,
    );
    const up = await migrator.up();
    expect(up.migrations).toEqual([]);
    expect(up.details?.settings).toEqual([
      'audit_enabled: enable the audit trigger (the table owner must run it)',
      expect.stringMatching(/^indexes: created /),
    ]);
    const store = new PostgreSQLStorageBackend(wanted);
    await store.connect();
    await store.save({ id: 'audited', score: 3 });
    expect((await store.auditLog({ id: 'audited' }))[0]).toMatchObject({ operation: 'INSERT' });
    await store.close();
  });

  it('refuses an unconverted layout with auto_migrate: false; migrate up converts the empty table', async () => {
    const hashed = raw({
      auto_migrate: false,
      partitioning_enabled: true,
      partition_strategy: 'hash',
      partition_count: 4,
    });
    await migratePostgres({
      config: parsedConfig({ ...hashed, partitioning_enabled: false }),
      direction: 'up',
    });
    const error = await rejection(new PostgreSQLStorageBackend(hashed).connect());
    expect(error).toMatchObject({ kind: 'config', path: 'config.partitioning_enabled' });
    expect(error.message).toMatch(/unpartitioned, the config asks for hash on id \(4 partitions\)/);
    const up = await migratePostgres({ config: parsedConfig(hashed), direction: 'up' });
    expect(up.settings).toEqual(['partitioning_enabled: convert the empty table to the configured layout']);
    const store = new PostgreSQLStorageBackend(hashed);
    await store.connect();
    expect((await store.partitionStatus()).partitions).toHaveLength(4);
    await store.close();
  });

  it('a database that matches the config connects without auto_migrate and without taking the migration lock', async () => {
    const block = raw();
    await migratePostgres({ config: parsedConfig(block), direction: 'up' });
    // Another session holds node-pg-migrate's lock: a connect that needed it would wait here.
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    try {
      await locker.query('SELECT pg_advisory_lock(7241865325823964)');
      const store = new PostgreSQLStorageBackend({ ...block, auto_migrate: true });
      await store.connect();
      await store.close();
    } finally {
      await locker.end();
    }
  });
});
