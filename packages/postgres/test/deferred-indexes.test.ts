import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BulkLoad,
  copyRecords,
  createBackup,
  type Logger,
  MemoryStorageBackend,
  type RecordInput,
  restoreBackup,
} from '@recordstore/core';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgreSQLStorageBackend } from '../src/index.js';
import { mayDeferIndexes } from '../src/indexes/index.js';
import type { PostgresConfigInput } from '../src/postgres-config.js';
import { observingQueries, useSuiteDatabase } from './helpers.js';

/**
 * A bulk load into an empty store sets its secondary indexes aside and builds them after the rows are in
 * (the bulkImport capability's prepareLoad, used by copyRecords): what the table has during and after the
 * load, a load whose process died finished by the next connect, and a tampered marker never executed.
 */

const db = useSuiteDatabase();
const open: (PostgreSQLStorageBackend | MemoryStorageBackend)[] = [];
let schemaSeq = 0;

afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((s) => s.close()));
});

async function store(
  schemaName: string,
  config: PostgresConfigInput = {},
  logger?: Logger,
): Promise<PostgreSQLStorageBackend> {
  const s = new PostgreSQLStorageBackend(
    { url: db.url, connection_pool_size: 2, schema_name: schemaName, ...config },
    logger ? { logger } : {},
  );
  open.push(s);
  await s.connect();
  return s;
}

const newSchema = () => `deferred_${process.pid}_${++schemaSeq}`;
const OLD = Date.UTC(2024, 0, 1);

function records(count: number): RecordInput[] {
  return Array.from({ length: count }, (_, n) => ({
    id: `r-${String(n).padStart(5, '0')}`,
    type: n % 2 === 0 ? 'message' : 'event',
    session_id: `s-${n % 13}`,
    thread_id: `t-${n % 5}`,
    created_at: new Date(OLD + n * 1000),
    updated_at: new Date(OLD + n * 1000 + 10),
    user: `u-${n % 7}`,
  }));
}

async function memorySource(count: number): Promise<MemoryStorageBackend> {
  const source = new MemoryStorageBackend();
  open.push(source);
  await source.connect();
  await source.saveMany(records(count), { preserveTimestamps: true });
  return source;
}

/** The indexes of the schema's storage_records: name to definition. */
async function indexes(schemaName: string): Promise<Record<string, string>> {
  const { rows } = await db.sql<{ name: string; definition: string }>(
    `SELECT indexname AS name, indexdef AS definition FROM pg_indexes
     WHERE schemaname = $1 AND tablename = 'storage_records' ORDER BY indexname`,
    [schemaName],
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.definition]));
}

async function tableComment(schemaName: string): Promise<string | null> {
  const { rows } = await db.sql<{ comment: string | null }>(
    `SELECT obj_description(format('%I.storage_records', $1::text)::regclass, 'pg_class') AS comment`,
    [schemaName],
  );
  return rows[0]!.comment;
}

const PKEY_ONLY = ['storage_records_pkey'];

describe('copyRecords into an empty PostgreSQL store', () => {
  it('drops the secondary indexes for the full pass and builds the same ones after it', async () => {
    const schemaName = newSchema();
    const target = await store(schemaName, {
      indexes: [{ path: 'user', type: 'text' }],
    });
    await db.sql(`COMMENT ON TABLE ${schemaName}.storage_records IS 'owned by the orders team'`);
    const source = await memorySource(3000);
    const before = await indexes(schemaName);
    expect(Object.keys(before).length).toBeGreaterThan(5);
    expect(Object.keys(before).some((name) => name.includes('user'))).toBe(true);

    const statements: string[] = [];
    const report = await observingQueries(
      (args) => {
        const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text;
        if (typeof text === 'string' && /^(DROP|CREATE) INDEX|^COPY storage_records/.test(text))
          statements.push(text.split(' ').slice(0, 2).join(' '));
      },
      () => copyRecords({ from: source, to: target, batchSize: 500, verify: true }),
    );
    // Every drop before the first row, every build after the last.
    const firstCopy = statements.indexOf('COPY storage_records');
    expect(statements.lastIndexOf('DROP INDEX')).toBeLessThan(firstCopy);
    expect(statements.indexOf('CREATE INDEX')).toBeGreaterThan(
      statements.lastIndexOf('COPY storage_records'),
    );
    expect(statements.filter((t) => t === 'CREATE INDEX')).toHaveLength(Object.keys(before).length - 1);
    expect(report).toMatchObject({ written: 3000, fullPass: 3000 });
    expect(report.verification).toMatchObject({ ok: true, sourceCount: 3000, targetCount: 3000 });
    // Same names, same definitions (the declared path index included), and the owner's comment back.
    expect(await indexes(schemaName)).toEqual(before);
    expect(await tableComment(schemaName)).toBe('owned by the orders team');
    // And the store reads through them.
    expect(await target.count({ session_id: 's-3' })).toBe(231);
    expect(await target.count({ user: 'u-2' })).toBe(429);
  });

  it('has only the primary key while the rows go in', async () => {
    const schemaName = newSchema();
    const target = await store(schemaName);
    const importer = target.capability('bulkImport')!;
    const load = (await importer.prepareLoad!()) as BulkLoad;
    expect(load).not.toBeNull();
    expect(Object.keys(await indexes(schemaName))).toEqual(PKEY_ONLY);
    expect(JSON.parse((await tableComment(schemaName))!)).toHaveProperty('recordstore.deferredIndexes');
    await importer.importRecords(records(1000), { preserveTimestamps: true });
    // A second load meanwhile has nothing to defer (the first holds the lock, the table has rows).
    expect(await importer.prepareLoad!()).toBeNull();
    await load.finish();
    await load.finish(); // the second call does nothing
    expect(Object.keys(await indexes(schemaName)).length).toBeGreaterThan(5);
    expect(await tableComment(schemaName)).toBeNull();
    expect(await target.count({ type: 'event' })).toBe(500);
  });

  it('keeps an index whose definition it could not check when rebuilding it (a keyword for a name)', async () => {
    const schemaName = newSchema();
    const target = await store(schemaName);
    await db.sql(`CREATE INDEX "select" ON ${schemaName}.storage_records (type, session_id)`);
    const before = await indexes(schemaName);
    const load = await target.capability('bulkImport')!.prepareLoad!();
    expect(Object.keys(await indexes(schemaName))).toEqual(['select', 'storage_records_pkey']);
    await load!.finish();
    expect(await indexes(schemaName)).toEqual(before);
  });

  it('keeps every index of a target that already holds records', async () => {
    const schemaName = newSchema();
    const target = await store(schemaName);
    await target.save({ id: 'already-here', type: 'note' });
    const before = await indexes(schemaName);
    const source = await memorySource(1200);
    const dropped: unknown[] = [];
    await observingQueries(
      (args) => {
        if (typeof args[0] === 'string' && args[0].startsWith('DROP INDEX')) dropped.push(args[0]);
      },
      () => copyRecords({ from: source, to: target, batchSize: 400 }),
    );
    expect(dropped).toEqual([]);
    expect(await target.capability('bulkImport')!.prepareLoad!()).toBeNull();
    expect(await indexes(schemaName)).toEqual(before);
    expect(await target.count()).toBe(1201);
  });
});

describe('restoreBackup into an empty PostgreSQL store', () => {
  it('restores through the load and ends with the same indexes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-deferred-'));
    try {
      const { file } = await createBackup(await memorySource(1500), dir);
      const schemaName = newSchema();
      const target = await store(schemaName);
      const before = await indexes(schemaName);
      const dropped: unknown[] = [];
      const result = await observingQueries(
        (args) => {
          if (typeof args[0] === 'string' && args[0].startsWith('DROP INDEX')) dropped.push(args[0]);
        },
        () => restoreBackup(file, target, { batchSize: 500 }),
      );
      expect(result.restored).toBe(1500);
      expect(dropped).toHaveLength(Object.keys(before).length - 1);
      expect(await indexes(schemaName)).toEqual(before);
      expect(await target.count({ thread_id: 't-4' })).toBe(300);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a bulk load cut short', () => {
  it('is finished by the next connect once its connection is gone, not while it lives', async () => {
    const schemaName = newSchema();
    const loader = await store(schemaName);
    const before = await indexes(schemaName);
    const load = await loader.capability('bulkImport')!.prepareLoad!();
    expect(load).not.toBeNull();
    await loader.capability('bulkImport')!.importRecords(records(800), { preserveTimestamps: true });

    // A connect while the load lives leaves its indexes to it.
    await store(schemaName);
    expect(Object.keys(await indexes(schemaName))).toEqual(PKEY_ONLY);

    // The loading process dies: its lock's connection ends with it.
    await db.sql(
      `SELECT pg_terminate_backend(l.pid) FROM pg_locks l
       WHERE l.locktype = 'advisory' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    const warnings: string[] = [];
    const logger: Logger = {
      debug() {},
      info() {},
      warn: (_obj, msg) => warnings.push(msg ?? ''),
      error() {},
    };
    const next = await store(schemaName, {}, logger);
    expect(await indexes(schemaName)).toEqual(before);
    expect(await tableComment(schemaName)).toBeNull();
    expect(warnings.join('\n')).toMatch(/built \d+ index\(es\) .* an interrupted bulk load had deferred/);
    expect(await next.count({ session_id: 's-1' })).toBe(62);
  });

  it('never runs a marker it did not write: a comment whose statements are not CREATE INDEX is left alone', async () => {
    const schemaName = newSchema();
    await store(schemaName);
    const before = await indexes(schemaName);
    const tampered = JSON.stringify({
      'recordstore.deferredIndexes': [
        { name: 'storage_records_created_at_idx', definition: `DROP TABLE ${schemaName}.storage_records` },
      ],
      comment: null,
    });
    await db.sql(`COMMENT ON TABLE ${schemaName}.storage_records IS '${tampered.replaceAll("'", "''")}'`);
    const again = await store(schemaName);
    await again.save({ id: 'still-here' });
    expect(await indexes(schemaName)).toEqual(before);
    expect(await tableComment(schemaName)).toBe(tampered);
  });
});

describe('mayDeferIndexes', () => {
  it('defers on a plain table of the store its own only', () => {
    const plain = { tenant_id: undefined, distributed: undefined, partitioning_enabled: false };
    expect(mayDeferIndexes(plain)).toBe(true);
    expect(mayDeferIndexes({ ...plain, tenant_id: 'acme' })).toBe(false);
    expect(mayDeferIndexes({ ...plain, partitioning_enabled: true })).toBe(false);
    expect(mayDeferIndexes({ ...plain, distributed: 'citus' })).toBe(false);
  });
});
