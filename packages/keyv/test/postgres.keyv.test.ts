import { PostgreSQLStorageBackend } from '@recordstore/postgres';
import { afterAll } from 'vitest';
import { runKeyvSuites } from './keyv-suites.js';
import { usePostgresDatabase } from './postgres-database.js';

const database = usePostgresDatabase();
let backend: PostgreSQLStorageBackend | undefined;
afterAll(async () => {
  await backend?.close();
});

// One store for the file (one pool), handed to every adapter; the first adapter's first call connects it
// (and migrates the fresh database). A spec per adapter would open a pool per Keyv the suite makes.
runKeyvSuites('PostgreSQL backend', () => {
  backend ??= new PostgreSQLStorageBackend({ url: database.url, connection_pool_size: 4 });
  return backend;
});
