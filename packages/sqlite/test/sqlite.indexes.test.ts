import { join } from 'node:path';
import {
  type Filter,
  ManualClock,
  MemoryStorageBackend,
  type MigrationRun,
  parseBackendConfig,
  parseFilter,
  type RecordInput,
  requireCapability,
} from '@recordstore/core';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SQLiteStorageBackend, sqliteBackend } from '../src/index.js';
import type { SQLiteConfigInput } from '../src/sqlite-config.js';
import { compileFilter, compileOrderBy } from '../src/sqlite-filter-compiler.js';
import { registerSQLiteFunctions } from '../src/sqlite-functions.js';
import { declaredIndexName, declaredPaths, type SQLiteDeclaredIndexInput } from '../src/sqlite-indexes.js';
import { openStore, tempDir } from './helpers.js';

const INDEXES: SQLiteDeclaredIndexInput[] = [
  { path: 'user_id', type: 'text' },
  { path: 'tokens', type: 'numeric' },
  { path: 'metadata.source', type: 'text' },
  { path: ['profile', 'age'], type: 'numeric' },
];

const sqlOf = (run: MigrationRun) => ((run.details?.sql ?? []) as string[]).join('\n');
const parse = (config: Partial<SQLiteConfigInput>) => parseBackendConfig(sqliteBackend, config).config;
const names = (config = parse({ indexes: INDEXES })) =>
  config.indexes.map((d) => declaredIndexName(config.table_name, d));

/** The plan of the statement the store runs for list(filter) (live filter and default order included). */
function plan(path: string, filter: Filter, indexes = INDEXES): string {
  const db = new Database(path, { readonly: true });
  try {
    registerSQLiteFunctions(db);
    const now = Date.now();
    const node = {
      op: 'and' as const,
      nodes: [
        parseFilter(filter),
        parseFilter({ $or: [{ expires_at: null }, { expires_at: { $gt: now } }] }),
      ],
    };
    const { sql, params } = compileFilter(node, declaredPaths(parse({ indexes }).indexes));
    const order = compileOrderBy([{ field: 'created_at', direction: 'desc' }]);
    const rows = db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT r.id FROM storage_records AS r WHERE ${sql} ORDER BY ${order} LIMIT 20`,
      )
      .all(params) as { detail: string }[];
    return rows.map((r) => r.detail).join('\n');
  } finally {
    db.close();
  }
}

function sampleRecords(n: number): RecordInput[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `r${String(i).padStart(4, '0')}`,
    user_id: i % 7 === 0 ? [`u${i % 50}`, 'shared'] : `u${i % 50}`,
    tokens: i % 11 === 0 ? String(i) : i % 13 === 0 ? i + 0.5 : i,
    profile: { age: i % 90 },
    metadata: { source: i % 3 === 0 ? 'web' : 'api' },
    created_at: 1_000 + i,
  }));
}

describe('sqlite: declared path indexes (indexes: [{ path, type }])', () => {
  it('the config accepts declarations and refuses what SQLite could not index, naming the key', () => {
    const config = parse({ indexes: INDEXES });
    expect(config.indexes.map((d) => d.path)).toEqual([
      ['user_id'],
      ['tokens'],
      ['metadata', 'source'],
      ['profile', 'age'],
    ]);
    expect(parse({}).indexes).toEqual([]);
    const refused = (indexes: unknown, message: RegExp) =>
      expect(() => parse({ indexes } as Partial<SQLiteConfigInput>)).toThrow(
        expect.objectContaining({ kind: 'config', message: expect.stringMatching(message) }),
      );
    refused([{ path: 'x', type: 'date' }], /indexes\[\]\.type must be text or numeric/);
    refused([{ path: 'session_id', type: 'text' }], /column with its own index/);
    refused([{ path: 'metadata', type: 'text' }], /inside metadata/);
    refused([{ path: 'a"b', type: 'text' }], /contains " or \\/);
    refused([{ path: 'a', type: 'text', method: 'gin' }], /not available on SQLite/);
    refused([{ path: 'a', type: 'text', name: 'x; DROP TABLE y' }], /must be an identifier/);
    refused(
      [
        { path: 'a', type: 'text' },
        { path: ['a'], type: 'text' },
      ],
      /same index as indexes\[0\]/,
    );
    refused([{ path: 'a', type: 'text', unique: true }], /unique/);
    expect(parse({ indexes: [{ path: 'a', type: 'TEXT', method: 'btree' }] }).indexes[0]?.type).toBe('text');
  });

  it('connect creates the declared indexes once; declaring one more creates it at the next connect', async () => {
    const dir = tempDir();
    const path = join(dir, 'x.db');
    const all = names();
    const present = () => {
      const db = new Database(path, { readonly: true });
      const rows = db
        .prepare(`SELECT name FROM sqlite_schema WHERE type = 'index'`)
        .pluck()
        .all() as string[];
      db.close();
      return all.filter((n) => rows.includes(n));
    };
    const first = new SQLiteStorageBackend({ path, indexes: INDEXES.slice(0, 1) });
    await first.connect();
    await first.save({ user_id: 'u1' });
    await first.close();
    expect(present()).toEqual(all.slice(0, 1));

    const second = new SQLiteStorageBackend({ path, indexes: INDEXES });
    await second.connect();
    expect(await second.count({ user_id: 'u1' })).toBe(1);
    await second.close();
    expect(present()).toEqual(all);
  });

  it('recordstore migrate up creates them (dry run shows the DDL) and a second up has nothing to do', async () => {
    const path = join(tempDir(), 'm.db');
    const migrator = requireCapability(
      'sqlite',
      sqliteBackend.capabilities?.migrator,
      'migrator',
      'test',
    )(parse({ path, indexes: INDEXES }));
    try {
      const dry = await migrator.up({ dryRun: true });
      const sql = sqlOf(dry);
      expect(sql).toContain(
        `CREATE INDEX IF NOT EXISTS "${names()[0]}" ON "storage_records" (json_type(COALESCE(data, rs_inflate(data_z)), '$."user_id"'), json_extract(COALESCE(data, rs_inflate(data_z)), '$."user_id"'))`,
      );
      expect(sql).toContain(`CAST(json_extract(COALESCE(data, rs_inflate(data_z)), '$."tokens"') AS REAL)`);
      expect(sql).toContain(`json_extract(metadata, '$."source"')`);
      const run = await migrator.up();
      expect(run.details?.createdIndexes).toEqual(names());
      const again = await migrator.up();
      expect(again.details?.createdIndexes).toBeUndefined();
      expect(sqlOf(await migrator.up({ dryRun: true }))).not.toContain('CREATE INDEX');
    } finally {
      await migrator.close();
    }
  });

  it('equality and ranges on declared paths are index searches (EXPLAIN QUERY PLAN)', async () => {
    const store = await openStore({ indexes: INDEXES });
    await store.saveMany(sampleRecords(300), { preserveTimestamps: true });
    const [userIdx, tokensIdx, sourceIdx, ageIdx] = names();
    const searches = (filter: Filter, index: string) => {
      const details = plan(store.path, filter);
      expect(details, JSON.stringify(filter)).toContain(`SEARCH r USING INDEX ${index} (`);
      expect(details, JSON.stringify(filter)).not.toMatch(/^SCAN r\b/m);
    };
    searches({ user_id: 'u5' }, userIdx!);
    searches({ user_id: { $eq: 'u5' } }, userIdx!);
    searches({ user_id: { $gte: 'u1', $lt: 'u2' } }, userIdx!);
    searches({ tokens: 42 }, tokensIdx!);
    searches({ tokens: { $gte: 100, $lt: 110 } }, tokensIdx!);
    searches({ tokens: { $gt: 250 } }, tokensIdx!);
    searches({ 'metadata.source': 'web' }, sourceIdx!);
    searches({ 'profile.age': { $lte: 3 } }, ageIdx!);
    // The equality uses both index columns (type and value); without declarations it is a scan.
    expect(plan(store.path, { user_id: 'u5' })).toMatch(
      new RegExp(`USING INDEX ${userIdx} \\(<expr>=\\? AND <expr>=\\?\\)`),
    );
    expect(plan(store.path, { user_id: 'u5' }, [])).not.toContain('_d_');
  });

  it('results on declared paths equal the unindexed store and the memory reference', async () => {
    const indexed = await openStore({
      indexes: INDEXES,
      compression_enabled: true,
      compression_threshold: 200,
    });
    const plain = await openStore();
    const memory = new MemoryStorageBackend({});
    await memory.connect();
    const records: RecordInput[] = [
      ...sampleRecords(120),
      { id: 'big', tokens: 9007199254740993000, user_id: 'x'.repeat(300) },
      { id: 'bool', tokens: true, user_id: false },
      { id: 'null', tokens: null, user_id: null },
      { id: 'obj', tokens: { n: 1 }, user_id: { id: 'u5' } },
      { id: 'arr', tokens: [42, 'x'], user_id: ['u5', 7], metadata: { source: ['web'] } },
      { id: 'none' },
    ];
    for (const s of [indexed, plain, memory]) await s.saveMany(records);
    const filters: Filter[] = [
      { user_id: 'u5' },
      { user_id: 'shared' },
      { user_id: { $ne: 'u5' } },
      { $not: { user_id: 'u5' } },
      { user_id: { $gt: 'u3' } },
      { user_id: { $gte: 'u1', $lt: 'u2' } },
      { user_id: 7 },
      { user_id: { $in: ['u5', 'u6'] } },
      { user_id: { $like: 'u1%' } },
      { user_id: { $exists: false } },
      { user_id: null },
      { tokens: 42 },
      { tokens: 9007199254740993000 },
      { tokens: { $gte: 9007199254740992000 } },
      { tokens: { $gte: 100, $lt: 110 } },
      { tokens: { $lt: 5 } },
      { tokens: { $gt: 'a' } },
      { tokens: '11' },
      { $not: { tokens: { $gt: 50 } } },
      { tokens: { $nin: [1, 2, 3] } },
      { 'metadata.source': 'web' },
      { 'metadata.source': { $ne: 'web' } },
      { 'profile.age': { $lte: 3 } },
      { $or: [{ user_id: 'u5' }, { 'profile.age': 0 }] },
    ];
    const ids = async (s: SQLiteStorageBackend | MemoryStorageBackend, f: Filter) =>
      (await s.list(f, { orderBy: 'id' })).map((r) => r.id);
    for (const f of filters) {
      const reference = await ids(memory, f);
      expect(await ids(indexed, f), JSON.stringify(f)).toEqual(reference);
      expect(await ids(plain, f), JSON.stringify(f)).toEqual(reference);
      expect(await indexed.count(f), JSON.stringify(f)).toBe(reference.length);
    }
    await memory.close();
  });

  it('random filters on declared paths match the memory reference', async () => {
    const scalar = fc.oneof(
      fc.constantFrom('', 'a', 'b', 'ab', 'B', 'é', 5, 5.5, -1, 0, 1e21, true, false, null),
      fc.integer({ min: -3, max: 3 }),
    );
    const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.constant({ a: 'a' }));
    const record = fc.record({ a: value, n: value, meta: value }, { requiredKeys: [] });
    const path = fc.constantFrom('a', 'n', 'metadata.m');
    const leaf: fc.Arbitrary<Filter> = fc.oneof(
      fc.record({ path, v: scalar }).map(({ path, v }) => ({ [path]: v })),
      fc
        .record({ path, op: fc.constantFrom('$eq', '$ne', '$gt', '$gte', '$lt', '$lte'), v: scalar })
        .map(({ path, op, v }) => ({ [path]: { [op]: v } })),
    );
    const filter = fc.oneof(
      leaf,
      fc.array(leaf, { minLength: 1, maxLength: 3 }).map((fs) => ({ $or: fs })),
      leaf.map((f) => ({ $not: f })),
    );
    const declared: SQLiteDeclaredIndexInput[] = [
      { path: 'a', type: 'text' },
      { path: 'n', type: 'numeric' },
      { path: 'metadata.m', type: 'numeric' },
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { maxLength: 10 }),
        fc.array(filter, { minLength: 1, maxLength: 5 }),
        async (rows, filters) => {
          const clock = new ManualClock(10_000);
          const sqlite = new SQLiteStorageBackend({ path: ':memory:', indexes: declared }, { clock });
          const memory = new MemoryStorageBackend({}, { clock });
          await sqlite.connect();
          await memory.connect();
          try {
            const inputs = rows.map(({ meta, ...body }, i) => ({
              ...body,
              id: `r${i}`,
              ...(meta === undefined ? {} : { metadata: { m: meta } }),
            })) as RecordInput[];
            await sqlite.saveMany(inputs);
            await memory.saveMany(inputs);
            for (const f of filters) {
              // Invalid filters (a range on null) must fail the same way on both.
              const ids = async (s: SQLiteStorageBackend | MemoryStorageBackend) => {
                try {
                  return (await s.list(f, { orderBy: 'id' })).map((r) => r.id).join(',');
                } catch (error) {
                  return `error:${(error as { kind?: string }).kind}`;
                }
              };
              expect(await ids(sqlite), JSON.stringify(f)).toBe(await ids(memory));
            }
          } finally {
            await sqlite.close();
            await memory.close();
          }
        },
      ),
      { numRuns: Number(process.env.RECORDSTORE_PROPERTY_RUNS) || 150 },
    );
  });
});
