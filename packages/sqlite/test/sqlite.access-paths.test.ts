import { type Filter, MemoryStorageBackend, parseFilter, type RecordInput } from '@recordstore/core';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { compileFilter, compileOrderBy } from '../src/sqlite-filter-compiler.js';
import { registerSQLiteFunctions } from '../src/sqlite-functions.js';
import { openStore } from './helpers.js';

/**
 * Which index serves a filter that names several reserved columns. Without statistics (a fresh file, or
 * one never analyzed) SQLite rates any equality above a range, so `type = ?` won over an id range or a
 * thread: the compiler keeps the less selective terms off their indexes (see "Access paths" in the
 * compiler). These plans are asserted on a file without sqlite_stat1, the state every store starts in.
 */

const THREADS = 6;
const TYPES = ['a.checkpoint', 'a.blob', 'a.write'];

/** Records laid out like a checkpoint saver's: ids prefixed by type and thread, three types, six threads. */
function records(): RecordInput[] {
  const out: RecordInput[] = [];
  for (let t = 0; t < THREADS; t++) {
    for (let i = 0; i < 100; i++) {
      const type = TYPES[i % TYPES.length]!;
      const kind = type.slice(2);
      out.push({
        id: `${kind}:t${t}:g${i % 20}:${String(i).padStart(4, '0')}`,
        type,
        thread_id: `t${t}`,
        session_id: i % 10 === 0 ? `s${t}` : null,
        created_at: 1_000 + i,
        n: i,
      });
    }
  }
  return out;
}

function range(prefix: string): Filter {
  return { id: { $gte: prefix, $lt: `${prefix.slice(0, -1)};` } };
}

/** The statement `list(filter, { orderBy })` runs (live filter included) and its plan on `path`. */
function plan(path: string, filter: Filter, orderBy: 'id' | '-id' | '-created_at' = '-created_at'): string {
  const db = new Database(path, { readonly: true });
  try {
    registerSQLiteFunctions(db);
    const node = {
      op: 'and' as const,
      nodes: [
        parseFilter(filter),
        parseFilter({ $or: [{ expires_at: null }, { expires_at: { $gt: Date.now() } }] }),
      ],
    };
    const { sql, params } = compileFilter(node);
    const field = orderBy.replace('-', '') as 'id' | 'created_at';
    const order = compileOrderBy([{ field, direction: orderBy.startsWith('-') ? 'desc' : 'asc' }]);
    expect(db.prepare('SELECT count(*) FROM sqlite_schema WHERE name = ?').pluck().get('sqlite_stat1')).toBe(
      0,
    );
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

const PK = 'USING INDEX sqlite_autoindex_storage_records_1';

describe('SQLite access paths: the most selective reserved column serves the filter', () => {
  const cases: { name: string; filter: Filter; orderBy?: 'id' | '-id'; index: RegExp; sorts: boolean }[] = [
    {
      name: 'type + two-sided id range, newest first: the primary key, in order',
      filter: { type: 'a.checkpoint', ...range('checkpoint:t2:'), thread_id: 't2' },
      orderBy: '-id',
      index: new RegExp(`SEARCH r ${PK} \\(id>\\? AND id<\\?\\)`),
      sorts: false,
    },
    {
      name: 'type + id list: primary key lookups, in id order',
      filter: { type: 'a.blob', id: { $in: ['blob:t1:g1:0001', 'blob:t3:g4:0004'] } },
      orderBy: 'id',
      index: new RegExp(`SEARCH r ${PK} \\(id=\\?\\)`),
      sorts: false,
    },
    {
      name: 'type + an OR of 40 id prefix ranges: one primary key range per prefix',
      filter: {
        type: 'a.write',
        $or: Array.from({ length: 40 }, (_, i) => range(`write:t${i % THREADS}:g${i % 20}:`)),
      },
      orderBy: 'id',
      index: new RegExp(`MULTI-INDEX OR[\\s\\S]*SEARCH r ${PK} \\(id>\\? AND id<\\?\\)`),
      sorts: true,
    },
    {
      name: 'type + thread: the thread index',
      filter: { type: 'a.checkpoint', thread_id: 't4' },
      index: /SEARCH r USING INDEX storage_records_thread_created_idx \(thread_id=\?\)/,
      sorts: false,
    },
    {
      name: 'type list + session: the session index',
      filter: { type: { $in: TYPES }, session_id: 's1' },
      index: /SEARCH r USING INDEX storage_records_session_created_idx \(session_id=\?\)/,
      sorts: false,
    },
    {
      name: 'type alone: still the type index',
      filter: { type: 'a.blob' },
      index: /SEARCH r USING INDEX storage_records_type_created_idx \(type=\?\)/,
      sorts: false,
    },
  ];

  it.each(cases)('$name (EXPLAIN QUERY PLAN), with the rows of the reference', async (c) => {
    const store = await openStore();
    const memory = new MemoryStorageBackend();
    await memory.connect();
    const data = records();
    await store.saveMany(data);
    await memory.saveMany(data);
    const details = plan(store.path, c.filter, c.orderBy);
    expect(details).toMatch(c.index);
    expect(details).not.toMatch(
      /type_created_idx/.test(c.index.source) ? /^SCAN r/m : /type_created_idx|^SCAN r/m,
    );
    if (!c.sorts) expect(details).not.toMatch(/TEMP B-TREE/);
    const ids = async (s: typeof store | typeof memory) =>
      (await s.list(c.filter, { orderBy: c.orderBy ?? '-created_at' })).map((r) => r.id);
    const expected = await ids(memory);
    expect(expected.length).toBeGreaterThan(0);
    expect(await ids(store)).toEqual(expected);
    expect(await store.count(c.filter)).toBe(expected.length);
    await memory.close();
  });

  it('a demoted term keeps its meaning: null, NOT and ranges on the demoted columns match as before', async () => {
    const store = await openStore();
    const memory = new MemoryStorageBackend();
    await memory.connect();
    const data = records();
    await store.saveMany(data);
    await memory.saveMany(data);
    const filters: Filter[] = [
      { ...range('checkpoint:t1:'), session_id: null },
      { ...range('blob:t0:'), $not: { session_id: 's0' } },
      { thread_id: 't3', type: { $gte: 'a.c', $lt: 'a.d' } },
      {
        id: { $in: ['write:t5:g2:0002', 'write:t5:g5:0005'] },
        type: { $in: ['a.write', null] },
        thread_id: { $exists: true },
      },
      { $or: [range('write:t1:'), { thread_id: 't2', type: 'a.blob' }], session_id: { $ne: null } },
    ];
    for (const filter of filters) {
      const expected = (await memory.list(filter, { orderBy: 'id' })).map((r) => r.id);
      expect(expected.length).toBeGreaterThan(0);
      expect((await store.list(filter, { orderBy: 'id' })).map((r) => r.id)).toEqual(expected);
      expect(await store.count(filter)).toBe(expected.length);
    }
    await memory.close();
  });
});
