import type { RecordInput, StorageBackend } from '@recordstore/core';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { AgentRecord } from '../records.js';
import { PG_POOL_SIZE, PG_TABLE, recordstoreFilter } from './postgres.js';
import { SQLITE_TABLE } from './sqlite.js';
import { type Contender, LIST_LIMIT, type ListQuery, type OptionalWork } from './types.js';

const POSTGRES_PKG = '@recordstore/postgres';
const SQLITE_PKG = '@recordstore/sqlite';
/**
 * Imports a recordstore backend package by a non-literal name: the bench must type-check and run its
 * raw and Keyv contenders even before a backend package is built.
 */
const importPackage = (name: string): Promise<unknown> => import(name);

/** Method names a backend may offer for COPY-based bulk import; the first one found is measured. */
const COPY_METHODS = ['importRecords', 'copyRecords', 'copyFrom', 'bulkImport', 'importMany'] as const;

/**
 * A recordstore backend through its public {@link StorageBackend} API only, exactly as an application
 * calls it.
 */
export class RecordstoreContender implements Contender {
  readonly raw = false;
  readonly unsupported: Partial<Record<OptionalWork, string>> = {};
  readonly backend: StorageBackend;
  readonly #truncate: () => Promise<void>;
  readonly #release: () => Promise<void>;
  readonly #copyMethod: string | undefined;

  constructor(
    readonly name: string,
    readonly family: 'postgres' | 'sqlite',
    backend: StorageBackend,
    admin: { truncate(): Promise<void>; release(): Promise<void> },
  ) {
    this.backend = backend;
    this.#truncate = admin.truncate;
    this.#release = admin.release;
    const b = backend as unknown as Record<string, unknown>;
    this.#copyMethod = COPY_METHODS.find((m) => typeof b[m] === 'function');
    if (family === 'sqlite') this.unsupported.copy = 'COPY is PostgreSQL only';
    else if (!this.#copyMethod) {
      this.unsupported.copy = 'not yet: the backend has no COPY-based import method (issue 7 asks for one)';
    }
    if (this.#copyMethod) this.copyImport = (records) => this.#copy(records);
  }

  copyImport?: (records: AgentRecord[]) => Promise<void>;

  async #copy(records: AgentRecord[]): Promise<void> {
    const fn = (this.backend as unknown as Record<string, (r: unknown) => Promise<unknown>>)[
      this.#copyMethod!
    ]!;
    await fn.call(this.backend, records);
  }

  async save(record: AgentRecord): Promise<void> {
    await this.backend.save(record as unknown as RecordInput);
  }
  async load(id: string): Promise<unknown> {
    return this.backend.load(id);
  }
  async delete(id: string): Promise<boolean> {
    return this.backend.delete(id);
  }
  async saveBatch(records: AgentRecord[]): Promise<void> {
    await this.backend.saveMany(records as unknown as RecordInput[]);
  }
  async list(query: ListQuery): Promise<unknown[]> {
    return this.backend.list(recordstoreFilter(query), { limit: LIST_LIMIT });
  }
  async stream(onRow: (row: unknown) => void): Promise<number> {
    let count = 0;
    for await (const record of this.backend.stream()) {
      onRow(record);
      count++;
    }
    return count;
  }
  async cleanupExpired(): Promise<number> {
    return this.backend.cleanupExpired();
  }
  async truncate(): Promise<void> {
    await this.#truncate();
  }
  async close(): Promise<void> {
    await this.backend.close();
    await this.#release();
  }
}

/** Why a recordstore package cannot be measured yet, or null when it loads. */
export async function recordstoreAvailable(family: 'postgres' | 'sqlite'): Promise<string | null> {
  try {
    const mod = (await importPackage(family === 'postgres' ? POSTGRES_PKG : SQLITE_PKG)) as Record<
      string,
      unknown
    >;
    const cls = family === 'postgres' ? mod.PostgreSQLStorageBackend : mod.SQLiteStorageBackend;
    return typeof cls === 'function' ? null : `the package does not export its backend class yet`;
  } catch (error) {
    return `the package does not load (${(error as Error).message.split('\n')[0]}); build it first`;
  }
}

type BackendClass = new (config: Record<string, unknown>) => StorageBackend;

/** The config key of the pool size, whichever name the backend's schema uses. */
function poolKey(cls: unknown): string | undefined {
  const shape = (cls as { configSchema?: { shape?: Record<string, unknown> } }).configSchema?.shape ?? {};
  return ['pool_max', 'max_connections', 'pool_size', 'max_pool_size', 'pool_max_size', 'max'].find(
    (k) => k in shape,
  );
}

/** Opens `@recordstore/postgres` on a database with the same pool size as the other contenders. */
export async function openRecordstorePostgres(url: string): Promise<RecordstoreContender> {
  const mod = (await importPackage(POSTGRES_PKG)) as unknown as { PostgreSQLStorageBackend: BackendClass };
  const cls = mod.PostgreSQLStorageBackend;
  const config: Record<string, unknown> = { url };
  const shape = (cls as { configSchema?: { shape?: Record<string, unknown> } }).configSchema?.shape ?? {};
  if ('connection_pool_size' in shape) {
    // Pool max = size + overflow: the same 16 connections the other contenders get.
    config.connection_pool_size = PG_POOL_SIZE;
    config.connection_pool_max_overflow = 0;
  } else {
    const key = poolKey(cls);
    if (key) config[key] = PG_POOL_SIZE;
  }
  const backend = new cls(config);
  await backend.connect();
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  return new RecordstoreContender('recordstore-postgres', 'postgres', backend, {
    truncate: async () => {
      await admin.query(`TRUNCATE ${PG_TABLE}`);
    },
    release: () => admin.end(),
  });
}

/** Opens `@recordstore/sqlite` on a file with its defaults (WAL, synchronous=normal). */
export async function openRecordstoreSqlite(path: string): Promise<RecordstoreContender> {
  const mod = (await importPackage(SQLITE_PKG)) as unknown as { SQLiteStorageBackend: BackendClass };
  const backend = new mod.SQLiteStorageBackend({ path });
  await backend.connect();
  let admin: Database.Database | undefined;
  return new RecordstoreContender('recordstore-sqlite', 'sqlite', backend, {
    truncate: async () => {
      admin ??= new Database(path);
      admin.pragma('busy_timeout = 5000');
      admin.exec(`DELETE FROM ${SQLITE_TABLE}`);
    },
    release: async () => {
      admin?.close();
    },
  });
}
