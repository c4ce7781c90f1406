import * as catalog from '../generated/index-catalog.queries.js';
import { catalogOn, type SqlClient } from '../partitions/sql-client.js';
import {
  DECLARED_INDEX_STATISTICS,
  declaredIndexDdl,
  declaredIndexStatisticsDdl,
  dropIndexDdl,
} from './declared-index-ddl.js';
import { type DeclaredIndex, declaredIndexName } from './index-options.js';

/**
 * Creating the declared indexes (`indexes:`), and `auto_create_indexes: false` on a new store. Catalog
 * reads are pgtyped queries (sql/index-catalog.sql); the DDL comes from declared-index-ddl.ts.
 */

/** What {@link ensureDeclaredIndexes} did. */
export interface EnsureIndexesResult {
  created: string[];
  /** Invalid leftovers of an interrupted CREATE INDEX CONCURRENTLY, dropped and rebuilt. */
  rebuilt: string[];
  /** Existing indexes given the histogram of {@link DECLARED_INDEX_STATISTICS} (declared by an earlier version). */
  statistics: string[];
}

/** PostgreSQL's codes for "another process is creating that index right now". */
const CREATED_CONCURRENTLY = new Set(['42P07', '23505']);

/**
 * Creates the declared indexes that are missing (CONCURRENTLY on an unpartitioned table, so writers
 * are not blocked; a partitioned table cannot build concurrently from its parent). An invalid leftover of
 * an interrupted build is dropped and rebuilt. Needs a client outside any transaction.
 */
export async function ensureDeclaredIndexes(
  client: SqlClient,
  indexes: readonly DeclaredIndex[],
): Promise<EnsureIndexesResult> {
  const result: EnsureIndexesResult = { created: [], rebuilt: [], statistics: [] };
  if (indexes.length === 0) return result;
  const db = catalogOn(client);
  // No session advisory lock: behind PgBouncer in transaction mode it could be released on another server
  // connection. Two processes creating the same index race on its name; the loser's error (42P07, or a
  // unique violation in pg_class) means "another process is creating it".
  // Asked only when an index is to be built: a store whose indexes all exist (every connect) skips it.
  let concurrently: boolean | undefined;
  for (const decl of indexes) {
    const name = declaredIndexName(decl);
    const [existing] = await catalog.indexValidity.run({ name }, db);
    if (existing?.valid === true) {
      if (await keepStatistics(client, name)) result.statistics.push(name);
      continue;
    }
    if (existing !== undefined) {
      await client.query(dropIndexDdl(name));
      result.rebuilt.push(name);
    }
    concurrently ??= (await catalog.tableKind.run(undefined, db))[0]?.kind === 'r';
    try {
      await client.query(declaredIndexDdl(decl, { concurrently }));
      result.created.push(name);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === undefined || !CREATED_CONCURRENTLY.has(code)) throw error;
    }
    await keepStatistics(client, name);
  }
  return result;
}

/**
 * The declared indexes that exist and are valid: the ones filters may rely on (an equality on a path whose
 * index is missing keeps to the GIN index on data).
 */
export async function presentDeclaredIndexes(
  client: SqlClient,
  indexes: readonly DeclaredIndex[],
): Promise<DeclaredIndex[]> {
  const db = catalogOn(client);
  const present: DeclaredIndex[] = [];
  for (const decl of indexes) {
    const [index] = await catalog.indexValidity.run({ name: declaredIndexName(decl) }, db);
    if (index?.valid === true) present.push(decl);
  }
  return present;
}

/** PostgreSQL's "must be owner of index": ALTER INDEX needs the owner, which a DML-only role is not. */
const NOT_OWNER = '42501';

/**
 * Gives a declared index the histogram of {@link DECLARED_INDEX_STATISTICS} when it has another (declared
 * by an earlier version, or just built; the next ANALYZE builds it). Partitioned indexes take no
 * per-column statistics (their partitions' indexes are analyzed with the partitions): left alone. A role
 * that does not own the index leaves it as it is: the index still serves, the owner's next
 * `recordstore indexes create` (or connect) sets it.
 * @returns true when the target was changed.
 */
async function keepStatistics(client: SqlClient, name: string): Promise<boolean> {
  const [row] = await catalog.indexStatistics.run({ name }, catalogOn(client));
  if (row === undefined || row.kind !== 'i' || row.target === DECLARED_INDEX_STATISTICS) return false;
  try {
    await client.query(declaredIndexStatisticsDdl(name));
    return true;
  } catch (error) {
    if ((error as { code?: unknown }).code === NOT_OWNER) return false;
    throw error;
  }
}

/**
 * `auto_create_indexes: false` on a store whose schema this connect has just created: drops every
 * secondary index the migrations made (all but the primary key, unique indexes and the id key) while the
 * table is still empty (instant), so the store starts with only the key on id. Never runs on a store that
 * existed before: indexes there are the operator's business (see analyzeIndexes).
 */
export async function dropMigrationSecondaryIndexes(client: SqlClient): Promise<string[]> {
  const rows = await catalog.migrationSecondaryIndexes.run(undefined, catalogOn(client));
  for (const { name } of rows) await client.query(dropIndexDdl(name));
  return rows.map((r) => r.name);
}
