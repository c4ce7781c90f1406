import pg from 'pg';
import { ProvisionError } from '../../src/provision/index.js';

/** Runs one query on a fresh client and returns its rows. */
export async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** The ProvisionError a promise rejects with (any other outcome fails the test). */
export async function rejection(promise: Promise<unknown>): Promise<ProvisionError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ProvisionError) return error;
    throw error;
  }
  throw new Error('expected a ProvisionError');
}
