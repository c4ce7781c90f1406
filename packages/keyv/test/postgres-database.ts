import { type ProvisionedPostgres, provisionPostgres } from '@recordstore/testkit/postgres';
import { afterAll, beforeAll } from 'vitest';

/** This file's database on the run's PostgreSQL server; read `url` inside tests (it is set in beforeAll). */
export interface FileDatabase {
  url: string;
}

/**
 * Registers beforeAll/afterAll hooks that create a fresh database for the calling test file on the server
 * of the run (started by the global setup) and drop it afterwards. Backends migrate it on first connect.
 */
export function usePostgresDatabase(): FileDatabase {
  const database = { url: '' };
  let server: ProvisionedPostgres | undefined;
  beforeAll(async () => {
    server = await provisionPostgres();
    database.url = await server.createDatabase();
  });
  afterAll(async () => {
    await server?.stop();
  });
  return database;
}
