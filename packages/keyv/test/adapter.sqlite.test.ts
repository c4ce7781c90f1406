import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQLiteStorageBackend } from '@recordstore/sqlite';
import { afterAll } from 'vitest';
import { describeAdapterBehaviour } from './adapter-behaviour.js';

const folder = mkdtempSync(join(tmpdir(), 'recordstore-keyv-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describeAdapterBehaviour(
  'the SQLite backend',
  ({ clock, ttl_enabled }) =>
    new SQLiteStorageBackend(
      { path: join(folder, 'adapter.db'), ttl_enabled: ttl_enabled ?? false },
      clock ? { clock } : {},
    ),
);
