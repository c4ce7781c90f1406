import { createHash } from 'node:crypto';
import {
  type IDatabaseConnection,
  ParameterTransform,
  type PreparedQuery,
  processSQLQueryIR,
} from '@pgtyped/runtime';
import {
  isExpired,
  type JsonObject,
  type RecordRow,
  type StorageError,
  type WriteRow,
} from '@recordstore/core';
import type { QueryConfig, QueryResult, QueryResultRow } from 'pg';
import * as maintenance from './generated/maintenance.queries.js';
import * as records from './generated/records.queries.js';
import type { CompiledQuery } from './postgres-filter-compiler.js';
import { RecordRowsQuery } from './postgres-record-rows.js';
import type { Queryable } from './postgres-statements.js';

/**
 * Small hand-written wrappers around the pgtyped queries compiled from `sql/*.sql`: each takes the
 * {@link SqlSession} to run on (the pool, or one transaction's client), converts rows to core's shapes,
 * and lets the session convert errors to StorageError.
 */

/** Where statements run, with the naming and error policy of one backend. */
export interface SqlSession {
  /** The adapter pgtyped's PreparedQuery runs through (named statements unless turned off). */
  readonly connection: IDatabaseConnection;
  /** Runs a statement built at run time, always unnamed so the planner makes a custom plan. */
  dynamic<R extends QueryResultRow = QueryResultRow>(query: CompiledQuery): Promise<QueryResult<R>>;
  /** Runs a list statement built at run time (`SELECT ROW_COLUMNS ...`, unnamed) and decodes its rows. */
  records(query: CompiledQuery): Promise<RecordRow[]>;
}

const statementNames = new Map<string, string>();

/**
 * A stable name for a statement text: the same text gets the same name on every connection, so pg
 * prepares it once per connection and then only binds and executes.
 */
export function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `rs_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    statementNames.set(text, name);
  }
  return name;
}

/**
 * Builds a session over `executor`. With `preparedStatements`, pgtyped's (unnamed) queries are sent as
 * named prepared statements; `convert` turns driver errors into StorageErrors.
 */
export function createSession(
  executor: Queryable,
  preparedStatements: boolean,
  convert: (error: unknown) => StorageError,
): SqlSession {
  const fail = (error: unknown): never => {
    throw convert(error);
  };
  // A rejection handler rather than an async function's try/await: one promise less per statement.
  const run = <R extends QueryResultRow>(config: QueryConfig): Promise<QueryResult<R>> => {
    try {
      return executor.query<R>(config).then(undefined, fail);
    } catch (error) {
      return Promise.reject(convert(error));
    }
  };
  return {
    connection: {
      // pg's result has rows and rowCount already: returned as is, no copy per call.
      query: (text: string, values: unknown[]) =>
        run(preparedStatements ? { name: statementName(text), text, values } : { text, values }) as Promise<{
          rows: unknown[];
          rowCount: number;
        }>,
    },
    dynamic: (query) => run(query),
    records: (query) =>
      run<RecordRow>(new RecordRowsQuery(query) as unknown as QueryConfig).then((result) => result.rows),
  };
}

/** A pgtyped query whose parameters are all scalars: its SQL text and parameter order, computed once. */
export interface FixedStatement {
  readonly text: string;
  /** Parameter names in `$1..$n` order. */
  readonly names: readonly string[];
}

const fixedStatements = new WeakMap<object, FixedStatement | null>();

/**
 * The fixed text of a pgtyped query, or null when a parameter expands at run time (`:ids(...)`). pgtyped's
 * own `run` re-derives the text from the query's IR on every call (filters, string splicing, a generator
 * based await); for the point operations that was a measurable share of the per-call CPU, and the text
 * never changes, so it is derived once. Using the same string object each call also makes
 * {@link statementName}'s lookup a hash hit without re-hashing the text.
 */
export function fixedStatement(query: PreparedQuery<unknown, unknown>): FixedStatement | null {
  let fixed = fixedStatements.get(query);
  if (fixed !== undefined) return fixed;
  const ir = (query as unknown as { queryIR: Parameters<typeof processSQLQueryIR>[0] }).queryIR;
  const { mapping, query: text } = processSQLQueryIR(ir);
  const names: string[] = [];
  fixed = { text, names };
  for (const param of mapping) {
    if (param.type !== ParameterTransform.Scalar) {
      fixed = null;
      break;
    }
    names[param.assignedIndex - 1] = param.name;
  }
  // Missing positions, or result columns pgtyped would rename (nullability hints "x!", "x?"): its own run.
  if (fixed !== null && (names.some((name) => name === undefined) || /"[^"]*[!?]"/.test(text))) fixed = null;
  fixedStatements.set(query, fixed);
  return fixed;
}

/**
 * Runs a pgtyped query like its `runWithCounts`, through the session's connection (so naming and error
 * conversion stay the same), without re-processing its SQL on each call when its parameters are scalars.
 */
export async function runQuery<P, R>(
  db: SqlSession,
  query: PreparedQuery<P, R>,
  params: P,
): Promise<{ rows: R[]; rowCount: number }> {
  const fixed = fixedStatement(query as PreparedQuery<unknown, unknown>);
  if (fixed === null) {
    const { result, rowCount } = await query.runWithCounts(params, db.connection);
    return { rows: result, rowCount };
  }
  const values = new Array<unknown>(fixed.names.length);
  for (let i = 0; i < values.length; i++) values[i] = (params as Record<string, unknown>)[fixed.names[i]!];
  const result = await db.connection.query(fixed.text, values);
  return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
}

/** A row as the list and load statements return it. */
export interface RecordColumns {
  id: string;
  data: unknown;
  type: string | null;
  session_id: string | null;
  thread_id: string | null;
  metadata: unknown;
  created_ms: number | null;
  updated_ms: number | null;
  expires_ms: number | null;
}

/** Converts a result row to core's {@link RecordRow}. */
export function toRecordRow(row: RecordColumns): RecordRow {
  return {
    id: row.id,
    data: row.data as JsonObject,
    type: row.type,
    session_id: row.session_id,
    thread_id: row.thread_id,
    metadata: (row.metadata ?? null) as JsonObject | null,
    created_at: row.created_ms as number,
    updated_at: row.updated_ms as number,
    expires_at: row.expires_ms,
  };
}

/** Epoch ms of 0001-01-01 and of the last ms of 9999: the years ISO text (and PostgreSQL) reads. */
const ISO_MIN_MS = -62_135_596_800_000;
const ISO_MAX_MS = 253_402_300_799_999;
/** Whether a time (or none) can be written as ISO text: the years 1 to 9999. */
export const isoSafe = (ms: number | null): boolean => ms === null || (ms >= ISO_MIN_MS && ms <= ISO_MAX_MS);
let lastMs = Number.NaN;
let lastText = '';

/**
 * A time as a statement parameter: ISO text, the last one reused while the time repeats (the store's clock
 * for consecutive statements, a batch's timestamps). pg would turn a Date into local-time text with its own
 * formatting on every statement: about 2 µs of a point `exists`'s client CPU with the clock's Date, in a
 * profile against the raw driver. Beyond the years 1 to 9999 a Date, which pg writes with its BC suffix.
 */
function date(ms: number): Date | string {
  if (ms === lastMs) return lastText;
  if (!isoSafe(ms)) return new Date(ms);
  lastText = new Date(ms).toISOString();
  lastMs = ms;
  return lastText;
}
const maybeDate = (ms: number | null): Date | string | null => (ms === null ? null : date(ms));

/** Loads one row by id, optionally locking it (FOR UPDATE) until the transaction ends. */
export async function loadRecord(db: SqlSession, id: string, forUpdate = false): Promise<RecordRow | null> {
  const query = forUpdate ? records.loadRecordForUpdate : records.loadRecord;
  const { rows } = await runQuery(db, query, { id });
  return rows.length === 0 ? null : toRecordRow(rows[0] as RecordColumns);
}

/** Upserts one row in one statement. */
export async function upsertRecord(
  db: SqlSession,
  row: WriteRow,
  keepCreatedAt: boolean,
  now: number,
): Promise<void> {
  await runQuery(db, records.upsertRecord, {
    id: row.id,
    data: row.dataJson,
    createdAt: date(row.created_at),
    updatedAt: date(row.updated_at),
    expiresAt: maybeDate(row.expires_at),
    type: row.type,
    sessionId: row.session_id,
    threadId: row.thread_id,
    metadata: row.metadataJson,
    keepCreatedAt,
    now: date(now),
  });
}

// The generated array types say string[]; PostgreSQL arrays take NULL elements, which pg sends as NULL.
type Columns = Omit<records.IUpsertRecordsParams, 'keepCreatedAt' | 'now'>;

/** The rows as the column arrays the unnest statements take (also used by the partitioned writes). */
export function columnsOf(rows: readonly WriteRow[]): Columns {
  const n = rows.length;
  const ids = new Array<string>(n);
  const datas = new Array<string>(n);
  const createdAts = new Array<Date | string>(n);
  const updatedAts = new Array<Date | string>(n);
  const expiresAts = new Array<Date | string | null>(n);
  const types = new Array<string | null>(n);
  const sessionIds = new Array<string | null>(n);
  const threadIds = new Array<string | null>(n);
  const metadatas = new Array<string | null>(n);
  for (let i = 0; i < n; i++) {
    const row = rows[i]!;
    ids[i] = row.id;
    datas[i] = row.dataJson;
    createdAts[i] = date(row.created_at);
    updatedAts[i] = date(row.updated_at);
    expiresAts[i] = maybeDate(row.expires_at);
    types[i] = row.type;
    sessionIds[i] = row.session_id;
    threadIds[i] = row.thread_id;
    metadatas[i] = row.metadataJson;
  }
  return {
    ids,
    datas,
    createdAts,
    updatedAts,
    expiresAts,
    types,
    sessionIds,
    threadIds,
    metadatas,
  } as unknown as Columns;
}

/**
 * Most UTF-16 characters of data a batch sends as one JSON array (UpsertRecordsJson): three bytes of UTF-8
 * each at most, well inside a jsonb value's 256 MB. A larger batch goes as a jsonb[] (UpsertRecords).
 */
export const JSON_ARRAY_MAX_CHARS = 16 * 1024 * 1024;

/** The rows' data texts as one JSON array, or null when they are too large for one jsonb value. */
function dataArray(rows: readonly WriteRow[]): string | null {
  let chars = 2;
  for (let i = 0; i < rows.length; i++) chars += rows[i]!.dataJson.length + 1;
  if (chars > JSON_ARRAY_MAX_CHARS) return null;
  let text = '[';
  for (let i = 0; i < rows.length; i++) text += i === 0 ? rows[i]!.dataJson : `,${rows[i]!.dataJson}`;
  return `${text}]`;
}

/** Upserts many rows (distinct ids) in ONE statement: `INSERT ... SELECT FROM unnest(...) ON CONFLICT`. */
export async function upsertRecords(
  db: SqlSession,
  rows: readonly WriteRow[],
  keepCreatedAt: boolean,
  now: number,
): Promise<void> {
  const columns = columnsOf(rows);
  const datas = dataArray(rows);
  if (datas === null) {
    await records.upsertRecords.run({ ...columns, keepCreatedAt, now: date(now) }, db.connection);
    return;
  }
  await records.upsertRecordsJson.run({ ...columns, datas, keepCreatedAt, now: date(now) }, db.connection);
}

/** Updates the rows that exist in ONE statement; returns the ids it updated. */
export async function updateRecords(
  db: SqlSession,
  rows: readonly WriteRow[],
  keepCreatedAt: boolean,
  now: number,
): Promise<Set<string>> {
  const updated = await records.updateRecords.run(
    { ...columnsOf(rows), keepCreatedAt, now: date(now) },
    db.connection,
  );
  return new Set(updated.map((r) => r.id));
}

/** The ids among `ids` that have a row (expired or not). */
export async function existingIds(db: SqlSession, ids: readonly string[]): Promise<Set<string>> {
  const rows = await records.existingIds.run({ ids: [...ids] }, db.connection);
  return new Set(rows.map((r) => r.id));
}

/** True when a live row has this id at `now`: the row's expiry is read and judged here, as a load's is. */
export async function recordExists(db: SqlSession, id: string, now: number): Promise<boolean> {
  const { rows } = await runQuery(db, records.recordExpiry, { id });
  const row = rows[0];
  return row !== undefined && !isExpired({ expires_at: row.expires_ms }, now);
}

/** Deletes rows by id; returns how many existed. */
export async function deleteRecords(db: SqlSession, ids: readonly string[]): Promise<number> {
  if (ids.length === 1) {
    const { rowCount } = await runQuery(db, records.deleteRecord, { id: ids[0]! });
    return rowCount;
  }
  const { rowCount } = await records.deleteRecords.runWithCounts({ ids: [...ids] }, db.connection);
  return rowCount ?? 0;
}

/** Deletes up to `limit` rows expired at `now` (one ctid batch); returns how many. */
export async function deleteExpiredBatch(db: SqlSession, now: number, limit: number): Promise<number> {
  const { rowCount } = await maintenance.deleteExpiredBatch.runWithCounts(
    { now: date(now), limit },
    db.connection,
  );
  return rowCount ?? 0;
}

/** Deletes up to `limit` rows created before `cutoff` (one ctid batch); returns how many. */
export async function deleteCreatedBeforeBatch(
  db: SqlSession,
  cutoff: number,
  limit: number,
): Promise<number> {
  const { rowCount } = await maintenance.deleteCreatedBeforeBatch.runWithCounts(
    { cutoff: date(cutoff), limit },
    db.connection,
  );
  return rowCount ?? 0;
}

/** Server, database and activity figures for health checks. */
export async function databaseHealth(db: SqlSession): Promise<maintenance.IDatabaseHealthResult | undefined> {
  const rows = await maintenance.databaseHealth.run(undefined, db.connection);
  return rows[0];
}

/** Row and size figures of storage_records (undefined when the table is missing). */
export async function tableHealth(db: SqlSession): Promise<maintenance.ITableHealthResult | undefined> {
  const rows = await maintenance.tableHealth.run(undefined, db.connection);
  return rows[0];
}

/** Exact record count and total size of storage_records. */
export async function tableStats(db: SqlSession): Promise<maintenance.ITableStatsResult> {
  const rows = await maintenance.tableStats.run(undefined, db.connection);
  return rows[0] ?? { records: 0, size_bytes: 0 };
}

/** The compression method of `data` and `metadata`: '' (server default), 'p' (pglz) or 'l' (lz4). */
export async function columnCompression(db: SqlSession): Promise<Record<string, string>> {
  const rows = await maintenance.columnCompression.run(undefined, db.connection);
  return Object.fromEntries(rows.map((r) => [r.column, r.method]));
}

/** Sets the column compression of `data` and `metadata` (takes an ACCESS EXCLUSIVE lock briefly). */
export async function setColumnCompression(db: SqlSession, method: 'pglz' | 'lz4'): Promise<void> {
  const query = method === 'lz4' ? maintenance.setCompressionLz4 : maintenance.setCompressionPglz;
  await query.run(undefined, db.connection);
}

/** The server's version as a number (150018 for 15.18). */
export async function serverVersion(db: SqlSession): Promise<number> {
  const rows = await maintenance.serverVersion.run(undefined, db.connection);
  return rows[0]?.version_num ?? 0;
}
