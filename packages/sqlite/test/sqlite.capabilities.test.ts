import { existsSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isStorageError, parseBackendConfig, requireCapability } from '@recordstore/core';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import {
  MIGRATIONS_TABLE,
  migrateSQLite,
  SQLITE_MIGRATIONS,
  type SQLiteConfigInput,
  SQLiteStorageBackend,
  sqliteBackend,
} from '../src/index.js';
import { openStore, tempDir } from './helpers.js';

const LABELS = ['0001-create_storage_records', '0002-index_updated_at', '0003-create_meta'];
const parse = (config: Partial<SQLiteConfigInput>) => parseBackendConfig(sqliteBackend, config).config;
const capabilities = sqliteBackend.capabilities!;

function migratorFor(config: Partial<SQLiteConfigInput>) {
  return requireCapability('sqlite', capabilities.migrator, 'migrator', 'test')(parse(config));
}

describe('sqliteBackend.capabilities.migrator(config)', () => {
  it('status() on a missing file lists every shipped migration as pending and creates nothing', async () => {
    const path = join(tempDir(), 'sub', 'fresh.db');
    const migrator = migratorFor({ path });
    try {
      const status = await migrator.status();
      expect(status.migrations).toEqual(
        LABELS.map((name) => ({ name, applied: false, source: 'shipped', appliedAt: null })),
      );
      expect(status.details).toEqual({ file: path, table: 'storage_records' });
      expect(existsSync(path)).toBe(false);
    } finally {
      await migrator.close();
    }
  });

  it('up({ dryRun: true }) names the pending migrations and their SQL, and changes nothing', async () => {
    const path = join(tempDir(), 'dry.db');
    const migrator = migratorFor({ path, table_name: 'events' });
    try {
      const run = await migrator.up({ dryRun: true });
      expect(run).toMatchObject({
        migrations: LABELS,
        dryRun: true,
        details: { file: path, table: 'events' },
      });
      const sql = run.details?.sql as string[];
      expect(sql).toHaveLength(3);
      expect(sql[0]).toMatch(/^-- 0001-create_storage_records\n[\s\S]*CREATE TABLE "events"/);
      expect(sql[1]).toContain('CREATE INDEX "events_updated_idx" ON "events" (updated_at, id)');
      expect(sql[2]).toContain('CREATE TABLE IF NOT EXISTS recordstore_meta');
      expect(existsSync(path)).toBe(false);
    } finally {
      await migrator.close();
    }
  });

  it('up() applies every pending migration in WAL mode; a second up() and a connect() apply nothing', async () => {
    const path = join(tempDir(), 'up.db');
    const migrator = migratorFor({ path });
    try {
      expect(await migrator.up()).toEqual({
        migrations: LABELS,
        dryRun: false,
        details: { file: path, table: 'storage_records' },
      });
      const status = await migrator.status();
      expect(status.migrations.every((m) => m.applied && m.appliedAt instanceof Date)).toBe(true);
      expect((await migrator.up()).migrations).toEqual([]);
      expect(await migrator.up({ dryRun: true })).toMatchObject({ migrations: [], details: { sql: [] } });
    } finally {
      await migrator.close();
    }
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    const store = await openStore({ path });
    await store.save({ id: 'after-migrate' });
    const check = new Database(path, { readonly: true });
    expect(check.prepare(`SELECT count(*) FROM ${MIGRATIONS_TABLE}`).pluck().get()).toBe(
      SQLITE_MIGRATIONS.length,
    );
    check.close();
  });

  it('status() reports what connect() applied, per table', async () => {
    const path = join(tempDir(), 'connected.db');
    await openStore({ path, table_name: 'alpha' });
    const alpha = migratorFor({ path, table_name: 'alpha' });
    const beta = migratorFor({ path, table_name: 'beta' });
    try {
      expect((await alpha.status()).migrations.map((m) => m.applied)).toEqual([true, true, true]);
      expect((await beta.status()).migrations.map((m) => m.applied)).toEqual([false, false, false]);
    } finally {
      await alpha.close();
      await beta.close();
    }
  });

  it('up({ count }) below the pending count is refused: SQLite applies its migrations together', async () => {
    const migrator = migratorFor({ path: join(tempDir(), 'count.db') });
    await expect(migrator.up({ count: 1 })).rejects.toMatchObject({
      kind: 'validation',
      message: /applies its 3 pending migrations together in one transaction; run without --count/,
    });
    expect((await migrator.up({ count: 3 })).migrations).toEqual(LABELS);
    await migrator.close();
  });

  it("is forward-only: no down(); create() writes the deployment's migrations (sqlite.deployment-migrations.test.ts)", () => {
    const migrator = migratorFor({ path: join(tempDir(), 'x.db') });
    expect(migrator.down).toBeUndefined();
    expect(migrator.create).toBeTypeOf('function');
  });

  it(':memory: has everything pending and cannot be migrated ahead of time', async () => {
    const migrator = migratorFor({ path: ':memory:' });
    expect((await migrator.status()).migrations.every((m) => !m.applied)).toBe(true);
    await expect(migrator.up()).rejects.toMatchObject({ kind: 'unsupported', message: /in-memory database/ });
  });

  it('a table migrated by a newer package, or a file that is not a database, fails with a typed error', async () => {
    const dir = tempDir();
    const newer = join(dir, 'newer.db');
    const db = new Database(newer);
    migrateSQLite(db);
    db.prepare(`INSERT INTO ${MIGRATIONS_TABLE} VALUES ('storage_records', 999, 'future', 0)`).run();
    db.close();
    await expect(migratorFor({ path: newer }).status()).rejects.toMatchObject({
      kind: 'unsupported',
      message: /Upgrade @recordstore\/sqlite/,
    });
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'not sqlite'.repeat(300));
    const error = await migratorFor({ path: junk })
      .status()
      .catch((e: unknown) => e);
    expect(isStorageError(error, 'connection')).toBe(true);
    expect((error as Error).message).toContain(junk);
  });

  it('close() ends it: later calls are refused', async () => {
    const migrator = migratorFor({ path: join(tempDir(), 'closed.db') });
    await migrator.close();
    await expect(migrator.status()).rejects.toMatchObject({ kind: 'connection', message: /closed/ });
  });
});

describe('sqliteBackend.capabilities.identity(config)', () => {
  const identity = (config: Partial<SQLiteConfigInput>) => capabilities.identity!(parse(config));

  it('two spellings of one file give one identity: sqlite:<absolute path>', () => {
    const absolute = join(tempDir(), 'data', 'x.db');
    const relativePath = `./${relative(process.cwd(), absolute)}`;
    expect(identity({ path: absolute })).toBe(`sqlite:${absolute}`);
    expect(identity({ path: relativePath })).toBe(`sqlite:${absolute}`);
    expect(identity({ path: join(absolute, '..', '.', 'x.db') })).toBe(`sqlite:${absolute}`);
  });

  it('tuning keys never change it; the file and :memory: do', () => {
    const path = join(tempDir(), 'y.db');
    const base = identity({ path });
    expect(
      identity({ path, batch_size: 7, busy_timeout_ms: 10, journal_mode: 'delete', table_name: 't' }),
    ).toBe(base);
    expect(identity({ path: `${path}2` })).not.toBe(base);
    expect(identity({ path: ':memory:' })).toBe('sqlite::memory:');
  });
});

describe('sqliteBackend.capabilities.inline', () => {
  const inline = capabilities.inline!;

  it('claims the sqlite scheme', () => {
    expect(inline.schemes).toEqual(['sqlite']);
  });

  it.each([
    ['sqlite:./x.db', './x.db'],
    ['sqlite:/abs/x.db', '/abs/x.db'],
    ['sqlite:///abs/x.db', '/abs/x.db'],
    ['sqlite://./x.db', './x.db'],
    ['SQLite:data/x.db', 'data/x.db'],
    ['sqlite::memory:', ':memory:'],
  ])('parse(%s) is { path: %s }', (spec, path) => {
    expect(inline.parse(spec)).toEqual({ path });
  });

  it.each(['sqlite:', 'sqlite://', '  sqlite:  '])(
    'parse(%j) names no file: a config error that says what to write',
    (spec) => {
      let error: unknown;
      try {
        inline.parse(spec);
      } catch (e) {
        error = e;
      }
      expect(isStorageError(error, 'config')).toBe(true);
      expect((error as Error).message).toBe(
        `"${spec.trim()}" names no file: write sqlite:./path/to/file.db (or sqlite::memory:).`,
      );
    },
  );

  it('parse() refuses a spec of another scheme', () => {
    expect(() => inline.parse('postgres://h/db')).toThrow(/is not a SQLite store/);
  });

  it('the parsed config is a valid sqlite config with the identity of the same file', () => {
    const path = join(tempDir(), 'z.db');
    expect(capabilities.identity!(parse(inline.parse(`sqlite://${path}`)))).toBe(`sqlite:${path}`);
  });
});

describe('store.capability(schemaVersion)', () => {
  it('current() is the latest applied migration, the number health reports', async () => {
    const store = await openStore();
    const version = await store.capability('schemaVersion')?.current();
    expect(version).toBe(SQLITE_MIGRATIONS.at(-1)?.version);
    expect((await store.healthCheck()).details.schemaVersion).toBe(version);
  });

  it('the class carries its definition for the registry', () => {
    expect(SQLiteStorageBackend.definition).toBe(sqliteBackend);
    expect(sqliteBackend).toMatchObject({ name: 'sqlite', packageName: '@recordstore/sqlite' });
  });
});
