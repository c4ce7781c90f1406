import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStorageBackend, type StorageBackend } from '@recordstore/core';
import { PostgreSQLStorageBackend } from '@recordstore/postgres';
import { SQLiteStorageBackend } from '@recordstore/sqlite';
import { type ProvisionedPostgres, provisionPostgres } from '@recordstore/testkit/postgres';
import { inject } from 'vitest';

/** The backends every suite of this package runs on. */
export const BACKENDS = ['memory', 'sqlite', 'postgresql'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** A connected store for one test file, and how to reach the same data from another process. */
export interface OpenBackend {
  store: StorageBackend;
  /** SQLite: the database file. PostgreSQL: the database URL. Memory: undefined. */
  location: string | undefined;
  close(): Promise<void>;
}

/** A fresh, connected store on `name`: a new SQLite file, or a clone of the migrated PostgreSQL template. */
export async function openBackend(name: BackendName): Promise<OpenBackend> {
  if (name === 'memory') {
    const store = new MemoryStorageBackend();
    await store.connect();
    return { store, location: undefined, close: () => store.close() };
  }
  if (name === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'rs-langgraph-'));
    const path = join(dir, 'store.db');
    const store = new SQLiteStorageBackend({ path });
    await store.connect();
    return {
      store,
      location: path,
      close: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const server: ProvisionedPostgres = await provisionPostgres();
  const url = await server.createDatabase({ template: inject('langgraphPostgresTemplate') });
  const store = new PostgreSQLStorageBackend({ url, connection_pool_size: 4 });
  await store.connect();
  return {
    store,
    location: url,
    close: async () => {
      await store.close();
      await server.stop();
    },
  };
}

/** Opens a backend for the calling file in beforeAll and closes it in afterAll. */
export function useBackend(name: BackendName): {
  readonly store: StorageBackend;
  readonly backend: OpenBackend;
} {
  let open: OpenBackend | undefined;
  beforeAll(async () => {
    open = await openBackend(name);
  });
  afterAll(async () => {
    await open?.close();
  });
  return {
    get backend() {
      if (open === undefined) throw new Error(`the ${name} backend is not open yet (use it inside tests)`);
      return open;
    },
    get store() {
      return this.backend.store;
    },
  };
}
