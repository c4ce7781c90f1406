import type { RowQuery } from '../backend.js';
import { compressJson, decompressJson, shouldCompress } from '../compression.js';
import type { CoreSettings } from '../config/common-config.js';
import type { DriverCapabilityObjects } from '../driver/capabilities.js';
import type { DriverCapabilities, DriverStats, RowStore, StorageDriver } from '../driver/driver.js';
import { compareRows, matchesFilter } from '../filter/evaluate.js';
import type { FilterNode } from '../filter/types.js';
import type { JsonObject } from '../json-value.js';
import { isExpired, type RecordRow, type WriteRow } from '../record.js';
import { memoryMeta } from './memory-meta.js';

/** A stored row: columns plus the data as JSON text or gzip, so callers never share objects with the store. */
interface MemoryEntry {
  row: Omit<RecordRow, 'data' | 'metadata'>;
  data: string | Buffer;
  metadata: string | null;
}

/**
 * The in-memory reference driver: filters and order evaluated by the reference itself (`matchesFilter`,
 * `compareRows`). Transactions run one at a time on a copy of the map, and plain calls wait for them:
 * the isolation a database gives.
 */
export class MemoryDriver implements StorageDriver {
  readonly name = 'memory';
  readonly capabilities: DriverCapabilities = {
    persistent: false,
    multiProcess: false,
    compression: 'payload',
    maxRecordBytes: 256 * 1024 * 1024,
    filtering: 'native',
  };
  readonly #compression: CoreSettings['compression'];
  #entries = new Map<string, MemoryEntry>();
  #lock: Promise<void> = Promise.resolve();
  readonly rows: RowStore;
  /** Meta storage beside the records (copy watermarks), never visible as records. */
  readonly offers: DriverCapabilityObjects = { meta: memoryMeta() };

  constructor(settings: CoreSettings) {
    this.#compression = settings.compression;
    const store = this.#rowStore(() => this.#entries);
    // Outside a transaction every call waits for a running transaction to finish.
    const locked: Record<string, unknown> = {};
    for (const [key, method] of Object.entries(store) as [
      string,
      (...args: unknown[]) => Promise<unknown>,
    ][]) {
      locked[key] = (...args: unknown[]) => this.#exclusive(() => method(...args));
    }
    this.rows = locked as unknown as RowStore;
  }

  async open(): Promise<void> {}
  async close(): Promise<void> {}

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#lock.then(fn);
    this.#lock = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  transaction<T>(fn: (rows: RowStore) => Promise<T>): Promise<T> {
    return this.#exclusive(async () => {
      const snapshot = new Map(this.#entries);
      const result = await fn(this.#rowStore(() => snapshot));
      this.#entries = snapshot;
      return result;
    });
  }

  #toEntry(row: WriteRow): MemoryEntry {
    const { data: _data, dataJson, metadataJson, metadata: _metadata, ...columns } = row;
    const data = shouldCompress(dataJson, this.#compression) ? compressJson(dataJson) : dataJson;
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
      loadRows: async (ids) => {
        const map = entries();
        const rows: RecordRow[] = [];
        for (const id of ids) {
          const entry = map.get(id);
          if (entry) rows.push(this.#toRow(entry));
        }
        return rows;
      },
      existsRows: async (ids, now) => {
        const map = entries();
        return ids.filter((id) => {
          const entry = map.get(id);
          return entry !== undefined && !isExpired(entry.row, now);
        });
      },
      deleteRowsReturning: async (ids) => ids.filter((id) => entries().delete(id)),
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

  async health(): Promise<Record<string, unknown>> {
    return { records: this.#entries.size };
  }

  async stats(): Promise<DriverStats> {
    let sizeBytes = 0;
    let compressed = 0;
    for (const entry of this.#entries.values()) {
      sizeBytes += entry.data.length + (entry.metadata?.length ?? 0);
      if (typeof entry.data !== 'string') compressed++;
    }
    return { records: this.#entries.size, sizeBytes, details: { compressedRecords: compressed } };
  }
}
