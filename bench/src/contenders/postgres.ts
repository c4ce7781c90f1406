import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { type AgentRecord, splitRecord } from '../records.js';
import type { StoredTextRow } from './sqlite.js';
import { type Contender, LIST_LIMIT, type ListQuery } from './types.js';

/** Connections of every PostgreSQL contender's pool: enough for the 16-way concurrent workloads. */
export const PG_POOL_SIZE = 16;
/** The table the recordstore migrations create; the raw contender uses the same one. */
export const PG_TABLE = 'storage_records';
/** Rows per statement of the raw contender's TTL cleanup (PERFORMANCE-NOTES.md: batches by ctid). */
const RAW_CLEANUP_BATCH = 5_000;
const COLUMNS = 'id, data, created_at, updated_at, expires_at, type, session_id, thread_id, metadata';

/**
 * The schema of the raw contender: the "Up Migration" part of every recordstore migration, so raw `pg`
 * runs on exactly the tables and indexes recordstore creates.
 */
export function recordstoreMigrationsSql(migrationsDir: string): string {
  if (!existsSync(migrationsDir)) throw new Error(`No migrations folder at ${migrationsDir}`);
  const files = readdirSync(migrationsDir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  if (files.length === 0) throw new Error(`No .sql migrations in ${migrationsDir}`);
  return files
    .map((f) => {
      const text = readFileSync(join(migrationsDir, f), 'utf8');
      const up = text.split(/^--\s*Down Migration/m)[0]!;
      return up.replace(/^--\s*Up Migration/m, '');
    })
    .join('\n');
}

/** Runs `fn` on a client of its own connected to `url`, closed afterwards; returns what `fn` returns. */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates the recordstore schema in a database by running the migration SQL (raw contender, data loads). */
export function applySchema(url: string, migrationsDir: string): Promise<void> {
  return withClient(url, async (client) => {
    const exists = await client.query(`SELECT to_regclass($1) AS t`, [PG_TABLE]);
    if (exists.rows[0].t === null) await client.query(recordstoreMigrationsSql(migrationsDir));
  });
}

/** COPY text format escaping: backslash, and the row and column separators. */
function copyText(value: string | null): string {
  if (value === null) return '\\N';
  return value.replace(/[\\\n\r\t]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t',
  );
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * COPYs rows as stored text (JSON passed through unparsed) into `table`: the hand-written copier's way from
 * one store into another. Returns the number of rows.
 */
export async function copyTextRows(
  client: pg.ClientBase,
  table: string,
  rows: Iterable<StoredTextRow>,
): Promise<number> {
  let count = 0;
  function* lines() {
    let chunk = '';
    for (const r of rows) {
      count++;
      chunk += `${copyText(r.id)}\t${copyText(r.data)}\t${iso(r.created_at)}\t${iso(r.updated_at)}\t${copyText(
        iso(r.expires_at),
      )}\t${copyText(r.type)}\t${copyText(r.session_id)}\t${copyText(r.thread_id)}\t${copyText(r.metadata)}\n`;
      if (chunk.length > 256 * 1024) {
        yield chunk;
        chunk = '';
      }
    }
    if (chunk) yield chunk;
  }
  await pipeline(Readable.from(lines()), client.query(copyFrom(`COPY ${table} (${COLUMNS}) FROM STDIN`)));
  return count;
}

/**
 * Loads records into an empty (or non-conflicting) recordstore table by COPY: the fastest way in, used to
 * prepare the large tables of the list, stream and TTL workloads for every contender alike.
 */
export async function copyRecords(client: pg.ClientBase, records: readonly AgentRecord[]): Promise<void> {
  const stream = client.query(copyFrom(`COPY ${PG_TABLE} (${COLUMNS}) FROM STDIN`));
  const now = new Date().toISOString();
  async function* lines() {
    let chunk = '';
    for (let i = 0; i < records.length; i++) {
      const r = splitRecord(records[i]!);
      chunk += `${copyText(r.id)}\t${copyText(JSON.stringify(r.data))}\t${iso(r.created_at)}\t${now}\t${copyText(
        iso(r.expires_at),
      )}\t${copyText(r.type)}\t${copyText(r.session_id)}\t${copyText(r.thread_id)}\t\\N\n`;
      if (chunk.length > 256 * 1024) {
        yield chunk;
        chunk = '';
      }
    }
    if (chunk) yield chunk;
  }
  await pipeline(Readable.from(lines()), stream);
}

type Row = {
  id: string;
  data: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
  expires_at: Date | null;
  type: string | null;
  session_id: string | null;
  thread_id: string | null;
  metadata: Record<string, unknown> | null;
};

/** Merges a row back into the record object a user wants (what every library's `load` returns). */
function toRecord(row: Row): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ...row.data,
    id: row.id,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
  if (row.expires_at) out.expires_at = row.expires_at;
  if (row.type !== null) out.type = row.type;
  if (row.session_id !== null) out.session_id = row.session_id;
  if (row.thread_id !== null) out.thread_id = row.thread_id;
  if (row.metadata !== null) out.metadata = row.metadata;
  return out;
}

/** The SQL raw `pg` runs for one list query: hand-written for the filter, on the recordstore schema. */
export function rawListSql(query: ListQuery, now: Date): { text: string; values: unknown[] } {
  const live = '(expires_at IS NULL OR expires_at > $1)';
  const tail = `ORDER BY created_at DESC, id DESC LIMIT ${LIST_LIMIT}`;
  switch (query.kind) {
    case 'eq-data':
      // Containment is what the GIN (jsonb_path_ops) index can serve; ->> equality never uses it.
      return {
        text: `SELECT ${COLUMNS} FROM ${PG_TABLE} WHERE data @> $2::jsonb AND ${live} ${tail}`,
        values: [now, JSON.stringify({ user_id: query.userId })],
      };
    case 'range-path':
      // jsonb comparison is typed and never throws on other types; the typeof guard keeps numbers only.
      return {
        text: `SELECT ${COLUMNS} FROM ${PG_TABLE} WHERE jsonb_typeof(data->'tokens') = 'number' AND data->'tokens' >= $2::jsonb AND data->'tokens' < $3::jsonb AND ${live} ${tail}`,
        values: [now, JSON.stringify(query.gte), JSON.stringify(query.lt)],
      };
    case 'session':
      return {
        text: `SELECT ${COLUMNS} FROM ${PG_TABLE} WHERE session_id = $2 AND ${live} ${tail}`,
        values: [now, query.sessionId],
      };
  }
}

/**
 * Raw `pg` with best practice: named prepared statements for point operations, one
 * `INSERT ... SELECT FROM unnest(...) ON CONFLICT` per batch, COPY for bulk import, unnamed statements
 * (custom plans) for filters, keyset pagination for streams, ctid batches for TTL cleanup.
 */
export class RawPgContender implements Contender {
  readonly name = 'raw-pg';
  readonly family = 'postgres' as const;
  readonly raw = true;
  readonly unsupported = {};
  readonly pool: pg.Pool;

  constructor(url: string) {
    this.pool = new pg.Pool({ connectionString: url, max: PG_POOL_SIZE });
    // An idle client the server drops (it once received "terminating connection due to administrator
    // command" right after the point workloads) must not end the run: pg-pool re-emits the error on the
    // pool, and an EventEmitter without an error listener throws it.
    this.pool.on('error', (error) => console.error(`raw-pg: idle connection lost: ${error.message}`));
  }

  async save(record: AgentRecord): Promise<void> {
    const r = splitRecord(record);
    await this.pool.query({
      name: 'rs-bench-save',
      text: `INSERT INTO ${PG_TABLE} (id, data, created_at, updated_at, expires_at, type, session_id, thread_id, metadata)
             VALUES ($1, $2::jsonb, $3, $4, $5, $6, $7, $8, NULL)
             ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data, updated_at = EXCLUDED.updated_at,
               expires_at = EXCLUDED.expires_at, type = EXCLUDED.type, session_id = EXCLUDED.session_id,
               thread_id = EXCLUDED.thread_id, metadata = EXCLUDED.metadata`,
      values: [
        r.id,
        JSON.stringify(r.data),
        iso(r.created_at),
        new Date().toISOString(),
        iso(r.expires_at),
        r.type,
        r.session_id,
        r.thread_id,
      ],
    });
  }

  async load(id: string): Promise<unknown> {
    const result = await this.pool.query<Row>({
      name: 'rs-bench-load',
      text: `SELECT ${COLUMNS} FROM ${PG_TABLE} WHERE id = $1 AND (expires_at IS NULL OR expires_at > now())`,
      values: [id],
    });
    const row = result.rows[0];
    return row ? toRecord(row) : null;
  }

  async exists(id: string): Promise<boolean> {
    const result = await this.pool.query({
      name: 'rs-bench-exists',
      text: `SELECT 1 FROM ${PG_TABLE} WHERE id = $1 AND (expires_at IS NULL OR expires_at > now())`,
      values: [id],
    });
    return result.rows.length > 0;
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.pool.query({
      name: 'rs-bench-delete',
      text: `DELETE FROM ${PG_TABLE} WHERE id = $1`,
      values: [id],
    });
    return (result.rowCount ?? 0) > 0;
  }

  async saveBatch(records: AgentRecord[]): Promise<void> {
    const n = records.length;
    const cols: unknown[][] = [[], [], [], [], [], [], [], []];
    const now = new Date().toISOString();
    for (let i = 0; i < n; i++) {
      const r = splitRecord(records[i]!);
      cols[0]!.push(r.id);
      cols[1]!.push(JSON.stringify(r.data));
      cols[2]!.push(iso(r.created_at));
      cols[3]!.push(now);
      cols[4]!.push(iso(r.expires_at));
      cols[5]!.push(r.type);
      cols[6]!.push(r.session_id);
      cols[7]!.push(r.thread_id);
    }
    await this.pool.query({
      name: 'rs-bench-batch',
      text: `INSERT INTO ${PG_TABLE} (id, data, created_at, updated_at, expires_at, type, session_id, thread_id)
             SELECT * FROM unnest($1::text[], $2::jsonb[], $3::timestamptz[], $4::timestamptz[], $5::timestamptz[],
                                  $6::text[], $7::text[], $8::text[])
             ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data, updated_at = EXCLUDED.updated_at,
               expires_at = EXCLUDED.expires_at, type = EXCLUDED.type, session_id = EXCLUDED.session_id,
               thread_id = EXCLUDED.thread_id`,
      values: cols,
    });
  }

  async copyImport(records: AgentRecord[]): Promise<void> {
    const client = await this.pool.connect();
    try {
      await copyRecords(client, records);
    } finally {
      client.release();
    }
  }

  async list(query: ListQuery): Promise<unknown[]> {
    const { text, values } = rawListSql(query, new Date());
    const result = await this.pool.query<Row>(text, values);
    return result.rows.map(toRecord);
  }

  async stream(onRow: (row: unknown) => void): Promise<number> {
    const client = await this.pool.connect();
    let count = 0;
    try {
      const now = new Date();
      let cursor: { created_at: Date; id: string } | null = null;
      for (;;) {
        const result: pg.QueryResult<Row> = cursor
          ? await client.query<Row>({
              name: 'rs-bench-stream-next',
              text: `SELECT ${COLUMNS} FROM ${PG_TABLE} WHERE (expires_at IS NULL OR expires_at > $1)
                     AND (created_at, id) < ($2, $3) ORDER BY created_at DESC, id DESC LIMIT 1000`,
              values: [now, cursor.created_at, cursor.id],
            })
          : await client.query<Row>({
              name: 'rs-bench-stream-first',
              text: `SELECT ${COLUMNS} FROM ${PG_TABLE} WHERE (expires_at IS NULL OR expires_at > $1)
                     ORDER BY created_at DESC, id DESC LIMIT 1000`,
              values: [now],
            });
        for (const row of result.rows) {
          onRow(toRecord(row));
          count++;
        }
        if (result.rows.length < 1000) break;
        const last = result.rows[result.rows.length - 1]!;
        cursor = { created_at: last.created_at, id: last.id };
      }
    } finally {
      client.release();
    }
    return count;
  }

  async cleanupExpired(): Promise<number> {
    let total = 0;
    for (;;) {
      const result = await this.pool.query({
        name: 'rs-bench-cleanup',
        text: `DELETE FROM ${PG_TABLE} WHERE ctid = ANY(ARRAY(
                 SELECT ctid FROM ${PG_TABLE} WHERE expires_at <= $1 LIMIT ${RAW_CLEANUP_BATCH}))`,
        values: [new Date()],
      });
      total += result.rowCount ?? 0;
      if ((result.rowCount ?? 0) < RAW_CLEANUP_BATCH) return total;
    }
  }

  async truncate(): Promise<void> {
    await this.pool.query(`TRUNCATE ${PG_TABLE}`);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
