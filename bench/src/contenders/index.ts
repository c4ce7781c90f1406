import { fileURLToPath } from 'node:url';
import { KeyvPgContender, KeyvSqliteContender } from './keyv.js';
import { applySchema, RawPgContender } from './postgres.js';
import { openRecordstorePostgres, openRecordstoreSqlite } from './recordstore.js';
import { RawSqliteContender } from './sqlite.js';
import type { Contender, Family } from './types.js';

/** Every contender, by family; the raw one first. */
export const CONTENDERS = {
  postgres: ['raw-pg', 'recordstore-postgres', 'keyv-postgres'],
  sqlite: ['raw-better-sqlite3', 'recordstore-sqlite', 'keyv-sqlite'],
} as const satisfies Record<Family, readonly string[]>;

/** A contender's name. */
export type ContenderName = (typeof CONTENDERS)[Family][number];

/** The recordstore migrations the raw PostgreSQL contender applies to its own databases. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations', import.meta.url));

/**
 * Opens a contender on a target: a database URL (PostgreSQL) or a file path (SQLite). The raw contender
 * creates the recordstore schema when the table is not there yet.
 */
export async function openContender(name: ContenderName, target: string): Promise<Contender> {
  switch (name) {
    case 'raw-pg':
      await applySchema(target, MIGRATIONS_DIR);
      return new RawPgContender(target);
    case 'keyv-postgres':
      return KeyvPgContender.create(target);
    case 'recordstore-postgres':
      return openRecordstorePostgres(target);
    case 'raw-better-sqlite3':
      return RawSqliteContender.open(target);
    case 'keyv-sqlite':
      return KeyvSqliteContender.open(target);
    case 'recordstore-sqlite':
      return openRecordstoreSqlite(target);
  }
}
