import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toPostgresStorageError } from '../src/postgres-errors.js';
import { buildListQuery } from '../src/postgres-filter-compiler.js';
import { clientExecutor } from '../src/postgres-statements.js';
import { createSession, type RecordColumns, toRecordRow } from '../src/queries.js';
import { backendOn, useSuiteDatabase } from './helpers.js';

/**
 * List statements decode their rows themselves (RecordRowsQuery). The result must be exactly what pg's own
 * row path and type parsers give for the same statement, for every kind of column value.
 */

const db = useSuiteDatabase();
let client: pg.Client;

beforeAll(async () => {
  const store = backendOn(db.url, { coalesce: false });
  await store.connect();
  await store.saveMany([
    { id: 'rr_plain', type: 'rr', text: 'plain' },
    {
      id: 'rr_full',
      type: 'rr',
      session_id: 's\t1\n',
      thread_id: 'th\\1',
      metadata: { source: 'tab\there', n: 1.5 },
      expires_at: new Date(Date.now() + 3_600_000),
      nested: { a: [1, 'two', null, { three: true }], big: 12345678901234567000, small: 1e-7, neg: -0 },
      unicode: 'ü ✓ 🎉 nul-free \u2028',
      quote: '"quoted" \\ back',
    },
    { id: 'rr_\u00e9\u00e8', type: 'rr', empty: {}, list: [] },
  ]);
  await store.close();
  client = new pg.Client(db.url);
  await client.connect();
});

afterAll(async () => {
  await client?.end();
});

const byType = { op: 'eq', field: { kind: 'string', column: 'type' }, value: 'rr' } as const;
const newestFirst = {
  orderBy: [{ field: 'created_at', direction: 'desc' }],
  limit: null,
  offset: 0,
} as const;

describe('list rows decoded from the wire (PostgreSQL)', () => {
  it('give the same RecordRows as pg rows through toRecordRow', async () => {
    const session = createSession(clientExecutor(client), false, (error) => toPostgresStorageError(error));
    const query = buildListQuery(byType as never, newestFirst as never);
    const decoded = await session.records(query);
    const viaPg = (await session.dynamic<RecordColumns>(query)).rows.map(toRecordRow);
    expect(decoded).toHaveLength(3);
    expect(decoded).toEqual(viaPg);
    // toEqual treats -0 and 0 alike; the decoders must not.
    const full = (rows: typeof decoded) => rows.find((r) => r.id === 'rr_full')!;
    expect(Object.is((full(decoded).data.nested as { neg: number }).neg, -0)).toBe(
      Object.is((full(viaPg).data.nested as { neg: number }).neg, -0),
    );
    expect(full(decoded).expires_at).toBeTypeOf('number');
    expect(decoded.find((r) => r.id === 'rr_plain')).toMatchObject({ metadata: null, expires_at: null });
  });

  it('refuse a statement with other columns with an error that names them', async () => {
    const session = createSession(clientExecutor(client), false, (error) => toPostgresStorageError(error));
    const error = await session
      .records({ text: 'SELECT 1 AS x, 2 AS y', values: [] })
      .catch((e: unknown) => e);
    expect(String((error as Error).message)).toMatch(/returned columns \(x, y\), expected \(id, data/);
    // The client stays usable after the refused statement.
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});
