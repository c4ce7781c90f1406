import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isStorageError } from '@recordstore/core';
import { describe, expect, it } from 'vitest';
import { PostgreSQLStorageBackend, postgresConfigSchema } from '../src/index.js';
import { backendOn, useSuiteDatabase } from './helpers.js';

const db = useSuiteDatabase();

function constructionError(config: Record<string, unknown>) {
  try {
    new PostgreSQLStorageBackend(config);
  } catch (error) {
    if (isStorageError(error)) return error;
    throw error;
  }
  throw new Error('expected the constructor to throw');
}

describe('postgresql config', () => {
  it('applies the design defaults and coerces strings from VAR:default interpolation', () => {
    const config = postgresConfigSchema.parse({
      port: '5433',
      connection_pool_size: '5',
      ssl_enabled: 'false',
      ssl_cert_file: '',
      statement_timeout: '1500',
    });
    expect(config).toMatchObject({
      port: 5433,
      connection_pool_size: 5,
      connection_pool_max_overflow: 20,
      connection_pool_timeout: 30,
      connection_pool_recycle: 3600,
      ssl_enabled: false,
      ssl_mode: 'prefer',
      connect_timeout: 10,
      command_timeout: 30,
      statement_timeout: 1500,
      table_name: 'storage_records',
      schema_name: 'public',
      auto_migrate: true,
      migration_table: 'recordstore_migrations',
      prepared_statements: true,
      bulk_insert_enabled: true,
      bulk_update_enabled: true,
    });
    expect(config.ssl_cert_file).toBeUndefined();
  });

  it('refuses table_name other than storage_records and points to schema_name', () => {
    const error = constructionError({ table_name: 'records' });
    expect(error).toMatchObject({ kind: 'config', path: 'config.table_name' });
    expect(error.message).toContain('schema_name');
  });

  // issue 4: partitioning and auto_create_indexes: false work now (test/partitions*.test.ts,
  // test/indexes.test.ts); index_type is validated against the declared indexes it applies to.
  it('accepts partitioning_enabled and auto_create_indexes: false; refuses index_type with nothing to apply to', () => {
    expect(() => new PostgreSQLStorageBackend({ partitioning_enabled: true })).not.toThrow();
    expect(() => new PostgreSQLStorageBackend({ auto_create_indexes: 'false' })).not.toThrow();
    const error = constructionError({ index_type: 'gin' });
    expect(error).toMatchObject({ kind: 'unsupported', path: 'config.index_type' });
    expect(error.message).toContain('has nothing to apply to');
  });

  it('accepts metrics_enabled (a string from interpolation too); explain_analyze_enabled needs it', () => {
    expect(new PostgreSQLStorageBackend({ metrics_enabled: 'true' }).metricsRegistry).not.toBeNull();
    const error = constructionError({ explain_analyze_enabled: true });
    expect(error).toMatchObject({ kind: 'config', path: 'config.explain_analyze_enabled' });
  });

  it("accepts backup_enabled: scheduled backups run in core's runtime for every backend", () => {
    const store = new PostgreSQLStorageBackend({
      backup_enabled: true,
      backup_interval_hours: 6,
      backup_path: './data/pg-backups',
    });
    expect(store.config).toMatchObject({ backup_enabled: true, backup_interval_hours: 6 });
  });

  it('refuses unknown keys and bad values', () => {
    expect(() => postgresConfigSchema.parse({ hots: 'x' })).toThrow();
    expect(() => postgresConfigSchema.parse({ ssl_mode: 'sometimes' })).toThrow(/ssl_mode/);
    expect(() => postgresConfigSchema.parse({ schema_name: 'a; DROP' })).toThrow(/schema_name/);
  });

  it('accepts libpq-style key aliases', () => {
    const store = new PostgreSQLStorageBackend({ user: 'me', dbname: 'x', sslmode: 'disable' });
    expect(store.config).toMatchObject({ username: 'me', database: 'x', ssl_mode: 'disable' });
  });
});

describe('postgresql column compression', () => {
  const methods = async (schema: string) =>
    (
      await db.sql<{ attname: string; c: string }>(
        `SELECT attname::text, attcompression::text AS c FROM pg_attribute
         WHERE attrelid = to_regclass($1) AND attname IN ('data', 'metadata') ORDER BY attname`,
        [`${schema}.storage_records`],
      )
    ).rows.map((r) => `${r.attname}=${r.c}`);

  it.each([
    ['lz4', 'l'],
    ['pglz', 'p'],
  ])(
    'compression_enabled with %s sets pg_attribute.attcompression on data and metadata; records stay queryable',
    async (algorithm, code) => {
      const schema = `compress_${algorithm}`;
      const store = backendOn(db.url, {
        schema_name: schema,
        compression_enabled: true,
        compression_algorithm: algorithm,
      });
      await store.connect();
      try {
        expect(await methods(schema)).toEqual([`data=${code}`, `metadata=${code}`]);
        const big = 'lorem ipsum '.repeat(20_000);
        await store.save({ id: 'big', type: 'doc', big, metadata: { big } });
        expect(await store.load('big')).toMatchObject({ big, metadata: { big } });
        expect(await store.count({ type: 'doc', big })).toBe(1);
      } finally {
        await store.close();
      }
    },
  );

  it('compression off leaves the columns at the server default', async () => {
    const store = backendOn(db.url, { schema_name: 'compress_off' });
    await store.connect();
    await store.close();
    expect(await methods('compress_off')).toEqual(['data=', 'metadata=']);
  });
});

describe('postgresql writes', () => {
  it.each([
    [true, true],
    [true, false],
    [false, true],
    [false, false],
  ])(
    'saveMany with bulk_insert_enabled=%s bulk_update_enabled=%s inserts, updates, keeps created_at',
    async (bulkInsert, bulkUpdate) => {
      const schema = `bulk_${bulkInsert}_${bulkUpdate}`;
      const store = backendOn(db.url, {
        schema_name: schema,
        bulk_insert_enabled: bulkInsert,
        bulk_update_enabled: bulkUpdate,
        batch_size: 3,
      });
      await store.connect();
      try {
        await store.saveMany([
          { id: 'a', created_at: 1000, v: 0 },
          { id: 'b', v: 0 },
        ]);
        const ids = await store.saveMany(
          Array.from({ length: 7 }, (_, i) => ({ id: ['a', 'b', 'c', 'd', 'e', 'f', 'g'][i], v: 1 })),
        );
        expect(ids).toHaveLength(7);
        expect(await store.count({ v: 1 })).toBe(7);
        expect((await store.load('a'))?.created_at.getTime()).toBe(1000);
        await expect(store.saveMany([{ id: 'h' }, { id: 'i', bad: 10n }])).rejects.toMatchObject({
          kind: 'validation',
        });
        expect(await store.exists('h')).toBe(false);
      } finally {
        await store.close();
      }
    },
  );

  it('timestamps round-trip to the millisecond, including far past and future', async () => {
    const store = backendOn(db.url, { schema_name: 'times' });
    await store.connect();
    try {
      for (const ms of [0, 1, -1, 1_700_000_000_123, 253_402_300_799_999, -62_135_596_800_001]) {
        await store.save({ id: `t${ms}`, created_at: ms }, { preserveTimestamps: true });
        expect((await store.load(`t${ms}`))?.created_at.getTime(), String(ms)).toBe(ms);
        expect(await store.count({ created_at: ms })).toBe(1);
      }
    } finally {
      await store.close();
    }
  });
});

describe('pgtyped codegen', () => {
  it('regenerating the queries against a fresh migrated database changes nothing (drift check)', () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const generated = ['records', 'maintenance', 'replication'].map((n) =>
      fileURLToPath(new URL(`../src/generated/${n}.queries.ts`, import.meta.url)),
    );
    const before = generated.map((f) => readFileSync(f, 'utf8'));
    const result = spawnSync(process.execPath, ['packages/postgres/scripts/codegen.mjs'], {
      cwd: root,
      encoding: 'utf8',
      env: process.env,
    });
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/\bError\b/);
    expect(generated.map((f) => readFileSync(f, 'utf8'))).toEqual(before);
  }, 120_000);
});
