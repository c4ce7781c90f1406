import { type ProvisionedPostgres, provisionPostgres } from '@recordstore/testkit/postgres';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { PostgreSQLStorageBackend } from '../src/index.js';
import type { PostgresConfigInput } from '../src/postgres-config.js';

/** The run's server (url provider: set by the global setup) and one fresh database for the calling file. */
export interface SuiteDatabase {
  server: ProvisionedPostgres;
  /** URL of this suite's database (a clone of the migrated template). */
  url: string;
  /** Runs SQL on this suite's database with a short-lived client. */
  sql<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

/**
 * Registers beforeAll/afterAll hooks that clone the migrated template into a database for this file.
 * Read the returned object's fields inside tests (they are set in beforeAll).
 */
export function useSuiteDatabase(options: { migrated?: boolean } = {}): SuiteDatabase {
  const suite = {} as SuiteDatabase;
  beforeAll(async () => {
    suite.server = await provisionPostgres();
    suite.url = await suite.server.createDatabase(
      options.migrated === false ? {} : { template: inject('recordstorePostgresTemplate') },
    );
    suite.sql = async (text, values) => {
      const client = new pg.Client({ connectionString: suite.url });
      await client.connect();
      try {
        return await client.query(text, values);
      } finally {
        await client.end();
      }
    };
  });
  afterAll(async () => {
    await suite.server?.stop();
  });
  return suite;
}

/** A backend on `url` with test-friendly defaults (small pool). */
export function backendOn(url: string, config: PostgresConfigInput = {}): PostgreSQLStorageBackend {
  return new PostgreSQLStorageBackend({ url, connection_pool_size: 2, ...config });
}

/** Replaces the database of a URL. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
