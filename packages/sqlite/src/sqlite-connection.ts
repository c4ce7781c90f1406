import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { StorageError } from '@recordstore/core';
import Database from 'better-sqlite3';
import { isMemoryPath, type SQLiteConfig, sqliteFilePath } from './sqlite-config.js';
import { type FixedStatementName, fixedStatementsSql } from './sqlite-statements.js';

/** A prepared better-sqlite3 statement. */
export type Statement = Database.Statement<unknown[], unknown>;

/** Filter statements kept prepared; the SQL text depends only on a filter's shape, so few are ever live. */
const FILTER_CACHE_SIZE = 200;

/**
 * Opens the configured database file with its pragmas: the folder is created, the busy timeout set, the
 * journal mode switched (and checked: a filesystem without shared memory silently keeps the old mode) and
 * `synchronous` set. Used by the driver and by `migrate up`, so a file is set up the same way by both.
 *
 * @throws StorageError(config) when the journal mode cannot be switched; better-sqlite3's own errors as is.
 */
export function openSQLiteDatabase(config: SQLiteConfig): Database.Database {
  const { path, busy_timeout_ms, journal_mode, synchronous } = config;
  const memory = isMemoryPath(path);
  if (!memory) mkdirSync(dirname(sqliteFilePath(path)), { recursive: true });
  const db = new Database(path, { timeout: busy_timeout_ms });
  try {
    if (!memory) {
      const mode = String(db.pragma(`journal_mode = ${journal_mode}`, { simple: true })).toLowerCase();
      if (mode !== journal_mode) {
        throw new StorageError(
          'config',
          `sqlite: ${sqliteFilePath(path)} could not switch to journal_mode ${journal_mode} (it stays ${mode}); ` +
            'the filesystem may not support it (network filesystems lack WAL\u2019s shared memory). Move the ' +
            'file to a local disk or set journal_mode: delete.',
          { backend: 'sqlite', path: 'config.journal_mode' },
        );
      }
    }
    db.pragma(`synchronous = ${synchronous}`);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Page figures of the open database and the size of its WAL file (0 when there is none). */
export function fileFigures(db: Database.Database, path: string) {
  const pageSize = Number(db.pragma('page_size', { simple: true }));
  const pageCount = Number(db.pragma('page_count', { simple: true }));
  const freelistCount = Number(db.pragma('freelist_count', { simple: true }));
  let walBytes = 0;
  if (!isMemoryPath(path)) {
    try {
      walBytes = statSync(`${sqliteFilePath(path)}-wal`).size;
    } catch {
      // No WAL file right now (checkpointed and removed, or not in WAL mode).
    }
  }
  return { pageSize, pageCount, freelistCount, walBytes };
}

/**
 * One open database with the driver's fixed statements prepared once, and a least-recently-used cache of
 * filter statements (preparing is a large part of a small query's cost).
 */
export class SQLiteConnection {
  readonly db: Database.Database;
  readonly statements: Readonly<Record<FixedStatementName, Statement>>;
  readonly #filterStatements = new Map<string, Statement>();
  #lastSql = '';
  #lastStatement: Statement | null = null;
  #checkpointPauses = 0;
  #savedAutoCheckpoint = 1000;

  /** @param table the quoted, validated records table */
  constructor(db: Database.Database, table: string) {
    this.db = db;
    const sql = fixedStatementsSql(table);
    const fixed = {} as Record<FixedStatementName, Statement>;
    for (const name of Object.keys(sql) as FixedStatementName[]) fixed[name] = db.prepare(sql[name]);
    fixed.countAll.pluck();
    // Rows as arrays: better-sqlite3 skips building an object per row (point loads are hot).
    fixed.load.raw();
    this.statements = fixed;
  }

  /** A prepared statement for filter SQL, from the cache when it was prepared before. */
  filterStatement(sql: string, pluck = false): Statement {
    // The statement used last is already the most recent entry: repeated statements (coalesced point
    // loads, a page loop) skip the map's delete and re-insert (measured: ~3% of a coalesced load's CPU).
    if (sql === this.#lastSql && this.#lastStatement !== null) return this.#lastStatement;
    let statement = this.#filterStatements.get(sql);
    if (statement) {
      // Move to the end: the map's first entry is the least recently used.
      this.#filterStatements.delete(sql);
    } else {
      statement = this.db.prepare(sql);
      if (pluck) statement.pluck();
      else if (statement.reader) statement.raw();
      if (this.#filterStatements.size >= FILTER_CACHE_SIZE) {
        this.#filterStatements.delete(this.#filterStatements.keys().next().value!);
      }
    }
    this.#filterStatements.set(sql, statement);
    this.#lastSql = sql;
    this.#lastStatement = statement;
    return statement;
  }

  /**
   * Stops this connection's commits from running WAL checkpoints until every returned `resume` has been
   * called (nested pauses count); `resume` restores the setting found when the first pause began. A
   * cleanup checkpoints its own WAL instead (see deleteInBatches). Other connections are unaffected.
   */
  pauseAutoCheckpoint(): () => void {
    if (this.#checkpointPauses++ === 0) {
      this.#savedAutoCheckpoint = Number(this.db.pragma('wal_autocheckpoint', { simple: true }));
      this.db.pragma('wal_autocheckpoint = 0');
    }
    let resumed = false;
    return () => {
      if (resumed) return;
      resumed = true;
      if (--this.#checkpointPauses === 0) {
        this.db.pragma(`wal_autocheckpoint = ${Math.trunc(this.#savedAutoCheckpoint)}`);
      }
    };
  }

  /** Copies the WAL into the database as far as readers allow, without waiting for them (no-op outside WAL). */
  checkpointPassive(): void {
    this.db.pragma('wal_checkpoint(PASSIVE)');
  }

  close(): void {
    this.#filterStatements.clear();
    this.#lastStatement = null;
    this.db.close();
  }
}
