import type { SQLiteMigration } from './types.js';

/**
 * The meta table: small internal state kept beside the records and never among them (copy watermarks, when
 * the last scheduled backup ran), one row per (records table, key). Shared by every records table of the
 * file, hence `IF NOT EXISTS`: the second table's migration finds it made.
 */
export const createMeta: SQLiteMigration = {
  version: 3,
  name: 'create_meta',
  up: () => `
CREATE TABLE IF NOT EXISTS recordstore_meta (
  target     TEXT    NOT NULL,
  key        TEXT    NOT NULL,
  value      TEXT    NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (target, key)
) WITHOUT ROWID;
`,
};
