import type { Filter, RecordImportCapability, RecordInput, StorageBackend } from '@recordstore/core';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { AgentRecord } from '../records.js';
import { PG_POOL_SIZE, PG_TABLE } from './postgres.js';
import { SQLITE_TABLE } from './sqlite.js';
import { type Contender, LIST_LIMIT, type ListQuery, type OptionalWork } from './types.js';

const POSTGRES_PKG = '@recordstore/postgres';
const SQLITE_PKG = '@recordstore/sqlite';
/**
 * Imports a recordstore backend package by a non-literal name: the bench must type-check and run its
 * raw and Keyv contenders even before a backend package is built.
 */
const importPackage = (name: string): Promise<unknown> => import(name);

/** A backend package's store class as an application uses it: `new` with a raw config, then `connect()`. */
type StoreClass = new (config: Record<string, unknown>) => StorageBackend;

/** The filter of each list query in recordstore's filter language. */
export function recordstoreFilter(query: ListQuery): Filter {
  switch (query.kind) {
    case 'eq-data':
      return { user_id: query.userId };
    case 'range-path':
      return { tokens: { $gte: query.gte, $lt: query.lt } };
    case 'session':
      return { session_id: query.sessionId };
  }
}

/**
 * A recordstore backend through its public {@link StorageBackend} API only, exactly as an application
 * calls it. The COPY import row measures the store's `bulkImport` capability when it offers one.
 */
export class RecordstoreContender implements Contender {
  readonly raw = false;
  readonly unsupported: Partial<Record<OptionalWork, string>> = {};
  readonly backend: StorageBackend;
  readonly #truncate: () => Promise<void>;
  readonly #release: () => Promise<void>;

  constructor(
    readonly name: string,
    readonly family: 'postgres' | 'sqlite',
    backend: StorageBackend,
    admin: { truncate(): Promise<void>; release(): Promise<void> },
  ) {
    this.backend = backend;
    this.#truncate = admin.truncate;
    this.#release = admin.release;
    // The COPY row exists for PostgreSQL only; a SQLite store's bulk import is not measured.
    const bulk = family === 'postgres' ? backend.capability('bulkImport') : undefined;
    if (family === 'sqlite') this.unsupported.copy = 'COPY is PostgreSQL only';
    else if (!bulk) this.unsupported.copy = 'not supported: the store offers no bulkImport capability';
    if (bulk) this.copyImport = (records) => this.#copy(bulk, records);
  }

  /** Set when the store offers a `bulkImport` capability (see the constructor). */
  copyImport?: (records: AgentRecord[]) => Promise<void>;

  async #copy(bulk: RecordImportCapability, records: AgentRecord[]): Promise<void> {
    await bulk.importRecords(records as unknown as RecordInput[]);
  }

  async save(record: AgentRecord): Promise<void> {
    await this.backend.save(record as unknown as RecordInput);
  }
  async load(id: string): Promise<unknown> {
    return this.backend.load(id);
  }
  async exists(id: string): Promise<boolean> {
    return this.backend.exists(id);
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

/** Name suffix of the recordstore contenders opened with `coalesce: false` (point workloads only). */
export const COALESCE_OFF_SUFFIX = '-coalesce-off';

/**
 * The family's recordstore store with coalescing turned off (`coalesce: false`): every call its own
 * statement, as with the raw drivers, so the per-call path is measured apart from coalescing.
 */
export function openRecordstoreUncoalesced(
  family: 'postgres' | 'sqlite',
  target: string,
): Promise<RecordstoreContender> {
  const off = { coalesce: false };
  return family === 'postgres'
    ? openRecordstorePostgres(target, off, `recordstore-postgres${COALESCE_OFF_SUFFIX}`)
    : openRecordstoreSqlite(target, off, `recordstore-sqlite${COALESCE_OFF_SUFFIX}`);
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

/**
 * A connected recordstore backend on a database URL (pool of {@link PG_POOL_SIZE}, like the other
 * contenders) or a SQLite file (defaults), with `extra` config keys (e.g. `distributed`).
 */
export async function connectBackend(
  family: 'postgres' | 'sqlite',
  target: string,
  extra: Record<string, unknown> = {},
): Promise<StorageBackend> {
  const backend =
    family === 'postgres'
      ? new (
          (await importPackage(POSTGRES_PKG)) as { PostgreSQLStorageBackend: StoreClass }
        ).PostgreSQLStorageBackend({
          url: target,
          connection_pool_size: PG_POOL_SIZE,
          connection_pool_max_overflow: 0,
          ...extra,
        })
      : new ((await importPackage(SQLITE_PKG)) as { SQLiteStorageBackend: StoreClass }).SQLiteStorageBackend({
          path: target,
          ...extra,
        });
  await backend.connect();
  return backend;
}

/**
 * Opens `@recordstore/postgres` on a database with the same pool size as the other contenders; `extra`
 * config keys (e.g. declared `indexes`) are added to the config.
 */
export async function openRecordstorePostgres(
  url: string,
  extra: Record<string, unknown> = {},
  name = 'recordstore-postgres',
): Promise<RecordstoreContender> {
  const mod = (await importPackage(POSTGRES_PKG)) as { PostgreSQLStorageBackend: StoreClass };
  // Pool max = size + overflow: the same 16 connections the other contenders get.
  const backend = new mod.PostgreSQLStorageBackend({
    url,
    connection_pool_size: PG_POOL_SIZE,
    connection_pool_max_overflow: 0,
    ...extra,
  });
  await backend.connect();
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  return new RecordstoreContender(name, 'postgres', backend, {
    truncate: async () => {
      await admin.query(`TRUNCATE ${PG_TABLE}`);
    },
    release: () => admin.end(),
  });
}

/**
 * Opens `@recordstore/sqlite` on a file with its defaults (WAL, synchronous=normal); `extra` config keys
 * (e.g. declared `indexes`) are added to the config.
 */
export async function openRecordstoreSqlite(
  path: string,
  extra: Record<string, unknown> = {},
  name = 'recordstore-sqlite',
): Promise<RecordstoreContender> {
  const mod = (await importPackage(SQLITE_PKG)) as {
    SQLiteStorageBackend: StoreClass;
    registerSQLiteFunctions: (db: Database.Database) => void;
  };
  const backend = new mod.SQLiteStorageBackend({ path, ...extra });
  await backend.connect();
  let admin: Database.Database | undefined;
  return new RecordstoreContender(name, 'sqlite', backend, {
    truncate: async () => {
      if (!admin) {
        admin = new Database(path);
        admin.pragma('busy_timeout = 5000');
        // Deleting rows updates the declared path indexes, whose expressions call recordstore's functions.
        mod.registerSQLiteFunctions(admin);
      }
      admin.exec(`DELETE FROM ${SQLITE_TABLE}`);
    },
    release: async () => {
      admin?.close();
    },
  });
}
