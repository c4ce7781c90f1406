import type { IDatabaseConnection } from '@pgtyped/runtime';
import type { QueryResult, QueryResultRow } from 'pg';

/**
 * The one client partition and index management run on (a pg Client or PoolClient, outside any
 * transaction unless they open one), and how the pgtyped queries of `sql/partition-*.sql`,
 * `sql/table-definition.sql` and `sql/index-*.sql` run on it.
 */

/** Something that runs SQL: a pg Client or PoolClient. */
export interface SqlClient {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}

/**
 * The pgtyped connection over `client`. Statements are sent unnamed: these run rarely (connect,
 * maintenance, operator commands), so preparing them would only cost, and unnamed statements also work
 * behind PgBouncer in transaction mode.
 */
export function catalogOn(client: SqlClient): IDatabaseConnection {
  return {
    query: async (text, values) => {
      const result = await client.query(text, values);
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    },
  };
}

/** Runs `fn` between BEGIN and COMMIT on `client`, rolling back (and rethrowing) when it throws. */
export async function inTransaction<T>(client: SqlClient, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await fn();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
