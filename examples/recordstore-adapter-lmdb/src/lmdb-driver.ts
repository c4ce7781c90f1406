import { resolve } from 'node:path';
import type {
  DriverCapabilities,
  DriverCapabilityObjects,
  DriverStats,
  RowStore,
  StorageDriver,
  StorageError,
} from '@recordstore/core';
import { open } from 'lmdb';
import type { LmdbConfig } from './lmdb-config.js';
import { toLmdbStorageError } from './lmdb-errors.js';
import { committedRows, type LmdbDatabase } from './lmdb-row-store.js';
import { StagedTransaction } from './lmdb-transaction.js';

/** The version of the stored row layout (see `encodeRow`), recorded in backup headers. */
export const LMDB_ROW_FORMAT = 1;

/** What LMDB reports about an environment (the subset read here). */
interface LmdbStats {
  entryCount: number;
  pageSize: number;
  lastPageNumber: number;
  mapSize: number;
  numReaders: number;
  maxReaders: number;
}

/**
 * Records in an LMDB environment: one key per record id, in code-point order, so the runtime's id-ordered
 * scan is LMDB's own range read. LMDB cannot evaluate recordstore filters, so the driver declares
 * `filtering: 'scan'` and core evaluates every filter, order and window over `scanRows` with the in-memory
 * reference (the cost: a full scan per query, fine for the stores an embedded engine holds).
 *
 * One transaction at a time: `transaction(fn)` stages its writes in memory (see {@link StagedTransaction})
 * and every call on the main connection waits until it has committed or been dropped. Calling the store
 * itself instead of `tx` inside the callback therefore waits for the transaction: use `tx`.
 */
export class LmdbDriver implements StorageDriver {
  readonly name = 'lmdb';
  readonly capabilities: DriverCapabilities = {
    persistent: true,
    // LMDB itself is safe across processes, but a staged transaction's isolation holds in one process only.
    multiProcess: false,
    compression: 'none',
    maxRecordBytes: 64 * 1024 * 1024,
    filtering: 'scan',
  };
  readonly offers: DriverCapabilityObjects = { schemaVersion: { current: async () => LMDB_ROW_FORMAT } };
  readonly rows: RowStore;
  readonly #path: string;
  #db: LmdbDatabase | null = null;
  #lock: Promise<unknown> = Promise.resolve();

  constructor(config: LmdbConfig) {
    this.#path = resolve(config.path);
    const committed = committedRows(() => this.#database());
    this.rows = {
      upsertRows: (rows, options) => this.#exclusive(() => committed.upsertRows(rows, options)),
      loadRow: (id, options) => this.#exclusive(() => committed.loadRow(id, options)),
      deleteRows: (ids) => this.#exclusive(() => committed.deleteRows(ids)),
      scanRows: (after, limit) => this.#exclusive(() => committed.scanRows!(after, limit)),
    };
  }

  async open(): Promise<void> {
    // Creates the folder and its data.mdb / lock.mdb when missing.
    this.#db = open<string, string>({ path: this.#path, encoding: 'string' });
  }

  async close(): Promise<void> {
    const db = this.#db;
    this.#db = null;
    await db?.close();
  }

  transaction<T>(fn: (rows: RowStore) => Promise<T>): Promise<T> {
    return this.#exclusive(async () => {
      const tx = new StagedTransaction(this.#database());
      try {
        const result = await fn(tx.rows);
        tx.commit();
        return result;
      } finally {
        tx.end();
      }
    });
  }

  async health(): Promise<Record<string, unknown>> {
    const stats = this.#stats();
    return {
      path: this.#path,
      records: stats.entryCount,
      usedBytes: (stats.lastPageNumber + 1) * stats.pageSize,
      mapSizeBytes: stats.mapSize,
      readers: `${stats.numReaders}/${stats.maxReaders}`,
    };
  }

  async stats(): Promise<DriverStats> {
    const stats = this.#stats();
    return { records: stats.entryCount, sizeBytes: (stats.lastPageNumber + 1) * stats.pageSize };
  }

  toStorageError(error: unknown): StorageError {
    return toLmdbStorageError(error, this.#path);
  }

  #stats(): LmdbStats {
    return this.#database().getStats() as LmdbStats;
  }

  #database(): LmdbDatabase {
    if (this.#db === null) throw new Error(`the store at ${this.#path} is closed`);
    return this.#db;
  }

  /** Runs `fn` once every earlier call and transaction has finished (one promise chain as the lock). */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#lock.then(fn);
    this.#lock = result.catch(() => undefined);
    return result;
  }
}
