import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isStorageError, parseBackendConfig, requireCapability, type StorageError } from '@recordstore/core';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS_TABLE, type SQLiteConfigInput, sqliteBackend } from '../src/index.js';
import { upSection } from '../src/migrations/index.js';
import { openStore, tempDir } from './helpers.js';

const migratorFor = (config: Partial<SQLiteConfigInput>) =>
  requireCapability(
    'sqlite',
    sqliteBackend.capabilities?.migrator,
    'migrator',
    'test',
  )(parseBackendConfig(sqliteBackend, config).config);

/** A database path and a migrations folder holding `files`, in a fresh temp folder. */
function setup(files: Record<string, string>): { path: string; dir: string } {
  const root = tempDir();
  const dir = join(root, 'migrations');
  mkdirSync(dir);
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return { path: join(root, 'app.db'), dir };
}

const NOTES = `-- Up Migration
CREATE TABLE notes (id TEXT PRIMARY KEY, body TEXT);
-- Down Migration
DROP TABLE notes;
`;

async function rejection(promise: Promise<unknown>): Promise<StorageError> {
  const error = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  if (!isStorageError(error)) throw error;
  return error;
}

const tables = (path: string): string[] => {
  const db = new Database(path, { readonly: true });
  try {
    return db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
      .pluck()
      .all() as string[];
  } finally {
    db.close();
  }
};

describe("SQLite: the deployment's own migrations (migrations_dir), forward-only", () => {
  it('up applies the shipped migrations, then the .sql files in number order, recorded apart; Down is not run', async () => {
    const { path, dir } = setup({
      '20_index.sql': '-- Up Migration\nCREATE INDEX notes_body_idx ON notes (body);\n',
      '10_notes.sql': NOTES,
      'README.md': 'not a migration',
    });
    const migrator = migratorFor({ path, migrations_dir: dir });
    const before = await migrator.status();
    expect(before.migrations.filter((m) => m.source === 'deployment')).toEqual([
      { name: '10_notes', applied: false, source: 'deployment', appliedAt: null },
      { name: '20_index', applied: false, source: 'deployment', appliedAt: null },
    ]);
    expect(before.details).toMatchObject({
      migrationsDir: dir,
      note: expect.stringContaining('forward-only'),
    });
    expect(existsSync(path)).toBe(false);

    const dry = await migrator.up({ dryRun: true });
    expect(((dry.details?.sql ?? []) as string[]).at(-2)).toMatch(
      /^-- 10_notes \(deployment\)\n-- Up Migration\nCREATE TABLE notes/,
    );
    expect(((dry.details?.sql ?? []) as string[]).join('\n')).not.toContain('DROP TABLE notes');

    const up = await migrator.up();
    expect(up.migrations.slice(-2)).toEqual(['10_notes', '20_index']);
    expect(tables(path)).toContain('notes');
    const db = new Database(path, { readonly: true });
    expect(
      db
        .prepare(`SELECT target, version, name FROM ${MIGRATIONS_TABLE} WHERE target LIKE '%:deployment'`)
        .all(),
    ).toEqual([
      { target: 'storage_records:deployment', version: 10, name: '10_notes' },
      { target: 'storage_records:deployment', version: 20, name: '20_index' },
    ]);
    db.close();
    expect((await migrator.status()).migrations.every((m) => m.applied)).toBe(true);
    expect((await migrator.up()).migrations).toEqual([]);
    expect(migrator.down).toBeUndefined();
    await migrator.close();
  });

  it('all or nothing: a failing deployment migration rolls the shipped ones back too', async () => {
    const { path, dir } = setup({ '1_broken.sql': '-- Up Migration\nCREATE TABLE oops (;\n' });
    const migrator = migratorFor({ path, migrations_dir: dir });
    await expect(migrator.up()).rejects.toThrow();
    expect(tables(path)).not.toContain('storage_records');
    await migrator.close();
  });

  it('refuses a file without a number, two files with one number, and one numbered below an applied one', async () => {
    const bad = setup({ 'notes.sql': NOTES });
    expect(
      (await rejection(migratorFor({ path: bad.path, migrations_dir: bad.dir }).status())).message,
    ).toMatch(/"notes.sql": name each file <number>_<name>\.sql/);
    const twins = setup({ '5_a.sql': NOTES, '5_b.sql': NOTES });
    expect(
      (await rejection(migratorFor({ path: twins.path, migrations_dir: twins.dir }).status())).message,
    ).toMatch(/5_a share their number/);
    const late = setup({ '50_notes.sql': NOTES });
    const migrator = migratorFor({ path: late.path, migrations_dir: late.dir });
    await migrator.up();
    writeFileSync(join(late.dir, '40_late.sql'), 'SELECT 1;');
    const error = await rejection(migrator.up());
    expect(error).toMatchObject({ kind: 'config', path: 'config.migrations_dir' });
    expect(error.message).toMatch(
      /40_late in migrations_dir sort before a migration that is already applied/,
    );
  });

  it('create writes a numbered file into migrations_dir that up applies; opening a store applies only the shipped ones', async () => {
    const { path, dir } = setup({});
    const migrator = migratorFor({ path, migrations_dir: dir });
    const created = await migrator.create!('add notes');
    expect(created.file).toMatch(/[\\/]migrations[\\/]\d{13}_add_notes\.sql$/);
    const template = readFileSync(created.file, 'utf8');
    expect(template.startsWith('-- Up Migration\n')).toBe(true);
    expect(template).toContain('\n-- Down Migration\n');
    writeFileSync(created.file, NOTES);
    const store = await openStore({ path, migrations_dir: dir });
    await store.save({ id: 'a' });
    expect(tables(path)).not.toContain('notes');
    expect((await migrator.status()).migrations.at(-1)).toMatchObject({
      source: 'deployment',
      applied: false,
    });
    expect((await migrator.up()).migrations).toHaveLength(1);
    expect(tables(path)).toContain('notes');
  });

  it('upSection splits like node-pg-migrate: the Up section, or the whole file without markers', () => {
    expect(upSection('-- Up Migration\nA;\n-- Down Migration\nB;\n')).toEqual({
      up: '-- Up Migration\nA;\n',
      hasDown: true,
    });
    expect(upSection('A;\n')).toEqual({ up: 'A;\n', hasDown: false });
    expect(upSection('-- down migration\nB;\n-- up migration\nA;\n')).toEqual({
      up: '-- up migration\nA;\n',
      hasDown: true,
    });
  });
});
