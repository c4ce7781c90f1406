import { ROW_ALIAS } from './sqlite-filter-compiler.js';

/** The columns a row is read with, in the shape {@link RawRow} describes. */
export const ROW_COLUMNS = [
  'id',
  'data',
  'data_z',
  'type',
  'session_id',
  'thread_id',
  'metadata',
  'created_at',
  'updated_at',
  'expires_at',
]
  .map((c) => `${ROW_ALIAS}.${c}`)
  .join(', ');

/** A row as better-sqlite3 returns it for {@link ROW_COLUMNS} in raw (array) mode, in that order. */
export type RawRow = [
  id: string,
  data: string | null,
  data_z: Buffer | null,
  type: string | null,
  session_id: string | null,
  thread_id: string | null,
  metadata: string | null,
  created_at: number,
  updated_at: number,
  expires_at: number | null,
];

/**
 * The fixed statements of the backend, prepared once per connection. `table` is the quoted, validated
 * table name; every value is a bind parameter.
 */
export function fixedStatementsSql(table: string) {
  return {
    begin: 'BEGIN IMMEDIATE',
    commit: 'COMMIT',
    rollback: 'ROLLBACK',
    /**
     * The fast path of an upsert: inserts a new row, or updates an existing one only when its indexed
     * columns (type, session_id, thread_id, created_at) stay as they are, so SQLite rewrites no index
     * entry but the expiry index's. Updating an indexed column rewrites that index's entry even when the
     * value is unchanged (measured: a full-row upsert is about half as fast). `changes === 0` means the
     * row exists and differs in an indexed column: then run {@link upsert}.
     * Parameters: id, data, data_z, compressed, type, session_id, thread_id, metadata, created_at,
     * updated_at, expires_at, keepCreatedAt (0/1), now.
     */
    upsertKeepingKeys: `INSERT INTO ${table} AS ${ROW_ALIAS}
  (id, data, data_z, compressed, type, session_id, thread_id, metadata, created_at, updated_at, expires_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
  data = excluded.data,
  data_z = excluded.data_z,
  compressed = excluded.compressed,
  metadata = excluded.metadata,
  updated_at = excluded.updated_at,
  expires_at = excluded.expires_at
WHERE ${ROW_ALIAS}.type IS excluded.type
  AND ${ROW_ALIAS}.session_id IS excluded.session_id
  AND ${ROW_ALIAS}.thread_id IS excluded.thread_id
  AND (${ROW_ALIAS}.created_at = excluded.created_at
    OR (? AND (${ROW_ALIAS}.expires_at IS NULL OR ${ROW_ALIAS}.expires_at > ?)))`,
    /**
     * The full upsert, same parameters. The stored created_at survives unless the caller asked to replace
     * it or the stored row had already expired (then the new row replaces it whole). Every SET expression
     * sees the row as it was before the update.
     */
    upsert: `INSERT INTO ${table} AS ${ROW_ALIAS}
  (id, data, data_z, compressed, type, session_id, thread_id, metadata, created_at, updated_at, expires_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
  data = excluded.data,
  data_z = excluded.data_z,
  compressed = excluded.compressed,
  type = excluded.type,
  session_id = excluded.session_id,
  thread_id = excluded.thread_id,
  metadata = excluded.metadata,
  updated_at = excluded.updated_at,
  expires_at = excluded.expires_at,
  created_at = CASE WHEN ? AND (${ROW_ALIAS}.expires_at IS NULL OR ${ROW_ALIAS}.expires_at > ?)
    THEN ${ROW_ALIAS}.created_at ELSE excluded.created_at END`,
    load: `SELECT ${ROW_COLUMNS} FROM ${table} AS ${ROW_ALIAS} WHERE ${ROW_ALIAS}.id = ?`,
    exists: `SELECT 1 FROM ${table} WHERE id = ? AND (expires_at IS NULL OR expires_at > ?)`,
    deleteOne: `DELETE FROM ${table} WHERE id = ?`,
    /** Parameter: the ids as one JSON array. */
    deleteMany: `DELETE FROM ${table} WHERE id IN (SELECT value FROM json_each(?))`,
    /** Batches by rowid keep each write lock short (measured: about 2x slower in total than one DELETE). */
    deleteExpiredBatch: `DELETE FROM ${table} WHERE rowid IN
  (SELECT rowid FROM ${table} WHERE expires_at IS NOT NULL AND expires_at <= ? LIMIT ?)`,
    deleteCreatedBeforeBatch: `DELETE FROM ${table} WHERE rowid IN
  (SELECT rowid FROM ${table} WHERE created_at < ? LIMIT ?)`,
    countAll: `SELECT count(*) FROM ${table}`,
  } as const;
}

/** The names of the fixed statements. */
export type FixedStatementName = keyof ReturnType<typeof fixedStatementsSql>;
