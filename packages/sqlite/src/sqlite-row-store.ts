import {
  type CoreSettings,
  compressJson,
  decompressJson,
  type JsonObject,
  type RecordRow,
  type RowQuery,
  type RowStore,
  shouldCompress,
  type WriteRow,
} from '@recordstore/core';
import type { SQLiteConnection, Statement } from './sqlite-connection.js';
import { type CompiledFilter, compileFilter, compileOrderBy, ROW_ALIAS } from './sqlite-filter-compiler.js';
import type { DeclaredPath } from './sqlite-indexes.js';
import { type RawRow, ROW_COLUMNS } from './sqlite-statements.js';

type Params = Record<string, string | number | null>;

/**
 * Runs one synchronous better-sqlite3 call where the driver allows it: on the main connection once no
 * transaction holds it, or inside the transaction that is open.
 */
export type RunOnConnection = <T>(fn: (connection: SQLiteConnection) => T) => Promise<T>;

/** What a row store needs beyond where to run: the quoted table and the payload compression settings. */
export interface SQLiteRowStoreOptions {
  /** The quoted, validated records table. */
  table: string;
  compression: CoreSettings['compression'];
  /** Declared path indexes: filters on these paths compile to the indexed expressions. */
  declared?: readonly DeclaredPath[];
}

/**
 * The SQLite row store: every row operation as one or a few prepared statements, filters compiled to
 * SQL by the filter compiler and evaluated by SQLite. `run` decides where the statements run (see
 * {@link RunOnConnection}).
 */
export function sqliteRowStore(run: RunOnConnection, options: SQLiteRowStoreOptions): RowStore {
  const { table } = options;
  return {
    upsertRows: (rows, { keepCreatedAt, now }) =>
      run((c) => upsert(c, rows, { keepCreatedAt, now, compression: options.compression })),
    loadRow: (id) =>
      run((c) => {
        const raw = c.statements.load.get(id) as RawRow | undefined;
        return raw === undefined ? null : toRecordRow(raw);
      }),
    existsRow: (id, now) => run((c) => c.statements.exists.get(id, now) !== undefined),
    deleteRows: (ids) =>
      run((c) => {
        if (ids.length === 0) return 0;
        const s = c.statements;
        return (ids.length === 1 ? s.deleteOne.run(ids[0]) : s.deleteMany.run(JSON.stringify(ids))).changes;
      }),
    // Coalesced point operations: one statement for many ids (the ids go in as one JSON array).
    loadRows: (ids) =>
      run((c) => {
        const statement = c.filterStatement(
          `SELECT ${ROW_COLUMNS} FROM ${table} AS ${ROW_ALIAS} WHERE ${ROW_ALIAS}.id IN (SELECT value FROM json_each(?))`,
        );
        return (statement.all(JSON.stringify(ids)) as RawRow[]).map(toRecordRow);
      }),
    existsRows: (ids, now) =>
      run((c) => {
        const statement = c.filterStatement(
          `SELECT id FROM ${table} WHERE id IN (SELECT value FROM json_each(?)) AND (expires_at IS NULL OR expires_at > ?)`,
          true,
        );
        return statement.all(JSON.stringify(ids), now) as string[];
      }),
    deleteRowsReturning: (ids) =>
      run((c) => {
        const statement = c.filterStatement(
          `DELETE FROM ${table} WHERE id IN (SELECT value FROM json_each(?)) RETURNING id`,
          true,
        );
        return statement.all(JSON.stringify(ids)) as string[];
      }),
    countRows: (filter) =>
      run((c) => {
        const { sql, params } = compileFilter(filter, options.declared);
        const statement = c.filterStatement(
          `SELECT count(*) FROM ${table} AS ${ROW_ALIAS} WHERE ${sql}`,
          true,
        );
        return bind(statement, params, (st, p) => st.get(...p)) as number;
      }),
    listRows: (filter, query) => run((c) => list(c, table, compileFilter(filter, options.declared), query)),
    deleteRowsWhere: (filter) =>
      run((c) => {
        const { sql, params } = compileFilter(filter, options.declared);
        const statement = c.filterStatement(`DELETE FROM ${table} AS ${ROW_ALIAS} WHERE ${sql}`);
        return bind(statement, params, (st, p) => st.run(...p)).changes;
      }),
  };
}

function upsert(
  connection: SQLiteConnection,
  rows: readonly WriteRow[],
  options: { keepCreatedAt: boolean; now: number; compression: CoreSettings['compression'] },
): void {
  const s = connection.statements;
  const db = connection.db;
  const write = () => {
    for (const row of rows) {
      const compress = shouldCompress(row.dataJson, options.compression);
      const params = [
        row.id,
        compress ? null : row.dataJson,
        compress ? compressJson(row.dataJson) : null,
        compress ? 1 : 0,
        row.type,
        row.session_id,
        row.thread_id,
        row.metadataJson,
        row.created_at,
        row.updated_at,
        row.expires_at,
        options.keepCreatedAt ? 1 : 0,
        options.now,
      ];
      if (s.upsertKeepingKeys.run(...params).changes === 0) s.upsert.run(...params);
    }
  };
  // One statement is atomic by itself; several rows need a transaction unless one is already open.
  if (rows.length <= 1 || db.inTransaction) {
    write();
    return;
  }
  s.begin.run();
  try {
    write();
    s.commit.run();
  } catch (error) {
    if (db.inTransaction) s.rollback.run();
    throw error;
  }
}

function list(
  connection: SQLiteConnection,
  table: string,
  { sql, params }: CompiledFilter,
  query: RowQuery,
): RecordRow[] {
  const statement = connection.filterStatement(
    `SELECT ${ROW_COLUMNS} FROM ${table} AS ${ROW_ALIAS} WHERE ${sql} ` +
      `ORDER BY ${compileOrderBy(query.orderBy)} LIMIT :rs_limit OFFSET :rs_offset`,
  );
  const all = { ...params, rs_limit: query.limit ?? -1, rs_offset: query.offset };
  return (statement.all(all) as RawRow[]).map(toRecordRow);
}

/** Calls a statement with named parameters, or none (better-sqlite3 refuses an object it has no names for). */
function bind<T>(statement: Statement, params: Params, call: (s: Statement, args: unknown[]) => T): T {
  return call(statement, Object.keys(params).length === 0 ? [] : [params]);
}

function toRecordRow(raw: RawRow): RecordRow {
  const [id, data, dataZ, type, sessionId, threadId, metadata, createdAt, updatedAt, expiresAt] = raw;
  const json = data ?? (dataZ === null ? '{}' : decompressJson(dataZ));
  return {
    id,
    type,
    session_id: sessionId,
    thread_id: threadId,
    metadata: metadata === null ? null : (JSON.parse(metadata) as JsonObject),
    data: JSON.parse(json) as JsonObject,
    created_at: createdAt,
    updated_at: updatedAt,
    expires_at: expiresAt,
  };
}
