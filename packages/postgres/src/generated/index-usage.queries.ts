/** Types generated for queries found in "packages/postgres/sql/index-usage.sql" */
import { PreparedQuery } from '@pgtyped/runtime';

/** 'TableScanStats' parameters type */
export type ITableScanStatsParams = void;

/** 'TableScanStats' return type */
export interface ITableScanStatsResult {
  idx_scan: number;
  live: number;
  seq_read: number;
  seq_scan: number;
  since: Date | null;
}

/** 'TableScanStats' query type */
export interface ITableScanStatsQuery {
  params: ITableScanStatsParams;
  result: ITableScanStatsResult;
}

const tableScanStatsIR: any = {"usedParamSet":{},"params":[],"statement":"SELECT coalesce(sum(s.n_live_tup), 0)::float8 AS \"live!\", coalesce(sum(s.seq_scan), 0)::float8 AS \"seq_scan!\",\n       coalesce(sum(s.seq_tup_read), 0)::float8 AS \"seq_read!\", coalesce(sum(s.idx_scan), 0)::float8 AS \"idx_scan!\",\n       (SELECT stats_reset FROM pg_stat_database WHERE datname = current_database()) AS since\nFROM pg_stat_user_tables s\nWHERE s.relid IN (SELECT relid FROM pg_partition_tree(to_regclass('storage_records')) WHERE isleaf\n                  UNION SELECT oid FROM pg_class WHERE oid = to_regclass('storage_records') AND relkind = 'r')                                                                                                                                                                                                  "};

/**
 * Query generated from SQL:
 * ```
 * SELECT coalesce(sum(s.n_live_tup), 0)::float8 AS "live!", coalesce(sum(s.seq_scan), 0)::float8 AS "seq_scan!",
 *        coalesce(sum(s.seq_tup_read), 0)::float8 AS "seq_read!", coalesce(sum(s.idx_scan), 0)::float8 AS "idx_scan!",
 *        (SELECT stats_reset FROM pg_stat_database WHERE datname = current_database()) AS since
 * FROM pg_stat_user_tables s
 * WHERE s.relid IN (SELECT relid FROM pg_partition_tree(to_regclass('storage_records')) WHERE isleaf
 *                   UNION SELECT oid FROM pg_class WHERE oid = to_regclass('storage_records') AND relkind = 'r')                                                                                                                                                                                                  
 * ```
 */
export const tableScanStats = new PreparedQuery<ITableScanStatsParams,ITableScanStatsResult>(tableScanStatsIR);


/** 'IndexUsageStats' parameters type */
export type IIndexUsageStatsParams = void;

/** 'IndexUsageStats' return type */
export interface IIndexUsageStatsResult {
  definition: string;
  essential: boolean;
  name: string;
  scans: number;
  size: number;
  tuples: number;
}

/** 'IndexUsageStats' query type */
export interface IIndexUsageStatsQuery {
  params: IIndexUsageStatsParams;
  result: IIndexUsageStatsResult;
}

const indexUsageStatsIR: any = {"usedParamSet":{},"params":[],"statement":"WITH tree AS (\n  SELECT relid FROM pg_partition_tree(to_regclass('storage_records')) WHERE isleaf\n  UNION SELECT oid FROM pg_class WHERE oid = to_regclass('storage_records') AND relkind = 'r'\n), usage AS (\n  SELECT coalesce(pg_partition_root(s.indexrelid), s.indexrelid) AS root, s.idx_scan, s.idx_tup_read,\n         pg_relation_size(s.indexrelid) AS size\n  FROM pg_stat_user_indexes s WHERE s.relid IN (SELECT relid FROM tree)\n)\nSELECT c.relname::text AS \"name!\", pg_get_indexdef(u.root) AS \"definition!\",\n       sum(u.idx_scan)::float8 AS \"scans!\", sum(u.idx_tup_read)::float8 AS \"tuples!\", sum(u.size)::float8 AS \"size!\",\n       bool_or(i.indisunique OR i.indisprimary OR c.relname = 'storage_records_id_idx') AS \"essential!\"\nFROM usage u JOIN pg_class c ON c.oid = u.root JOIN pg_index i ON i.indexrelid = u.root\nGROUP BY u.root, c.relname\nORDER BY c.relname"};

/**
 * Query generated from SQL:
 * ```
 * WITH tree AS (
 *   SELECT relid FROM pg_partition_tree(to_regclass('storage_records')) WHERE isleaf
 *   UNION SELECT oid FROM pg_class WHERE oid = to_regclass('storage_records') AND relkind = 'r'
 * ), usage AS (
 *   SELECT coalesce(pg_partition_root(s.indexrelid), s.indexrelid) AS root, s.idx_scan, s.idx_tup_read,
 *          pg_relation_size(s.indexrelid) AS size
 *   FROM pg_stat_user_indexes s WHERE s.relid IN (SELECT relid FROM tree)
 * )
 * SELECT c.relname::text AS "name!", pg_get_indexdef(u.root) AS "definition!",
 *        sum(u.idx_scan)::float8 AS "scans!", sum(u.idx_tup_read)::float8 AS "tuples!", sum(u.size)::float8 AS "size!",
 *        bool_or(i.indisunique OR i.indisprimary OR c.relname = 'storage_records_id_idx') AS "essential!"
 * FROM usage u JOIN pg_class c ON c.oid = u.root JOIN pg_index i ON i.indexrelid = u.root
 * GROUP BY u.root, c.relname
 * ORDER BY c.relname
 * ```
 */
export const indexUsageStats = new PreparedQuery<IIndexUsageStatsParams,IIndexUsageStatsResult>(indexUsageStatsIR);


