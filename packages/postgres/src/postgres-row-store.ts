import {
  type FilterNode,
  isExpired,
  type RecordRow,
  type RowQuery,
  type RowStore,
  type WriteRow,
} from '@recordstore/core';
import type { DeclaredPaths } from './declared-paths.js';
import * as batches from './generated/point-batches.queries.js';
import { lockRecordId, needsIdLocks, upsertPartitionedRows } from './partitions/index.js';
import type { PostgresConfig } from './postgres-config.js';
import { buildCountQuery, buildDeleteQuery, buildListQuery } from './postgres-filter-compiler.js';
import * as q from './queries.js';

/** The row store of a native-filtering driver: every optional query of {@link RowStore} is implemented. */
export interface PostgresRowStore extends RowStore {
  countRows(filter: FilterNode): Promise<number>;
  listRows(filter: FilterNode, query: RowQuery): Promise<RecordRow[]>;
  deleteRowsWhere(filter: FilterNode): Promise<number>;
  existsRow(id: string, now: number): Promise<boolean>;
  loadRows(ids: readonly string[]): Promise<RecordRow[]>;
  existsRows(ids: readonly string[], now: number): Promise<string[]>;
  deleteRowsReturning(ids: readonly string[]): Promise<string[]>;
}

/** What a row store needs besides its session. */
export interface RowStoreContext {
  config: PostgresConfig;
  /** Runs `fn` in a transaction of its own: writes of several statements outside a transaction. */
  transaction<T>(fn: (session: q.SqlSession) => Promise<T>): Promise<T>;
  /** The declared indexes filters may rely on (see DeclaredPaths). */
  declared: DeclaredPaths;
}

/**
 * The rows of `storage_records` through one {@link q.SqlSession}: the pool (each statement on any pooled
 * connection) or one transaction's client (`inTransaction`). Fixed statements are pgtyped's named prepared
 * statements; filters are compiled to unnamed statements so each gets a custom plan.
 */
export function createRowStore(
  session: q.SqlSession,
  inTransaction: boolean,
  context: RowStoreContext,
): PostgresRowStore {
  const { config, declared } = context;
  // Several statements are all or nothing only inside a transaction: open one when not in one already.
  const atomically = (fn: (s: q.SqlSession) => Promise<void>): Promise<void> =>
    inTransaction ? fn(session) : context.transaction(fn);
  return {
    upsertRows: async (rows, { keepCreatedAt, now }) => {
      if (rows.length === 0) return;
      // Range/list partitions have no unique id: writes serialize on per-id advisory locks.
      if (needsIdLocks(config)) {
        const oneByOne = !(config.bulk_insert_enabled && config.bulk_update_enabled);
        return atomically((s) => upsertPartitionedRows(s, rows, keepCreatedAt, now, oneByOne));
      }
      if (rows.length === 1) return q.upsertRecord(session, rows[0]!, keepCreatedAt, now);
      if (config.bulk_insert_enabled && config.bulk_update_enabled) {
        return q.upsertRecords(session, rows, keepCreatedAt, now);
      }
      return atomically((s) => upsertPiecewise(s, config, rows, keepCreatedAt, now));
    },
    loadRow: async (id, options) => {
      // update() reads under the id's write lock, so a concurrent save cannot slip in between.
      if (options?.forUpdate === true && needsIdLocks(config)) await lockRecordId(session, id);
      return q.loadRecord(session, id, options?.forUpdate === true);
    },
    existsRow: (id, now) => q.recordExists(session, id, now),
    deleteRows: (ids) => (ids.length === 0 ? Promise.resolve(0) : q.deleteRecords(session, ids)),
    // Coalesced point operations: one `id = ANY($1)` statement for the ids of many concurrent calls.
    loadRows: async (ids) => {
      const { rows } = await q.runQuery(session, batches.loadRecords, { ids: [...ids] });
      return rows.map((row) => q.toRecordRow(row as q.RecordColumns));
    },
    existsRows: async (ids, now) => {
      const { rows } = await q.runQuery(session, batches.idExpiries, { ids: [...ids] });
      return rows.filter((row) => !isExpired({ expires_at: row.expires_ms }, now)).map((row) => row.id);
    },
    deleteRowsReturning: async (ids) => {
      const { rows } = await q.runQuery(session, batches.deleteRecordsReturning, { ids: [...ids] });
      return rows.map((row) => row.id);
    },
    countRows: async (filter) => {
      const result = await session.dynamic<{ n: number }>(buildCountQuery(filter, { declared }));
      return result.rows[0]?.n ?? 0;
    },
    listRows: (filter, query) =>
      session.records(buildListQuery(filter, query, { projectAfterLimit: !config.distributed, declared })),
    deleteRowsWhere: async (filter) => {
      const result = await session.dynamic(buildDeleteQuery(filter, { declared }));
      return result.rowCount ?? 0;
    },
  };
}

/**
 * saveMany with bulk_insert_enabled or bulk_update_enabled off: rows that exist already are rewritten
 * by one UPDATE (bulk_update) or one statement each; new rows by one INSERT (bulk_insert) or one each.
 */
async function upsertPiecewise(
  session: q.SqlSession,
  config: PostgresConfig,
  rows: readonly WriteRow[],
  keepCreatedAt: boolean,
  now: number,
): Promise<void> {
  const { bulk_insert_enabled: bulkInsert, bulk_update_enabled: bulkUpdate } = config;
  const existing = await q.existingIds(
    session,
    rows.map((r) => r.id),
  );
  const old = rows.filter((r) => existing.has(r.id));
  const fresh = rows.filter((r) => !existing.has(r.id));
  let oneByOne: WriteRow[] = [];
  if (bulkUpdate && old.length > 0) {
    const updated = await q.updateRecords(session, old, keepCreatedAt, now);
    // A row deleted meanwhile was not updated: insert it like a new one.
    fresh.push(...old.filter((r) => !updated.has(r.id)));
  } else {
    oneByOne = old;
  }
  if (bulkInsert && fresh.length > 1) await q.upsertRecords(session, fresh, keepCreatedAt, now);
  else oneByOne = oneByOne.concat(fresh);
  for (const row of oneByOne) await q.upsertRecord(session, row, keepCreatedAt, now);
}
