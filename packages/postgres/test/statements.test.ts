import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientExecutor, ReleasingQuery } from '../src/postgres-statements.js';
import { useSuiteDatabase } from './helpers.js';

/**
 * ReleasingQuery.of builds pg's query from the config's text and values (pg's own constructor copies a
 * config object through its property descriptors, ten times slower): what pg runs must be the same, the
 * statement's name (a prepared statement) included, and a config with fields the constructor derives
 * state from still gets them.
 */

const db = useSuiteDatabase();
let client: pg.Client;

beforeAll(async () => {
  client = new pg.Client(db.url);
  await client.connect();
});

afterAll(async () => {
  await client?.end();
});

describe('ReleasingQuery.of', () => {
  it('carries text, values and name: a named config becomes a prepared statement', async () => {
    const query = ReleasingQuery.of({
      name: 'rs_test_of',
      text: 'SELECT $1::int + $2::int AS n',
      values: [2, 3],
    });
    expect(query).toMatchObject({
      name: 'rs_test_of',
      text: 'SELECT $1::int + $2::int AS n',
      values: [2, 3],
    });
    const { rows } = await clientExecutor(client).query<{ n: number }>({
      name: 'rs_test_of',
      text: 'SELECT $1::int + $2::int AS n',
      values: [20, 22],
    });
    expect(rows).toEqual([{ n: 42 }]);
    const prepared = await client.query(
      `SELECT statement FROM pg_prepared_statements WHERE name = 'rs_test_of'`,
    );
    expect(prepared.rows).toEqual([{ statement: 'SELECT $1::int + $2::int AS n' }]);
  });

  it('runs an unnamed config with no values, and reports a failed statement', async () => {
    const run = clientExecutor(client);
    expect((await run.query({ text: "SELECT 'x' AS v" })).rows).toEqual([{ v: 'x' }]);
    expect((ReleasingQuery.of({ text: 'SELECT 1' }) as unknown as { name?: string }).name).toBeUndefined();
    await expect(run.query({ text: 'SELECT * FROM no_such_table_here' })).rejects.toThrow(
      /no_such_table_here/,
    );
  });

  it('keeps what only pg’s constructor derives: rowMode and types', async () => {
    const run = clientExecutor(client);
    const arrays = await run.query({
      text: 'SELECT 1::int AS a, 2::int AS b',
      rowMode: 'array',
    } as pg.QueryConfig);
    expect(arrays.rows).toEqual([[1, 2]]);
    const types = { getTypeParser: () => (value: string) => `parsed:${value}` };
    const custom = await run.query({ text: 'SELECT 7::int AS a', types } as pg.QueryConfig);
    expect(custom.rows).toEqual([{ a: 'parsed:7' }]);
  });
});
