/*
  Usage statistics of storage_records and its indexes for `recordstore indexes` (src/indexes/index-usage.ts),
  summed over the leaf partitions of a partitioned table (its own statistics row would count them twice),
  or of the plain table. Statistics only: safe on a production database. Compiled by pgtyped into
  index-usage.queries.ts (`pnpm codegen`).
*/

/* @name TableScanStats */
SELECT coalesce(sum(s.n_live_tup), 0)::float8 AS "live!", coalesce(sum(s.seq_scan), 0)::float8 AS "seq_scan!",
       coalesce(sum(s.seq_tup_read), 0)::float8 AS "seq_read!", coalesce(sum(s.idx_scan), 0)::float8 AS "idx_scan!",
       (SELECT stats_reset FROM pg_stat_database WHERE datname = current_database()) AS since
FROM pg_stat_user_tables s
WHERE s.relid IN (SELECT relid FROM pg_partition_tree(to_regclass('storage_records')) WHERE isleaf
                  UNION SELECT oid FROM pg_class WHERE oid = to_regclass('storage_records') AND relkind = 'r');

/*
  One row per index of the parent (a partition's index is counted under the parent index it belongs to).
  Essential: the primary key, unique indexes and the id key; never reported unused.
*/
/* @name IndexUsageStats */
WITH tree AS (
  SELECT relid FROM pg_partition_tree(to_regclass('storage_records')) WHERE isleaf
  UNION SELECT oid FROM pg_class WHERE oid = to_regclass('storage_records') AND relkind = 'r'
), usage AS (
  SELECT coalesce(pg_partition_root(s.indexrelid), s.indexrelid) AS root, s.idx_scan, s.idx_tup_read,
         pg_relation_size(s.indexrelid) AS size
  FROM pg_stat_user_indexes s WHERE s.relid IN (SELECT relid FROM tree)
)
SELECT c.relname::text AS "name!", pg_get_indexdef(u.root) AS "definition!",
       sum(u.idx_scan)::float8 AS "scans!", sum(u.idx_tup_read)::float8 AS "tuples!", sum(u.size)::float8 AS "size!",
       bool_or(i.indisunique OR i.indisprimary OR c.relname = 'storage_records_id_idx') AS "essential!"
FROM usage u JOIN pg_class c ON c.oid = u.root JOIN pg_index i ON i.indexrelid = u.root
GROUP BY u.root, c.relname
ORDER BY c.relname;
