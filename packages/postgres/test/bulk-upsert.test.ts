import { afterEach, describe, expect, it } from 'vitest';
import * as records from '../src/generated/records.queries.js';
import type { PostgreSQLStorageBackend } from '../src/index.js';
import { JSON_ARRAY_MAX_CHARS } from '../src/queries.js';
import { backendOn, statementsOf, useSuiteDatabase } from './helpers.js';

/**
 * A batch of saves is one statement. Its data goes as one JSON array paired with the other columns by
 * position (UpsertRecordsJson), which spares pg escaping every JSON text into an array literal; a batch
 * whose data would not fit one jsonb value goes as a jsonb[] (UpsertRecords). Both must store each record's
 * own data, exactly.
 */

const db = useSuiteDatabase();
const open: PostgreSQLStorageBackend[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close().catch(() => {})));
});

async function store(): Promise<PostgreSQLStorageBackend> {
  const s = backendOn(db.url, { connection_pool_size: 1, connection_pool_max_overflow: 0 });
  open.push(s);
  await s.connect();
  return s;
}

/** Data that an escaping or pairing mistake would change: quotes, backslashes, unicode, nesting. */
function awkward(i: number): Record<string, unknown> {
  return {
    n: i,
    quote: `say "${i}" and \\"escaped\\" \\\\ ${'\\'.repeat(i)}`,
    unicode: `ünïcødé ✓ 🚀 ${i} \u2028 \t tab`,
    nested: { list: [i, `${i}`, null, true, { deeper: [[], {}] }], empty: {} },
    ['__proto__']: { kept: i },
    comma: 'a,b],[{c',
  };
}

describe('saveMany on PostgreSQL: the batch statement', () => {
  it('sends a batch as one UpsertRecordsJson, each record keeping its own data', async () => {
    const s = await store();
    const records = Array.from({ length: 25 }, (_, i) => ({
      id: `json_${i}`,
      type: i % 2 ? 'odd' : null,
      session_id: `s${i % 3}`,
      ...awkward(i),
    }));
    const { ran } = await statementsOf(s, () => s.saveMany(records));
    expect(ran).toEqual([{ statement: expect.stringContaining('jsonb_array_elements'), runs: 1 }]);
    for (const record of records) {
      const loaded = await s.load(record.id);
      const { id, type, session_id, ...data } = record;
      expect(loaded).toMatchObject({ id, session_id, ...(type === null ? {} : { type }) });
      for (const [key, value] of Object.entries(data)) expect(loaded?.[key], `${id}.${key}`).toEqual(value);
    }
    // An upsert of the same ids replaces each one's data, again by position.
    await s.saveMany(records.map((r, i) => ({ id: r.id, n: 100 + i })).reverse());
    for (let i = 0; i < records.length; i++) expect((await s.load(`json_${i}`))?.n).toBe(100 + i);
  });

  it('the two batch statements resolve a conflict alike (sql/records.sql spells the clause twice)', () => {
    const conflictClause = (query: unknown) => {
      const text = (query as { queryIR: { statement: string } }).queryIR.statement;
      return text.slice(text.indexOf('ON CONFLICT')).replace(/\s+/g, ' ').trim();
    };
    expect(conflictClause(records.upsertRecords)).toContain('ON CONFLICT (id) DO UPDATE SET');
    expect(conflictClause(records.upsertRecordsJson)).toBe(conflictClause(records.upsertRecords));
  });

  it('sends data too large for one jsonb value as a jsonb[] (UpsertRecords)', async () => {
    const s = await store();
    const half = Math.ceil(JSON_ARRAY_MAX_CHARS / 2);
    const records = [0, 1].map((i) => ({ id: `big_${i}`, blob: `${i}`.repeat(half), quote: `"${i}"` }));
    const { ran } = await statementsOf(s, () => s.saveMany(records));
    expect(ran).toHaveLength(1);
    expect(ran[0]!.statement).not.toContain('jsonb_array_elements');
    expect(ran[0]!.statement).toContain('unnest(');
    for (const record of records) {
      const loaded = await s.load(record.id);
      expect(loaded?.blob).toBe(record.blob);
      expect(loaded?.quote).toBe(record.quote);
    }
  });
});
