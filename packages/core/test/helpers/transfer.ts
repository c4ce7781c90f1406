import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ProvisionedPostgres, provisionPostgres } from '@recordstore/testkit/postgres';
import { afterAll, beforeAll } from 'vitest';
// Core declares no dependency on its backends (not even a dev one: the registry test proves an application
// without @recordstore/postgres gets a clear error); tests load the built backends by path.
import { PostgreSQLStorageBackend } from '../../../postgres/dist/index.js';
import { SQLiteStorageBackend } from '../../../sqlite/dist/index.js';
import type { RecordInput, StorageBackend } from '../../src/index.js';

/** A temp folder removed after the file's tests. */
export function useTempDir(prefix = 'rs-transfer-'): { readonly path: string } {
  const holder = { path: '' };
  beforeAll(() => {
    holder.path = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(() => {
    if (holder.path) rmSync(holder.path, { recursive: true, force: true });
  });
  return holder;
}

/** One PostgreSQL server for the file (testkit provisioning); `createDatabase()` gives a fresh database. */
export function usePostgres(): { server: ProvisionedPostgres | null } {
  const holder: { server: ProvisionedPostgres | null } = { server: null };
  beforeAll(async () => {
    holder.server = await provisionPostgres();
  }, 120_000);
  afterAll(async () => {
    await holder.server?.stop();
  });
  return holder;
}

const opened: StorageBackend[] = [];
afterAll(async () => {
  for (const store of opened.splice(0)) await store.close().catch(() => undefined);
});

/** A connected SQLite store on a real file. */
export async function openSqlite(
  path: string,
  config: Record<string, unknown> = {},
): Promise<StorageBackend> {
  const store = new SQLiteStorageBackend({ path, ...config }) as unknown as StorageBackend;
  await store.connect();
  opened.push(store);
  return store;
}

/** A connected PostgreSQL store on a fresh database of the provisioned server (migrated on connect). */
export async function openPostgres(
  server: ProvisionedPostgres,
  config: Record<string, unknown> = {},
): Promise<StorageBackend> {
  const url = await server.createDatabase();
  const store = new PostgreSQLStorageBackend({ url, ...config }) as unknown as StorageBackend;
  await store.connect();
  opened.push(store);
  return store;
}

/** A connected PostgreSQL store on a given database URL (closed by the caller). */
export async function openPostgresUrl(url: string): Promise<StorageBackend> {
  const store = new PostgreSQLStorageBackend({ url }) as unknown as StorageBackend;
  await store.connect();
  return store;
}

const BASE = Date.UTC(2025, 0, 1);

/**
 * Realistic agent-session records: sessions, threads and messages, metadata, nested data, unicode, arrays,
 * some with an expiry an hour (or more) in the future, some without; explicit timestamps so copies can be
 * compared exactly (created_at and updated_at differ).
 */
export function realisticRecords(count: number, offset = 0): RecordInput[] {
  const records: RecordInput[] = [];
  for (let n = offset; n < offset + count; n++) {
    const session = `sess-${Math.floor(n / 50)}`;
    const thread = `${session}-thr-${Math.floor(n / 10) % 5}`;
    const kind = n % 50 === 0 ? 'session' : n % 10 === 0 ? 'thread' : 'message';
    const created = BASE + n * 1000;
    const record: RecordInput = {
      id: `rec-${String(n).padStart(7, '0')}`,
      type: kind,
      session_id: session,
      created_at: new Date(created),
      updated_at: new Date(created + (n % 7) * 60_000),
      role: n % 2 === 0 ? 'user' : 'assistant',
      content: `Message ${n}: ${n % 3 === 0 ? 'héllo wörld 👋 — 你好' : 'plain ascii text'}`,
      tokens: (n * 37) % 512,
      score: n % 5 === 0 ? null : (n % 100) / 7,
      tags: n % 4 === 0 ? ['a', 'b'] : [],
      nested: { depth: { level: n % 3, flags: { ok: n % 2 === 0 } } },
    };
    if (kind !== 'session') record.thread_id = thread;
    if (n % 3 === 0) record.metadata = { source: n % 2 ? 'web' : 'cli', model: 'gpt-x', attempt: n % 4 };
    // Far in the future so nothing expires during a test, yet expires_at must survive exactly.
    if (n % 4 === 1) record.expires_at = new Date(Date.UTC(2099, 0, 1) + n);
    records.push(record);
  }
  return records;
}

/** Saves records in batches keeping their timestamps. */
export async function seed(store: StorageBackend, records: RecordInput[], batch = 1000): Promise<void> {
  for (let i = 0; i < records.length; i += batch) {
    await store.saveMany(records.slice(i, i + batch), { preserveTimestamps: true });
  }
}
