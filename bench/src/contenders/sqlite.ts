import { migrateSQLite, registerSQLiteFunctions } from '@recordstore/sqlite';
import Database from 'better-sqlite3';
import { type AgentRecord, splitRecord } from '../records.js';
import { type Contender, LIST_LIMIT, type ListQuery } from './types.js';

/** The table both the raw contender and recordstore use. */
export const SQLITE_TABLE = 'storage_records';
const RAW_CLEANUP_BATCH = 5_000;
const COLUMNS = 'id, data, type, session_id, thread_id, metadata, created_at, updated_at, expires_at';

/**
 * Opens a file the way the raw contender does (WAL, synchronous=NORMAL: recordstore's defaults) and
 * creates the recordstore schema with recordstore's own migration code.
 */
export async function openRawSqlite(path: string): Promise<{ db: Database.Database; schema: string }> {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  // The file may be shared with a recordstore store whose declared path indexes call its SQL functions
  // (`rs_inflate`): every write to the table computes them, so they must exist on this connection too.
  registerSQLiteFunctions(db);
  // recordstore's own migrations: the raw contender works on exactly the same table and indexes.
  migrateSQLite(db);
  const schema = '@recordstore/sqlite migrateSQLite()';
  return { db, schema };
}

/** A row as recordstore's SQLite schema stores it: JSON text, epoch-ms times. */
export interface StoredTextRow {
  id: string;
  data: string;
  type: string | null;
  session_id: string | null;
  thread_id: string | null;
  metadata: string | null;
  created_at: number;
  updated_at: number;
  expires_at: number | null;
}
type Row = StoredTextRow;

function toRecord(row: Row): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ...(JSON.parse(row.data) as Record<string, unknown>),
    id: row.id,
    created_at: new Date(row.created_at),
    updated_at: new Date(row.updated_at),
  };
  if (row.expires_at !== null) out.expires_at = new Date(row.expires_at);
  if (row.type !== null) out.type = row.type;
  if (row.session_id !== null) out.session_id = row.session_id;
  if (row.thread_id !== null) out.thread_id = row.thread_id;
  if (row.metadata !== null) out.metadata = JSON.parse(row.metadata);
  return out;
}

/**
 * The raw contender's own hand-written expression indexes for its list SQL (see {@link rawSqliteListSql}):
 * SQLite uses an expression index only for the very expression in the query, so these index
 * `data ->> '$.<path>'`, which is what the raw SQL filters on. They mirror what recordstore declares on
 * the same table (the path's value, no ordering column), so the list rows compare the two with an
 * index each.
 */
export const RAW_SQLITE_LIST_INDEXES = [
  `CREATE INDEX IF NOT EXISTS raw_user_id_idx ON ${SQLITE_TABLE} ((data ->> '$.user_id'))`,
  `CREATE INDEX IF NOT EXISTS raw_tokens_idx ON ${SQLITE_TABLE} ((data ->> '$.tokens'))`,
] as const;

/** Creates {@link RAW_SQLITE_LIST_INDEXES} on the file at `path` (the raw contender's own DDL). */
export async function createRawSqliteListIndexes(path: string): Promise<void> {
  const { db } = await openRawSqlite(path);
  try {
    for (const ddl of RAW_SQLITE_LIST_INDEXES) db.exec(ddl);
  } finally {
    db.close();
  }
}

/** The SQL raw better-sqlite3 runs for one list query, hand-written for the filter. */
export function rawSqliteListSql(query: ListQuery): { text: string; values: (string | number)[] } {
  const live = '(expires_at IS NULL OR expires_at > ?)';
  const tail = `ORDER BY created_at DESC, id DESC LIMIT ${LIST_LIMIT}`;
  const now = Date.now();
  switch (query.kind) {
    case 'eq-data':
      // ->> returns SQL text for a JSON string, so this is a typed equality.
      return {
        text: `SELECT ${COLUMNS} FROM ${SQLITE_TABLE} WHERE data ->> '$.user_id' = ? AND ${live} ${tail}`,
        values: [query.userId, now],
      };
    case 'range-path':
      return {
        text: `SELECT ${COLUMNS} FROM ${SQLITE_TABLE} WHERE json_type(data, '$.tokens') IN ('integer', 'real') AND data ->> '$.tokens' >= ? AND data ->> '$.tokens' < ? AND ${live} ${tail}`,
        values: [query.gte, query.lt, now],
      };
    case 'session':
      return {
        text: `SELECT ${COLUMNS} FROM ${SQLITE_TABLE} WHERE session_id = ? AND ${live} ${tail}`,
        values: [query.sessionId, now],
      };
  }
}

/** Inserts rows in one transaction (the raw contender's batch, also used to load the large tables). */
export function insertRows(
  db: Database.Database,
  records: readonly AgentRecord[],
  /** `created`: updated_at = created_at (history written long ago); `now` by default. */
  updatedAt: 'now' | 'created' = 'now',
): void {
  const stmt = db.prepare(
    `INSERT INTO ${SQLITE_TABLE} (id, data, type, session_id, thread_id, metadata, created_at, updated_at, expires_at)
     VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET data = excluded.data, type = excluded.type, session_id = excluded.session_id,
       thread_id = excluded.thread_id, metadata = excluded.metadata, updated_at = excluded.updated_at,
       expires_at = excluded.expires_at`,
  );
  const now = Date.now();
  db.transaction(() => {
    for (const record of records) {
      const r = splitRecord(record);
      stmt.run(
        r.id,
        JSON.stringify(r.data),
        r.type,
        r.session_id,
        r.thread_id,
        r.created_at,
        updatedAt === 'now' ? now : r.created_at,
        r.expires_at,
      );
    }
  })();
}

/** Raw better-sqlite3 with best practice: WAL, prepared statements, one transaction per batch. */
export class RawSqliteContender implements Contender {
  readonly name = 'raw-better-sqlite3';
  readonly family = 'sqlite' as const;
  readonly raw = true;
  readonly unsupported = { copy: 'COPY is PostgreSQL only' };
  readonly db: Database.Database;
  readonly schema: string;
  readonly #save: Database.Statement;
  readonly #load: Database.Statement;
  readonly #exists: Database.Statement;
  readonly #delete: Database.Statement;
  /** List statements by SQL text (one per query kind), prepared once like the point statements. */
  readonly #lists = new Map<string, Database.Statement>();

  private constructor(db: Database.Database, schema: string) {
    this.db = db;
    this.schema = schema;
    this.#save = db.prepare(
      `INSERT INTO ${SQLITE_TABLE} (id, data, type, session_id, thread_id, metadata, created_at, updated_at, expires_at)
       VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET data = excluded.data, type = excluded.type, session_id = excluded.session_id,
         thread_id = excluded.thread_id, metadata = excluded.metadata, updated_at = excluded.updated_at,
         expires_at = excluded.expires_at`,
    );
    this.#load = db.prepare(
      `SELECT ${COLUMNS} FROM ${SQLITE_TABLE} WHERE id = ? AND (expires_at IS NULL OR expires_at > ?)`,
    );
    this.#delete = db.prepare(`DELETE FROM ${SQLITE_TABLE} WHERE id = ?`);
    this.#exists = db.prepare(
      `SELECT 1 FROM ${SQLITE_TABLE} WHERE id = ? AND (expires_at IS NULL OR expires_at > ?)`,
    );
  }

  static async open(path: string): Promise<RawSqliteContender> {
    const { db, schema } = await openRawSqlite(path);
    return new RawSqliteContender(db, schema);
  }

  async save(record: AgentRecord): Promise<void> {
    const r = splitRecord(record);
    this.#save.run(
      r.id,
      JSON.stringify(r.data),
      r.type,
      r.session_id,
      r.thread_id,
      r.created_at,
      Date.now(),
      r.expires_at,
    );
  }
  async load(id: string): Promise<unknown> {
    const row = this.#load.get(id, Date.now()) as Row | undefined;
    return row ? toRecord(row) : null;
  }
  async exists(id: string): Promise<boolean> {
    return this.#exists.get(id, Date.now()) !== undefined;
  }
  async delete(id: string): Promise<boolean> {
    return this.#delete.run(id).changes > 0;
  }
  async saveBatch(records: AgentRecord[]): Promise<void> {
    insertRows(this.db, records);
  }
  async list(query: ListQuery): Promise<unknown[]> {
    const { text, values } = rawSqliteListSql(query);
    let stmt = this.#lists.get(text);
    if (!stmt) {
      stmt = this.db.prepare(text);
      this.#lists.set(text, stmt);
    }
    return (stmt.all(...values) as Row[]).map(toRecord);
  }
  async stream(onRow: (row: unknown) => void): Promise<number> {
    let count = 0;
    const stmt = this.db.prepare(
      `SELECT ${COLUMNS} FROM ${SQLITE_TABLE} WHERE (expires_at IS NULL OR expires_at > ?) ORDER BY created_at DESC, id DESC`,
    );
    for (const row of stmt.iterate(Date.now()) as IterableIterator<Row>) {
      onRow(toRecord(row));
      count++;
    }
    return count;
  }
  async cleanupExpired(): Promise<number> {
    const stmt = this.db.prepare(
      `DELETE FROM ${SQLITE_TABLE} WHERE rowid IN (SELECT rowid FROM ${SQLITE_TABLE} WHERE expires_at <= ? LIMIT ${RAW_CLEANUP_BATCH})`,
    );
    let total = 0;
    for (;;) {
      const changes = stmt.run(Date.now()).changes;
      total += changes;
      if (changes < RAW_CLEANUP_BATCH) return total;
      // Give other work in this process (the concurrent writer) a turn between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  async truncate(): Promise<void> {
    this.db.exec(`DELETE FROM ${SQLITE_TABLE}`);
  }
  async close(): Promise<void> {
    this.db.close();
  }
}
