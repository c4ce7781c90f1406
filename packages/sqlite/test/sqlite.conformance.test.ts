import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConformanceSuite } from '@recordstore/testkit';
import { afterAll } from 'vitest';
import { SQLiteStorageBackend } from '../src/index.js';

// One folder for the run; each storeKey is its own database file in it.
const root = mkdtempSync(join(tmpdir(), 'rs-sqlite-conformance-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const fileOf = (storeKey: string) => join(root, `${storeKey}.db`);

runConformanceSuite({
  name: 'sqlite',
  createBackend: ({ config, clock, storeKey }) =>
    new SQLiteStorageBackend({ ...config, path: fileOf(storeKey) }, { clock }),
  cleanup: (storeKey) => {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${fileOf(storeKey)}${suffix}`, { force: true });
  },
});
