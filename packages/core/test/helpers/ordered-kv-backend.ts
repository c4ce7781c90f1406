import { z } from 'zod';
import {
  commonConfigShape,
  compareCodePoints,
  defineBackend,
  type RecordRow,
  type RowStore,
  type StorageDriver,
  StorageRuntime,
  type WriteRow,
} from '../../src/index.js';

/**
 * The smallest backend the seam allows, written as an adapter author for an ordered key-value engine
 * would: rows by id, a scan in id order, one lock for transactions. No filter compiler
 * (`filtering: 'scan'`), no batched cleanup, no stats: the runtime supplies all of that. Stores live in
 * a module-level map keyed by `name`, so closing and reopening one keeps its data (persistent).
 */
const engines = new Map<string, Map<string, RecordRow>>();

const schema = z.object({ ...commonConfigShape, name: z.string().min(1) }).strict();

function upsert(map: Map<string, RecordRow>, rows: readonly WriteRow[], keepCreatedAt: boolean, now: number) {
  for (const { dataJson: _d, metadataJson: _m, ...row } of rows) {
    const existing = map.get(row.id);
    const live = existing && (existing.expires_at === null || existing.expires_at > now);
    // Rows are stored as copies, as an engine that serialises values would.
    map.set(
      row.id,
      structuredClone({ ...row, created_at: keepCreatedAt && live ? existing.created_at : row.created_at }),
    );
  }
}

function rowStore(map: () => Map<string, RecordRow>): RowStore {
  return {
    upsertRows: async (rows, { keepCreatedAt, now }) => upsert(map(), rows, keepCreatedAt, now),
    loadRow: async (id) => structuredClone(map().get(id) ?? null),
    deleteRows: async (ids) => ids.filter((id) => map().delete(id)).length,
    scanRows: async (after, limit) =>
      [...map().keys()]
        // Code-point order, as the runtime pages: `<` and sort() would compare UTF-16 units.
        .filter((id) => after === null || compareCodePoints(id, after) > 0)
        .sort(compareCodePoints)
        .slice(0, limit)
        .map((id) => structuredClone(map().get(id)!)),
  };
}

/** An ordered key-value backend with `filtering: 'scan'`. */
export const orderedKvBackend = defineBackend<z.infer<typeof schema>>({
  name: 'ordered-kv',
  configSchema: schema,
  configKeys: ['name', ...Object.keys(commonConfigShape)],
  createDriver: (config): StorageDriver => {
    let lock: Promise<unknown> = Promise.resolve();
    const data = () => {
      const existing = engines.get(config.name);
      if (existing) return existing;
      const created = new Map<string, RecordRow>();
      engines.set(config.name, created);
      return created;
    };
    const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
      const result = lock.then(fn);
      lock = result.catch(() => undefined);
      return result;
    };
    const main = rowStore(data);
    return {
      name: 'ordered-kv',
      capabilities: {
        persistent: true,
        multiProcess: false,
        compression: 'none',
        maxRecordBytes: 1 << 24,
        filtering: 'scan',
      },
      open: async () => {},
      close: async () => {},
      rows: {
        upsertRows: (r, o) => exclusive(() => main.upsertRows(r, o)),
        loadRow: (id, o) => exclusive(() => main.loadRow(id, o)),
        deleteRows: (ids) => exclusive(() => main.deleteRows(ids)),
        scanRows: (after, limit) => exclusive(() => main.scanRows!(after, limit)),
      },
      transaction: (fn) =>
        exclusive(async () => {
          const snapshot = new Map(data());
          const result = await fn(rowStore(() => snapshot));
          engines.set(config.name, snapshot);
          return result;
        }),
      health: async () => ({ rows: data().size }),
    };
  },
});

/** Opens an ordered-kv store directly through the runtime. */
export function openOrderedKv(config: Record<string, unknown>, options = {}) {
  return new StorageRuntime(orderedKvBackend, config, options);
}
