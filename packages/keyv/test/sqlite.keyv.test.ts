import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQLiteStorageBackend } from '@recordstore/sqlite';
import { afterAll, beforeAll } from 'vitest';
import { runKeyvSuites } from './keyv-suites.js';

const folder = mkdtempSync(join(tmpdir(), 'recordstore-keyv-'));
const path = join(folder, 'keyv.db');

beforeAll(async () => {
  // Migrate the file once, so that the many adapters below only open it.
  const backend = new SQLiteStorageBackend({ path });
  await backend.connect();
  await backend.close();
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

// Every factory call is a spec: the adapter creates its own store on the file at first use, as Keyv's
// adapters do with a URI, and closes it on disconnect.
runKeyvSuites('SQLite backend (spec, one store per adapter)', () => ({
  class: SQLiteStorageBackend,
  config: { path },
}));
