import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BulkImportCapability, BulkLoad, LockLease, RowStore, WriteRow } from '@recordstore/core';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { setBasedUpsertWorks } from './citus/index.js';
import {
  BULK_LOAD_LOCK,
  buildDeferredIndexes,
  deferSecondaryIndexes,
  mayDeferIndexes,
} from './indexes/index.js';
import { needsIdLocks } from './partitions/index.js';
import type { SqlClient } from './partitions/sql-client.js';
import type { PostgresConfig } from './postgres-config.js';
import { isoSafe, type SqlSession } from './queries.js';

/**
 * The bulk import path (`bulkImport` capability): each batch, already validated, stamped and deduplicated
 * by core's record importer, is written in one transaction that carries the tenant and actor like any
 * write: COPY straight into the table when none of its ids is stored yet, else COPY into a temporary
 * table and one `INSERT ... SELECT ... ON CONFLICT (id) DO UPDATE` (same created_at rule as saveMany).
 */

// A session-local temporary table (pg_temp is searched first, so the name cannot clash with a real
// table) that exists only inside the import's transaction: ON COMMIT DROP also drops it on ROLLBACK,
// and nothing outlives the transaction, which keeps the path safe behind PgBouncer in transaction mode.
// Times travel as epoch ms (bigint) and are converted in SQL: exact, whatever the year.
const CREATE_STAGING = `CREATE TEMP TABLE recordstore_import (
  id text, data jsonb, created_ms bigint, updated_ms bigint, expires_ms bigint,
  type text, session_id text, thread_id text, metadata jsonb
) ON COMMIT DROP`;

const COPY_STAGING = 'COPY recordstore_import FROM STDIN';

const MS = "interval '1 millisecond'";
const EPOCH = "'epoch'::timestamptz";

// The same upsert and created_at rule as sql/records.sql's UpsertRecords (the regular batch path): an
// existing live row keeps its created_at unless timestamps are preserved. Rows go in id order so that
// concurrent imports touching the same ids lock them in the same order.
const UPSERT_FROM_STAGING = `INSERT INTO storage_records AS r
  (id, data, created_at, updated_at, expires_at, type, session_id, thread_id, metadata)
SELECT id, data, ${EPOCH} + created_ms * ${MS}, ${EPOCH} + updated_ms * ${MS},
  ${EPOCH} + expires_ms * ${MS}, type, session_id, thread_id, metadata
FROM recordstore_import ORDER BY id COLLATE "C"
ON CONFLICT (id) DO UPDATE SET
  data = EXCLUDED.data,
  created_at = CASE
    WHEN $1::boolean AND (r.expires_at IS NULL OR r.expires_at > $2::timestamptz)
    THEN r.created_at ELSE EXCLUDED.created_at END,
  updated_at = EXCLUDED.updated_at,
  expires_at = EXCLUDED.expires_at,
  compressed = false,
  type = EXCLUDED.type,
  session_id = EXCLUDED.session_id,
  thread_id = EXCLUDED.thread_id,
  metadata = EXCLUDED.metadata`;

/** COPY text format: `\N` is NULL; backslash and the row and column separators are escaped. */
function copyText(value: string | null): string {
  if (value === null) return '\\N';
  return value.replace(/[\\\n\r\t]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t',
  );
}

/**
 * COPY text lines of `rows` in chunks of about 256 KB (few stream writes, bounded memory), times written by
 * `time`: epoch ms for the staging table (converted in SQL: exact, whatever the year), ISO text for the
 * table itself.
 */
function* copyLines(rows: readonly WriteRow[], time: (ms: number | null) => string): Generator<string> {
  let chunk = '';
  for (const r of rows) {
    chunk +=
      `${copyText(r.id)}\t${copyText(r.dataJson)}\t${time(r.created_at)}\t${time(r.updated_at)}\t` +
      `${time(r.expires_at ?? null)}\t${copyText(r.type)}\t${copyText(r.session_id)}\t` +
      `${copyText(r.thread_id)}\t${copyText(r.metadataJson)}\n`;
    if (chunk.length > 256 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

const epochMs = (ms: number | null) => (ms === null ? '\\N' : String(ms));
const isoTime = (ms: number | null) => (ms === null ? '\\N' : new Date(ms).toISOString());

/**
 * Writes `rows` (distinct ids) inside the transaction open on `client`: straight into the table when
 * none of them is stored yet ({@link copyNewRows}), else COPY into a temporary table and one
 * `INSERT ... SELECT ... ON CONFLICT (id) DO UPDATE`. The caller's transaction makes it all or nothing and
 * applies the tenant and actor settings, so the tenant_id default, row-level security and the audit
 * trigger see the rows like any other write.
 */
export async function copyUpsert(
  client: pg.ClientBase,
  session: SqlSession,
  rows: readonly WriteRow[],
  keepCreatedAt: boolean,
  now: number,
  direct: DirectCopy,
): Promise<void> {
  if (direct.enabled && (await copyNewRows(client, session, rows, direct))) return;
  await session.dynamic({ text: CREATE_STAGING, values: [] });
  await pipeline(Readable.from(copyLines(rows, epochMs)), client.query(copyFrom(COPY_STAGING)));
  await session.dynamic({ text: UPSERT_FROM_STAGING, values: [keepCreatedAt, new Date(now)] });
}

/** Whether an importer still tries {@link copyNewRows}: off for good once the table refuses COPY. */
export interface DirectCopy {
  enabled: boolean;
}

const COLUMNS = 'id, data, created_at, updated_at, expires_at, type, session_id, thread_id, metadata';
const COPY_INTO_TABLE = `COPY storage_records (${COLUMNS}) FROM STDIN`;
const ANY_STORED = 'SELECT EXISTS (SELECT 1 FROM storage_records WHERE id = ANY($1::text[])) AS stored';
/**
 * The fast path of a bulk write whose ids are all new (a copy or restore into an empty store, the usual
 * bulk load): one COPY straight into the table, so each row is written once instead of twice (staging
 * table, then the upsert). An id probe decides; a savepoint covers what the probe cannot see: a row
 * another writer inserted meanwhile (unique violation) falls back to the upsert, and a table COPY may not
 * write to (row-level security, forced under tenancy) turns the fast path off for the importer.
 * @returns false when nothing was written and the upsert path must run.
 */
async function copyNewRows(
  client: pg.ClientBase,
  session: SqlSession,
  rows: readonly WriteRow[],
  direct: DirectCopy,
): Promise<boolean> {
  if (!rows.every((r) => isoSafe(r.created_at) && isoSafe(r.updated_at) && isoSafe(r.expires_at ?? null)))
    return false;
  const probe = await session.dynamic<{ stored: boolean }>({
    text: ANY_STORED,
    values: [rows.map((r) => r.id)],
  });
  if (probe.rows[0]?.stored !== false) return false;
  await session.dynamic({ text: 'SAVEPOINT recordstore_copy', values: [] });
  try {
    await pipeline(Readable.from(copyLines(rows, isoTime)), client.query(copyFrom(COPY_INTO_TABLE)));
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== UNIQUE_VIOLATION && code !== FEATURE_NOT_SUPPORTED) throw error;
    if (code === FEATURE_NOT_SUPPORTED) direct.enabled = false;
    await session.dynamic({ text: 'ROLLBACK TO SAVEPOINT recordstore_copy', values: [] });
    return false;
  }
  await session.dynamic({ text: 'RELEASE SAVEPOINT recordstore_copy', values: [] });
  return true;
}

const UNIQUE_VIOLATION = '23505';
/** What COPY FROM raises on a table with row-level security. */
const FEATURE_NOT_SUPPORTED = '0A000';

/** Whether a set-based upsert works on the layout (see {@link CopyImportContext.config}). */
const setBased = (config: PostgresConfig) => !needsIdLocks(config) && setBasedUpsertWorks(config);

/** What {@link CopyImport} needs from the driver. */
export interface CopyImportContext {
  /** Rows per upsert statement on the fallback path (the store's batch_size). */
  batchSize: number;
  /**
   * The store's config: its layout decides the paths (range/list partitions take per-id advisory locks
   * and have no unique id for a set-based upsert; indexes are deferred on a plain table of its own only).
   */
  config: PostgresConfig;
  /** Runs a statement outside a transaction (the privilege check). */
  session(): SqlSession;
  /** One transaction on a checked-out client, with the tenant and actor applied. */
  copyTransaction<T>(fn: (session: SqlSession, client: pg.PoolClient) => Promise<T>): Promise<T>;
  /** One transaction through the driver's row store (the fallback). */
  rowTransaction<T>(fn: (rows: RowStore) => Promise<T>): Promise<T>;
  /** The store lock `name` (the `lock` capability), or null while another process holds it. */
  lock(name: string): Promise<LockLease | null>;
  /** Runs `fn` on a client of its own, outside the pool and any transaction, without statement timeout. */
  withClient<T>(fn: (client: SqlClient) => Promise<T>): Promise<T>;
}

/**
 * The `bulkImport` capability of the PostgreSQL driver. Falls back to the regular saveMany statements,
 * with the same batching and atomicity, on range/list partitioned layouts (a set-based `ON CONFLICT (id)`
 * upsert needs a unique index on id) and for roles without the TEMPORARY privilege.
 */
export class CopyImport implements BulkImportCapability {
  readonly #context: CopyImportContext;
  readonly #direct: DirectCopy = { enabled: true };
  /** Whether this role may create temporary tables; asked once per connection. */
  #tempAllowed: Promise<boolean> | null = null;

  constructor(context: CopyImportContext) {
    this.#context = context;
  }

  async importRows(
    rows: readonly WriteRow[],
    options: { keepCreatedAt: boolean; now: number },
  ): Promise<void> {
    const { keepCreatedAt, now } = options;
    const context = this.#context;
    if (rows.length === 0) return;
    if (setBased(context.config) && (await this.#mayCreateTemp())) {
      await context.copyTransaction((session, client) =>
        copyUpsert(client, session, rows, keepCreatedAt, now, this.#direct),
      );
      return;
    }
    await context.rowTransaction(async (store) => {
      for (let i = 0; i < rows.length; i += context.batchSize) {
        await store.upsertRows(rows.slice(i, i + context.batchSize), { keepCreatedAt, now });
      }
    });
  }

  /**
   * Sets the secondary indexes of an empty table aside until `finish()` builds them from the loaded rows
   * (see indexes/deferred-indexes.ts), holding the store lock `bulk-load` from start to end so that no
   * connect finishes them meanwhile. Null when the layout, the role or the table's rows do not allow it,
   * or another load is running.
   */
  async prepareLoad(): Promise<BulkLoad | null> {
    const context = this.#context;
    if (!mayDeferIndexes(context.config)) return null;
    const lease = await context.lock(BULK_LOAD_LOCK);
    if (lease === null) return null;
    let deferred: string[] | null = null;
    try {
      deferred = await context.withClient(deferSecondaryIndexes);
    } finally {
      if (deferred === null) await lease.release();
    }
    if (deferred === null) return null;
    return {
      finish: async () => {
        try {
          await context.withClient((client) => buildDeferredIndexes(client));
        } finally {
          await lease.release();
        }
      },
    };
  }

  /** Forgets the privilege check and the fast path's verdict: the next connection may use another role. */
  reset(): void {
    this.#tempAllowed = null;
    this.#direct.enabled = true;
  }

  #mayCreateTemp(): Promise<boolean> {
    this.#tempAllowed ??= this.#context
      .session()
      .dynamic<{ ok: boolean }>({
        text: "SELECT has_database_privilege(current_database(), 'TEMPORARY') AS ok",
        values: [],
      })
      .then((result) => result.rows[0]?.ok === true)
      .catch((error: unknown) => {
        this.#tempAllowed = null; // a failed check is asked again next time
        throw error;
      });
    return this.#tempAllowed;
  }
}
