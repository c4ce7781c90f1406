import { type Filter, ManualClock, MemoryStorageBackend, type RecordInput } from '@recordstore/core';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SQLiteStorageBackend } from '../src/index.js';
import { openStore } from './helpers.js';

// Keys a caller might use, including ones that cannot be written as SQLite quoted path labels.
const KEYS = ['a', 'b', 'n', 'we"ird', 'back\\slash', "x'); DROP TABLE storage_records;--", '$', 'é', '0'];
const STRINGS = ['', 'a', 'A', 'ab', 'é', '\u{1F600}', '\uFFFD', '%', '_', '\\', '5', 'abc', 'a_c', 'A%'];
const NUMBERS = [0, -0, 1, 1.5, -2, 5, 1e21, 9007199254740993000, 123456789012345680, 0.1, -1e-7];

const scalar = fc.oneof(
  fc.constantFrom(...STRINGS),
  fc.constantFrom(...NUMBERS),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);
const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(scalar, { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 3 }),
  ),
})).value;

const record = fc.record(
  {
    type: fc.option(fc.constantFrom('message', 'event', 'Message', 'é'), { nil: null }),
    session_id: fc.option(fc.constantFrom('s1', 's2', 'S1'), { nil: null }),
    thread_id: fc.option(fc.constantFrom('t1', 't2'), { nil: null }),
    metadata: fc.option(fc.dictionary(fc.constantFrom(...KEYS), json, { maxKeys: 3 }), { nil: null }),
    expires_at: fc.option(fc.integer({ min: -50, max: 50 }), { nil: null }),
    body: fc.dictionary(fc.constantFrom(...KEYS), json, { maxKeys: 4 }),
  },
  { requiredKeys: ['body'] },
);

const JSON_PATHS = [
  ...KEYS,
  'a.a',
  'a.b.n',
  'we"ird.a',
  'a.we"ird',
  'back\\slash.we"ird',
  'metadata.a',
  'metadata.we"ird',
  'metadata.a.b',
];
const COLUMN_PATHS = ['metadata', 'type', 'session_id', 'thread_id', 'created_at', 'expires_at', 'id'];
const path = fc.oneof(
  { arbitrary: fc.constantFrom(...JSON_PATHS), weight: 4 },
  { arbitrary: fc.constantFrom(...COLUMN_PATHS), weight: 1 },
);
const leaf: fc.Arbitrary<Filter> = fc.oneof(
  fc.record({ path, value: scalar }).map(({ path, value }) => ({ [path]: value })),
  fc
    .record({
      path,
      op: fc.constantFrom('$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$like', '$ilike', '$exists'),
      value: fc.oneof(scalar, fc.constantFrom('a%', '%\\%', '_', 'A_%', '%é%', '\\_')),
    })
    .map(({ path, op, value }) => ({
      [path]: { [op]: op === '$exists' ? typeof value === 'string' : value },
    })),
  fc
    .record({
      path,
      op: fc.constantFrom('$in', '$nin'),
      values: fc.array(scalar, { maxLength: 4 }),
    })
    .map(({ path, op, values }) => ({ [path]: { [op]: values } })),
);
const filter: fc.Arbitrary<Filter> = fc.letrec((tie) => ({
  f: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('f'), { minLength: 1, maxLength: 3 }).map((fs) => ({ $or: fs })),
    fc.array(tie('f'), { minLength: 1, maxLength: 3 }).map((fs) => ({ $and: fs })),
    tie('f').map((f) => ({ $not: f })),
  ),
})).f as fc.Arbitrary<Filter>;

function toRecord(r: Record<string, unknown>, i: number): RecordInput {
  const { body, expires_at, ...rest } = r as Record<string, unknown> & { body: Record<string, unknown> };
  return {
    ...body,
    ...rest,
    id: `r${i}`,
    created_at: 1_000 + (i % 3),
    ...(expires_at == null ? {} : { expires_at: 10_000 + (expires_at as number) }),
  };
}

async function outcome(run: () => Promise<string[]>): Promise<string> {
  try {
    return (await run()).join(',');
  } catch (error) {
    return `error:${(error as { kind?: string }).kind ?? String(error)}`;
  }
}

describe('sqlite filter compiler against the reference (matchesFilter)', () => {
  it('list/count(random filter) on random records return what the memory reference returns', async () => {
    const runs = Number(process.env.RECORDSTORE_PROPERTY_RUNS) || 300;
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { maxLength: 12 }),
        fc.array(filter, { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        async (records, filters, compressed) => {
          const clock = new ManualClock(10_000);
          const common = { compression_enabled: compressed, compression_threshold: 0 };
          const sqlite = new SQLiteStorageBackend({ path: ':memory:', ...common }, { clock });
          const memory = new MemoryStorageBackend(common, { clock });
          await sqlite.connect();
          await memory.connect();
          try {
            const inputs = records.map(toRecord);
            await sqlite.saveMany(inputs, { preserveTimestamps: true });
            await memory.saveMany(inputs, { preserveTimestamps: true });
            for (const f of filters) {
              const ids = (s: typeof sqlite | typeof memory) => async () =>
                (await s.list(f, { orderBy: ['type', '-session_id'] })).map((r) => r.id);
              const counted = (s: typeof sqlite | typeof memory) => async () => [String(await s.count(f))];
              expect(await outcome(ids(sqlite)), JSON.stringify(f)).toBe(await outcome(ids(memory)));
              expect(await outcome(counted(sqlite)), JSON.stringify(f)).toBe(await outcome(counted(memory)));
            }
          } finally {
            await sqlite.close();
            await memory.close();
          }
        },
      ),
      { numRuns: runs },
    );
  });

  it('compressed rows give the same filter results as plain rows', async () => {
    const plain = await openStore();
    const packed = await openStore({ compression_enabled: true, compression_threshold: 10 });
    const records = [
      { id: 'a', tags: ['x', 'y'], n: 3, nested: { 'we"ird': 'v' }, long: 'p'.repeat(100) },
      { id: 'b', tags: 'x', n: 4.5, nested: { k: 1 } },
      { id: 'c', flag: true, long: 'q'.repeat(100) },
    ];
    await plain.saveMany(records);
    await packed.saveMany(records);
    const filters: Filter[] = [
      { tags: 'x' },
      { n: { $gt: 3 } },
      { 'nested.we"ird': 'v' },
      { long: { $like: 'p%' } },
      { flag: { $exists: true } },
      { $not: { tags: { $in: ['y'] } } },
    ];
    for (const f of filters) {
      const ids = async (s: SQLiteStorageBackend) => (await s.list(f, { orderBy: 'id' })).map((r) => r.id);
      expect(await ids(packed), JSON.stringify(f)).toEqual(await ids(plain));
    }
    const db = new Database(packed.path, { readonly: true });
    expect(
      db.prepare('SELECT count(*) FROM storage_records WHERE compressed = 1 AND data IS NULL').pluck().get(),
    ).toBe(3);
    db.close();
  });

  it('numbers compare as the JavaScript doubles they are, also beyond 2^53 and in arrays', async () => {
    const store = await openStore();
    // JSON.stringify writes 9007199254740993000, which SQLite would read as an exact 64-bit integer.
    const big = 9007199254740993000;
    await store.saveMany([
      { id: 'big', n: big, list: [big] },
      { id: 'one', n: 1, list: [1.0] },
      { id: 'bool', n: true, list: [true] },
    ]);
    const ids = async (f: Filter) => (await store.list(f, { orderBy: 'id' })).map((r) => r.id);
    expect(await ids({ n: big })).toEqual(['big']);
    expect(await ids({ n: { $gt: big } })).toEqual([]);
    expect(await ids({ n: { $gte: big } })).toEqual(['big']);
    expect(await ids({ n: { $lt: big } })).toEqual(['one']);
    expect(await ids({ list: big })).toEqual(['big']);
    expect(await ids({ n: { $in: [big, 1] } })).toEqual(['big', 'one']);
    expect(await ids({ list: { $in: [big] } })).toEqual(['big']);
    // true is not 1, though SQLite stores both as the integer 1.
    expect(await ids({ n: 1 })).toEqual(['one']);
    expect(await ids({ list: true })).toEqual(['bool']);
  });

  it('hostile keys and values are data: the table survives and the filter matches literally', async () => {
    const store = await openStore();
    const hostile = `a'); DROP TABLE storage_records;--`;
    const quoteKey = `k" ) OR 1=1 --`;
    await store.save({ id: 'h', [hostile]: hostile, [quoteKey]: 1, 'x\\"y': { [hostile]: true } });
    await store.save({ id: 'other', plain: 1 });
    expect((await store.list({ [hostile]: hostile })).map((r) => r.id)).toEqual(['h']);
    expect((await store.list({ [quoteKey]: 1 })).map((r) => r.id)).toEqual(['h']);
    expect((await store.list({ [`x\\"y.${hostile}`]: true })).map((r) => r.id)).toEqual(['h']);
    expect(await store.count({ [quoteKey]: { $exists: false } })).toBe(1);
    expect(await store.count({ plain: hostile })).toBe(0);
    expect(await store.count()).toBe(2);
    const db = new Database(store.path, { readonly: true });
    expect(
      db
        .prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name = 'storage_records'`)
        .pluck()
        .get(),
    ).toBe('storage_records');
    db.close();
  });

  it('a session_id filter is served by the (session_id, created_at, id) index, in order, without a sort', async () => {
    const store = await openStore();
    await store.saveMany(Array.from({ length: 50 }, (_, i) => ({ session_id: `s${i % 5}`, i })));
    const db = new Database(store.path, { readonly: true });
    // The statement the backend runs for getBySession (live filter included), with its parameters.
    const { compileFilter, compileOrderBy } = await import('../src/sqlite-filter-compiler.js');
    const { parseFilter } = await import('@recordstore/core');
    const now = Date.now();
    const node = {
      op: 'and' as const,
      nodes: [
        parseFilter({ session_id: 's1' }),
        parseFilter({ $or: [{ expires_at: null }, { expires_at: { $gt: now } }] }),
      ],
    };
    const { sql, params } = compileFilter(node);
    const order = compileOrderBy([{ field: 'created_at', direction: 'desc' }]);
    const plan = db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT r.id FROM storage_records AS r WHERE ${sql} ORDER BY ${order} LIMIT 10`,
      )
      .all(params) as { detail: string }[];
    const details = plan.map((p) => p.detail).join('\n');
    expect(details).toMatch(/USING INDEX storage_records_session_created_idx \(session_id=\?\)/);
    expect(details).not.toMatch(/TEMP B-TREE/);
    expect(details).not.toMatch(/^SCAN r$/m);
    db.close();
    expect((await store.getBySession('s1')).length).toBe(10);
  });

  it('list(filter, { orderBy }) puts nulls last in both directions and breaks ties by id', async () => {
    const store = await openStore();
    await store.saveMany([
      { id: 'b', type: 'x', created_at: 5 },
      { id: 'a', type: 'x', created_at: 5 },
      { id: 'c', created_at: 7 },
      { id: 'd', type: 'w', created_at: 6 },
    ]);
    const ids = async (orderBy: string | string[]) => (await store.list({}, { orderBy })).map((r) => r.id);
    expect(await ids('type')).toEqual(['d', 'a', 'b', 'c']);
    expect(await ids('-type')).toEqual(['b', 'a', 'd', 'c']);
    expect(await ids('-created_at')).toEqual(['c', 'd', 'b', 'a']);
    expect(await ids('created_at')).toEqual(['a', 'b', 'd', 'c']);
  });
});
