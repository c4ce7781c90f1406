import { z } from 'zod';
import type { BackendCapabilities, RowQuery, RowStore, StorageStats } from '../backend.js';
import { type BackendOptions, BaseStorageBackend } from '../base-backend.js';
import { compressJson, decompressJson, shouldCompress } from '../compression.js';
import { commonConfigShape, coreSettingsFrom } from '../config/common-config.js';
import { compareRows, matchesFilter } from '../filter/evaluate.js';
import type { FilterNode } from '../filter/types.js';
import type { JsonObject, RecordRow, WriteRow } from '../record.js';
import { isExpired } from '../record.js';

/** Config of the memory backend: only the common keys. */
export const memoryConfigSchema = z.object(commonConfigShape).strict();
/** Parsed memory backend config. */
export type MemoryConfig = z.infer<typeof memoryConfigSchema>;

/** A stored row: columns plus the data as JSON text or gzip, so callers never share objects with the store. */
interface MemoryEntry {
  row: Omit<RecordRow, 'data' | 'metadata'>;
  data: string | Buffer;
  metadata: string | null;
}

/**
 * The in-memory reference backend: the definition of the filter language and of every operation's
 * semantics. Other backends are tested against it. Nothing persists beyond the object.
 */
export class MemoryStorageBackend extends BaseStorageBackend {
  readonly name = 'memory';
  readonly capabilities: BackendCapabilities = {
    persistent: false,
    multiProcess: false,
    compression: 'payload',
    maxRecordBytes: 256 * 1024 * 1024,
  };
  /** The config schema `createStorage` validates against. */
  static readonly configSchema = memoryConfigSchema;
  #entries = new Map<string, MemoryEntry>();
  // Transactions run one at a time, and plain writes wait for them: the isolation a database gives.
  #lock: Promise<void> = Promise.resolve();

  constructor(config: Partial<z.input<typeof memoryConfigSchema>> = {}, options: BackendOptions = {}) {
    super(coreSettingsFrom(memoryConfigSchema.parse(config)), options);
  }

  protected async openConnection(): Promise<void> {}
  protected async closeConnection(): Promise<void> {}

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#lock.then(fn);
    this.#lock = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  protected get rows(): RowStore {
    const store = this.#rowStore(() => this.#entries);
    // Outside a transaction every call waits for a running transaction to finish.
    const locked = {} as RowStore;
    for (const key of Object.keys(store) as (keyof RowStore)[]) {
      const method = store[key] as (...args: unknown[]) => Promise<unknown>;
      (locked as unknown as Record<string, unknown>)[key] = (...args: unknown[]) =>
        this.#exclusive(() => method(...args));
    }
    return locked;
  }

  protected withTransaction<T>(fn: (rows: RowStore) => Promise<T>): Promise<T> {
    return this.#exclusive(async () => {
      const snapshot = new Map(this.#entries);
      const result = await fn(this.#rowStore(() => snapshot));
      this.#entries = snapshot;
      return result;
    });
  }

  #toEntry(row: WriteRow): MemoryEntry {
    const { data: _data, dataJson, metadataJson, metadata: _metadata, ...columns } = row;
    const data = shouldCompress(dataJson, this.settings.compression) ? compressJson(dataJson) : dataJson;
    return { row: columns, data, metadata: metadataJson };
  }

  #toRow(entry: MemoryEntry): RecordRow {
    const json = typeof entry.data === 'string' ? entry.data : decompressJson(entry.data);
    return {
      ...entry.row,
      data: JSON.parse(json) as JsonObject,
      metadata: entry.metadata === null ? null : (JSON.parse(entry.metadata) as JsonObject),
    };
  }

  #matching(entries: Map<string, MemoryEntry>, filter: FilterNode): RecordRow[] {
    const rows: RecordRow[] = [];
    for (const entry of entries.values()) {
      const row = this.#toRow(entry);
      if (matchesFilter(row, filter)) rows.push(row);
    }
    return rows;
  }

  #rowStore(entries: () => Map<string, MemoryEntry>): RowStore {
    return {
      upsertRows: async (rows, { keepCreatedAt, now }) => {
        const map = entries();
        for (const row of rows) {
          const existing = map.get(row.id);
          const entry = this.#toEntry(row);
          if (existing && keepCreatedAt && !isExpired(existing.row, now)) {
            entry.row.created_at = existing.row.created_at;
          }
          map.set(row.id, entry);
        }
      },
      loadRow: async (id) => {
        const entry = entries().get(id);
        return entry ? this.#toRow(entry) : null;
      },
      existsRow: async (id, now) => {
        const entry = entries().get(id);
        return entry !== undefined && !isExpired(entry.row, now);
      },
      deleteRows: async (ids) => {
        let deleted = 0;
        for (const id of ids) if (entries().delete(id)) deleted++;
        return deleted;
      },
      deleteRowIfExpired: async (id, now) => {
        const entry = entries().get(id);
        return entry !== undefined && isExpired(entry.row, now) && entries().delete(id);
      },
      countRows: async (filter) => this.#matching(entries(), filter).length,
      listRows: async (filter, query: RowQuery) => {
        const rows = this.#matching(entries(), filter).sort((a, b) => compareRows(a, b, query.orderBy));
        return rows.slice(query.offset, query.limit === null ? undefined : query.offset + query.limit);
      },
      deleteRowsWhere: async (filter) => {
        const rows = this.#matching(entries(), filter);
        for (const row of rows) entries().delete(row.id);
        return rows.length;
      },
    };
  }

  protected deleteExpiredRows(now: number): Promise<number> {
    return this.#exclusive(async () => {
      let removed = 0;
      for (const [id, entry] of this.#entries) {
        if (isExpired(entry.row, now) && this.#entries.delete(id)) removed++;
      }
      return removed;
    });
  }

  protected deleteRowsCreatedBefore(cutoff: number): Promise<number> {
    return this.#exclusive(async () => {
      let removed = 0;
      for (const [id, entry] of this.#entries) {
        if (entry.row.created_at < cutoff && this.#entries.delete(id)) removed++;
      }
      return removed;
    });
  }

  protected async probeHealth(): Promise<Record<string, unknown>> {
    return { records: this.#entries.size };
  }

  protected async collectStats(): Promise<Pick<StorageStats, 'records' | 'sizeBytes' | 'details'>> {
    let sizeBytes = 0;
    let compressed = 0;
    for (const entry of this.#entries.values()) {
      sizeBytes += entry.data.length + (entry.metadata?.length ?? 0);
      if (typeof entry.data !== 'string') compressed++;
    }
    return { records: this.#entries.size, sizeBytes, details: { compressedRecords: compressed } };
  }
}
