import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackendOptions } from '@recordstore/core';
import { afterEach } from 'vitest';
import { SQLiteStorageBackend } from '../src/index.js';
import type { SQLiteConfigInput } from '../src/sqlite-config.js';

/** A temp folder removed after the current test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rs-sqlite-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** A connected backend on a file in a fresh temp folder, closed after the test. */
export async function openStore(
  config: Partial<SQLiteConfigInput> = {},
  options: BackendOptions = {},
): Promise<SQLiteStorageBackend> {
  const store = new SQLiteStorageBackend(
    { path: join(tempDir(), 'store.db'), cleanup_interval_seconds: 0, ...config },
    options,
  );
  await store.connect();
  cleanups.push(() => store.close());
  return store;
}
