import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isStorageError, StorageError } from '@recordstore/core';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import {
  MIGRATIONS_TABLE,
  migrateSQLite,
  SQLITE_MIGRATIONS,
  SQLiteStorageBackend,
  sqliteConfigSchema,
  sqliteMigrationStatus,
} from '../src/index.js';
import { openStore, tempDir } from './helpers.js';

const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));

function configError(fn: () => unknown): StorageError {
  try {
    fn();
  } catch (error) {
    expect(isStorageError(error, 'config')).toBe(true);
    return error as StorageError;
  }
  throw new Error('expected a config error');
}

describe('sqlite migrations', () => {
  it('migrateSQLite(db) creates the table, its indexes and the bookkeeping row, once', () => {
    const db = new Database(join(tempDir(), 'm.db'));
    expect(sqliteMigrationStatus(db)).toMatchObject({ current: 0, pending: SQLITE_MIGRATIONS.length });
    const first = migrateSQLite(db, { now: () => 1234 });
    expect(first.applied).toEqual(SQLITE_MIGRATIONS.map((m) => m.version));
    expect(first).toMatchObject({ current: first.latest, pending: 0 });
    const again = migrateSQLite(db);
    expect(again.applied).toEqual([]);
    const indexes = db
      .prepare(
        `SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'storage_records' AND sql IS NOT NULL ORDER BY name`,
      )
      .pluck()
      .all();
    expect(indexes).toEqual([
      'storage_records_created_idx',
      'storage_records_expires_idx',
      'storage_records_session_created_idx',
      'storage_records_thread_created_idx',
      'storage_records_type_created_idx',
      'storage_records_updated_idx',
    ]);
    const rows = db.prepare(`SELECT target, version, name, applied_at FROM ${MIGRATIONS_TABLE}`).all();
    expect(rows).toEqual([
      { target: 'storage_records', version: 1, name: 'create_storage_records', applied_at: 1234 },
      { target: 'storage_records', version: 2, name: 'index_updated_at', applied_at: 1234 },
      { target: 'storage_records', version: 3, name: 'create_meta', applied_at: 1234 },
    ]);
    expect(sqliteMigrationStatus(db).migrations[0]?.appliedAt).toEqual(new Date(1234));
    db.close();
  });

  it('connect() migrates once; a second backend on the same file applies nothing and sees the data', async () => {
    const path = join(tempDir(), 'twice.db');
    const a = new SQLiteStorageBackend({ path });
    await a.connect();
    await a.save({ id: 'x', v: 1 });
    await a.close();
    const b = new SQLiteStorageBackend({ path });
    await b.connect();
    expect(await b.load('x')).toMatchObject({ id: 'x', v: 1 });
    await b.close();
    const db = new Database(path);
    expect(db.prepare(`SELECT count(*) FROM ${MIGRATIONS_TABLE}`).pluck().get()).toBe(
      SQLITE_MIGRATIONS.length,
    );
    db.close();
  });

  it('table_name keeps separate tables and migration rows in one file', async () => {
    const path = join(tempDir(), 'tables.db');
    const a = await openStore({ path, table_name: 'alpha' });
    const b = await openStore({ path, table_name: 'beta_2' });
    await a.save({ id: 'same', from: 'a' });
    await b.save({ id: 'same', from: 'b' });
    expect(await a.load('same')).toMatchObject({ from: 'a' });
    expect(await b.load('same')).toMatchObject({ from: 'b' });
    const db = new Database(path, { readonly: true });
    expect(
      db.prepare(`SELECT DISTINCT target FROM ${MIGRATIONS_TABLE} ORDER BY target`).pluck().all(),
    ).toEqual(['alpha', 'beta_2']);
    db.close();
  });

  it('a table migrated by a newer package refuses to open with an upgrade hint', async () => {
    const path = join(tempDir(), 'newer.db');
    const db = new Database(path);
    migrateSQLite(db);
    db.prepare(`INSERT INTO ${MIGRATIONS_TABLE} VALUES ('storage_records', 999, 'future', 0)`).run();
    db.close();
    const store = new SQLiteStorageBackend({ path });
    await expect(store.connect()).rejects.toMatchObject({
      kind: 'unsupported',
      message: /Upgrade @recordstore\/sqlite/,
    });
    expect(store.isConnected()).toBe(false);
  });

  it('the file is in WAL mode with the configured busy timeout and synchronous level', async () => {
    const store = await openStore({ busy_timeout_ms: 1234, synchronous: 'full' });
    const health = await store.healthCheck();
    expect(health).toMatchObject({
      status: 'healthy',
      details: { journalMode: 'wal', schemaVersion: SQLITE_MIGRATIONS.length },
    });
    const db = new Database(store.path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('journal_mode: delete is honoured', async () => {
    const store = await openStore({ journal_mode: 'delete' });
    expect((await store.healthCheck()).details.journalMode).toBe('delete');
  });

  it(':memory: works and is neither persistent nor multi-process', async () => {
    const store = new SQLiteStorageBackend({ path: ':memory:' });
    await store.connect();
    await store.save({ id: 'm' });
    expect(await store.exists('m')).toBe(true);
    expect(store.capabilities).toMatchObject({ persistent: false, multiProcess: false });
    await store.close();
  });

  it('the default path ./data/recordstore.db is created under the working directory', () => {
    const cwd = tempDir();
    const script = `import { SQLiteStorageBackend } from ${JSON.stringify(DIST)};
const s = new SQLiteStorageBackend(); await s.connect(); await s.save({ id: 'd' }); await s.close();`;
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd, stdio: 'pipe' });
    expect(existsSync(join(cwd, 'data', 'recordstore.db'))).toBe(true);
    const db = new Database(join(cwd, 'data', 'recordstore.db'), { readonly: true });
    expect(db.prepare('SELECT id FROM storage_records').pluck().all()).toEqual(['d']);
    db.close();
  });
});

describe('sqlite config', () => {
  it('applies the documented defaults', () => {
    expect(sqliteConfigSchema.parse({})).toMatchObject({
      path: './data/recordstore.db',
      busy_timeout_ms: 5000,
      journal_mode: 'wal',
      synchronous: 'normal',
      compression_algorithm: 'gzip',
      table_name: 'storage_records',
    });
  });

  it('coerces strings from YAML and env interpolation', () => {
    expect(
      sqliteConfigSchema.parse({ busy_timeout_ms: '250', journal_mode: 'WAL', compression_enabled: 'true' }),
    ).toMatchObject({ busy_timeout_ms: 250, journal_mode: 'wal', compression_enabled: true });
  });

  it('refuses PostgreSQL compression algorithms with a message that says what to do', () => {
    const error = configError(() => new SQLiteStorageBackend({ compression_algorithm: 'lz4' as 'gzip' }));
    expect(error.message).toMatch(/compression_algorithm must be gzip for SQLite.*\(got "lz4"\)/);
    expect(error.path).toBe('config.compression_algorithm');
  });

  it('refuses a bad table_name, a journal_mode that breaks atomicity, and unknown keys', () => {
    expect(configError(() => new SQLiteStorageBackend({ table_name: 'x; DROP TABLE y' })).message).toMatch(
      /config\.table_name: table_name must be an identifier.*\(got "x; DROP TABLE y"\)/,
    );
    expect(configError(() => new SQLiteStorageBackend({ journal_mode: 'off' as 'wal' })).message).toMatch(
      /journal_mode must be one of wal, delete, truncate, persist \(memory and off are refused.*\(got "off"\)/,
    );
    expect(
      configError(() => new SQLiteStorageBackend({ host: 'db' } as Record<string, unknown>)).message,
    ).toMatch(/config\.host: unknown key "host"/);
    expect(
      configError(() => new SQLiteStorageBackend({ busy_timeout_ms: 'soon' as unknown as number })).path,
    ).toBe('config.busy_timeout_ms');
  });
});

describe('sqlite errors', () => {
  it('a file that is not a database fails connect() with a connection error naming the file', async () => {
    const path = join(tempDir(), 'not-a-db.db');
    writeFileSync(path, 'this is not sqlite'.repeat(200));
    const store = new SQLiteStorageBackend({ path });
    const error = await store.connect().catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'connection', code: 'SQLITE_NOTADB', retryable: false });
    expect((error as Error).message).toContain(path);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it('a path under a file (not a folder) fails connect() with a config-free, actionable error', async () => {
    const file = join(tempDir(), 'plain-file');
    writeFileSync(file, 'x');
    const store = new SQLiteStorageBackend({ path: join(file, 'store.db') });
    await expect(store.connect()).rejects.toBeInstanceOf(StorageError);
  });

  it('a write lock held by another connection past busy_timeout_ms is a retryable timeout', async () => {
    const store = await openStore({ busy_timeout_ms: 50 });
    const other = new Database(store.path);
    other.prepare('BEGIN IMMEDIATE').run();
    try {
      const error = await store.save({ id: 'blocked' }).catch((e: unknown) => e);
      expect(error).toMatchObject({ kind: 'timeout', retryable: true, code: 'SQLITE_BUSY' });
      expect((error as Error).message).toMatch(/busy_timeout_ms \(50 ms\)/);
    } finally {
      other.prepare('ROLLBACK').run();
      other.close();
    }
    await store.save({ id: 'after' });
    expect(await store.exists('after')).toBe(true);
  });
});
