import type { RecordRow, RowStore } from '@recordstore/core';
import type { RootDatabase } from 'lmdb';
import { decodeRow, encodeRow, keptCreatedAt } from './lmdb-row-codec.js';

/** The LMDB environment as the adapter opens it: string keys (ids) to string values (encoded rows). */
export type LmdbDatabase = RootDatabase<string, string>;

/**
 * Up to `limit` rows with an id after `after`, in id order. LMDB keeps string keys as UTF-8 bytes, whose
 * order is code-point order: exactly the order the runtime pages by.
 */
export function scanCommitted(db: LmdbDatabase, after: string | null, limit: number): RecordRow[] {
  const rows: RecordRow[] = [];
  const range = db.getRange({ start: after ?? undefined, exclusiveStart: after !== null, limit });
  for (const { key, value } of range) rows.push(decodeRow(key, value));
  return rows;
}

/**
 * The row store on committed data. Each write is one synchronous LMDB write transaction, so it is all rows
 * or none: `transactionSync` aborts when its callback throws.
 */
export function committedRows(database: () => LmdbDatabase): RowStore {
  return {
    upsertRows: async (rows, options) => {
      const db = database();
      db.transactionSync(() => {
        for (const row of rows) {
          db.putSync(row.id, encodeRow(row, keptCreatedAt(db.get(row.id), row, options)));
        }
      });
    },
    loadRow: async (id) => {
      const text = database().get(id);
      return text === undefined ? null : decodeRow(id, text);
    },
    deleteRows: async (ids) => {
      const db = database();
      return db.transactionSync(() => ids.filter((id) => db.removeSync(id)).length);
    },
    scanRows: async (after, limit) => scanCommitted(database(), after, limit),
  };
}
