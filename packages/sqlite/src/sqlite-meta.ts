import type { MetaCapability } from '@recordstore/core';
import type Database from 'better-sqlite3';

/** The table migration 3 creates; rows are scoped by records table (`target`). */
export const META_TABLE = 'recordstore_meta';

/** Runs `fn` on the open database once no transaction holds the connection (the driver's `#whenIdle`). */
export type OnDatabase = <T>(fn: (db: Database.Database) => T) => Promise<T>;

/**
 * The SQLite `meta` capability: rows of `recordstore_meta` for one records table, never visible as
 * records. Each call is one statement on the store's connection (autocommit), after any running
 * transaction.
 */
export function sqliteMeta(onDatabase: OnDatabase, target: string, now: () => number): MetaCapability {
  return {
    get: (key) =>
      onDatabase((db) => {
        const value = db
          .prepare(`SELECT value FROM ${META_TABLE} WHERE target = ? AND key = ?`)
          .pluck()
          .get(target, key);
        return typeof value === 'string' ? value : null;
      }),
    set: (key, value) =>
      onDatabase((db) => {
        db.prepare(
          `INSERT INTO ${META_TABLE} (target, key, value, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (target, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
        ).run(target, key, value, now());
      }),
    delete: (key) =>
      onDatabase(
        (db) =>
          db.prepare(`DELETE FROM ${META_TABLE} WHERE target = ? AND key = ?`).run(target, key).changes > 0,
      ),
  };
}
