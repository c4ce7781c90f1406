import { isStorageError, type StorageError } from '@recordstore/core';
import { describe, expect, it } from 'vitest';
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

// One unmigrated database; each test adopts a table in a schema of its own.
const db = useSuiteDatabase({ migrated: false });

/**
 * storage_records as the design document declares it (postgresql-backend-design.zh.md, 2.2, the
 * SQLAlchemy model `StorageRecord` and its __table_args__), in the DDL SQLAlchemy emits for it: String is
 * VARCHAR, DateTime is TIMESTAMP WITHOUT TIME ZONE, Boolean(default=False) has a client-side default only.
 */
const DESIGN_DDL = `
CREATE TABLE storage_records (
  id VARCHAR NOT NULL,
  data JSONB NOT NULL,
  created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
  updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
  expires_at TIMESTAMP WITHOUT TIME ZONE,
  compressed BOOLEAN,
  type VARCHAR,
  session_id VARCHAR,
  thread_id VARCHAR,
  metadata JSONB,
  PRIMARY KEY (id)
);
CREATE INDEX idx_storage_type ON storage_records (type);
CREATE INDEX idx_storage_session_id ON storage_records (session_id);
CREATE INDEX idx_storage_thread_id ON storage_records (thread_id);
CREATE INDEX idx_storage_expires_at ON storage_records (expires_at);
CREATE INDEX idx_storage_created_at ON storage_records (created_at);
CREATE INDEX idx_storage_data_gin ON storage_records USING gin (data);
`;

let schemas = 0;
/** A new schema holding `ddl` (run with search_path set to it), and a config block on it. */
async function schemaWith(ddl: string): Promise<PostgresConfigInput & { schema_name: string }> {
  const schema = `baseline_${process.pid}_${++schemas}`;
  await db.sql(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}; ${ddl}`);
  return { url: db.url, schema_name: schema, connection_pool_size: 1 };
}

async function rejection(promise: Promise<unknown>): Promise<StorageError> {
  const error = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  if (!isStorageError(error)) throw error;
  return error;
}

describe('recordstore migrate baseline (PostgreSQL)', () => {
  it("adopts a table made with the design's DDL: aligns its types, records the first migration, keeps the rows", async () => {
    const block = await schemaWith(
      `${DESIGN_DDL}
       INSERT INTO storage_records (id, data, created_at, updated_at, compressed, type, session_id)
       VALUES ('legacy-1', '{"text": "from the python layer"}', '2024-03-01 12:00:00', '2024-03-01 12:30:00', false, 'note', 's1'),
              ('legacy-2', '{"n": 2}', '2024-03-02 08:00:00', '2024-03-02 08:00:00', NULL, 'note', 's1');`,
    );
    const config = parsedConfig(block);
    // Without a baseline the first migration cannot run: the table is already there.
    const blocked = await rejection(migratePostgres({ config, direction: 'up' }));
    expect(blocked.message).toMatch(/storage_records.*already exists/);

    const run = await postgresMigrator(config).baseline();
    expect(run.migrations).toEqual([migrationNames()[0]]);
    const aligned = run.details?.aligned as string[];
    expect(aligned.join('\n')).toContain('id is character varying');
    expect(aligned.join('\n')).toContain(
      `ALTER TABLE storage_records ALTER COLUMN "created_at" TYPE timestamptz USING "created_at" AT TIME ZONE 'UTC';`,
    );
    expect(aligned.join('\n')).toContain(
      'ALTER TABLE storage_records ALTER COLUMN compressed SET DEFAULT false;',
    );
    expect(run.details?.missingIndexes).toContain(
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS storage_records_data_gin_idx ON storage_records USING gin (data jsonb_path_ops);',
    );
    expect(run.details?.next).toMatch(/recordstore migrate up/);

    // The rest of the shipped migrations apply on top, and the store reads the old rows as written (UTC).
    const up = await migratePostgres({ config, direction: 'up' });
    expect(up.migrations).toEqual(migrationNames().slice(1));
    expect((await postgresMigrationStatus({ config })).pending).toEqual([]);
    const store = new PostgreSQLStorageBackend(block);
    await store.connect();
    try {
      expect(await store.load('legacy-1')).toMatchObject({
        id: 'legacy-1',
        text: 'from the python layer',
        type: 'note',
        created_at: new Date('2024-03-01T12:00:00Z'),
      });
      expect(await store.count({ session_id: 's1' })).toBe(2);
      await store.save({ id: 'new-1', type: 'note', session_id: 's1' });
      expect((await store.list({ session_id: 's1' })).map((r) => r.id)).toContain('new-1');
    } finally {
      await store.close();
    }
    // A second baseline finds nothing to do.
    const again = await postgresMigrator(config).baseline();
    expect(again.migrations).toEqual([]);
    expect(again.details?.note).toMatch(/already records/);
  });

  it('refuses a table of another shape, listing each difference with the SQL that fixes it, and changes nothing', async () => {
    const block = await schemaWith(`
      CREATE TABLE storage_records (id integer, data text NOT NULL, created_at timestamptz NOT NULL,
        owner text NOT NULL, type text);
      INSERT INTO storage_records VALUES (1, 'x', now(), 'me', 't');`);
    const config = parsedConfig(block);
    const error = await rejection(postgresMigrator(config).baseline());
    expect(error.kind).toBe('conflict');
    for (const expected of [
      'id is integer, must be text COLLATE "C": ALTER TABLE storage_records ALTER COLUMN "id" TYPE text COLLATE "C" USING "id"::text;',
      'data is text, must be jsonb: ALTER TABLE storage_records ALTER COLUMN "data" TYPE jsonb USING "data"::jsonb;',
      `updated_at is missing: ALTER TABLE storage_records ADD COLUMN "updated_at" timestamptz NOT NULL DEFAULT now();`,
      'compressed is missing: ALTER TABLE storage_records ADD COLUMN "compressed" boolean NOT NULL DEFAULT false;',
      'owner is NOT NULL without a default, and recordstore writes rows without it: ALTER TABLE storage_records ALTER COLUMN "owner" DROP NOT NULL;',
      'primary key is missing: ALTER TABLE storage_records ADD PRIMARY KEY (id);',
    ]) {
      expect(error.message).toContain(expected);
    }
    // Nothing recorded, nothing altered.
    expect((await postgresMigrationStatus({ config })).applied).toEqual([]);
    const columns = await db.sql<{ type: string }>(
      `SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute
        WHERE attrelid = '${block.schema_name}.storage_records'::regclass AND attname = 'id'`,
    );
    expect(columns.rows[0]?.type).toBe('integer');
  });

  it('records every shipped migration whose objects exist (a recordstore table whose migrations table was lost)', async () => {
    const block = { url: db.url, schema_name: `baseline_${process.pid}_lost`, connection_pool_size: 1 };
    const config = parsedConfig(block);
    await migratePostgres({ config, direction: 'up' });
    await db.sql(`DROP TABLE ${block.schema_name}.recordstore_migrations`);
    const run = await postgresMigrator(config).baseline();
    expect(run.migrations).toEqual(migrationNames().slice(0, 4));
    expect(run.details?.aligned).toEqual([]);
    expect(run.details?.missingIndexes).toBeUndefined();
  });

  it('says there is nothing to adopt when storage_records does not exist', async () => {
    const block = await schemaWith('SELECT 1;');
    const error = await rejection(postgresMigrator(parsedConfig(block)).baseline());
    expect(error).toMatchObject({ kind: 'config' });
    expect(error.message).toMatch(/no storage_records .* to adopt; `recordstore migrate up` creates it/);
  });
});
