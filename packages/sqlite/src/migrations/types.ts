/** Quoted names a migration writes its DDL against (the records table is configurable). */
export interface MigrationNames {
  /** The records table, quoted. */
  table: string;
  /** An index name derived from the table name, quoted: `index('created')` is `"<table>_created_idx"`. */
  index(suffix: string): string;
}

/** One versioned schema change. Versions are consecutive from 1; `up` returns the SQL to run. */
export interface SQLiteMigration {
  version: number;
  /** snake_case, stored in `recordstore_migrations.name`. */
  name: string;
  up(names: MigrationNames): string;
}
