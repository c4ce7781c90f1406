/*
  Row counts and sizes for `partitions status` (src/partitions/partition-status.ts). Compiled by pgtyped
  into partition-status.queries.ts (`pnpm codegen`).
*/

/*
  Exact row counts per leaf table (each partition, or storage_records itself when unpartitioned), in one
  scan through the parent. Tables without rows are absent: their count is 0. Reads every row.
*/
/* @name ExactRowCounts */
SELECT c.relname::text AS "name!", count(*)::float8 AS "rows!"
FROM storage_records r
JOIN pg_class c ON c.oid = r.tableoid
GROUP BY c.relname;

/* The statistics' row estimate and the total size of an unpartitioned storage_records. */
/* @name TableEstimate */
SELECT coalesce((SELECT n_live_tup FROM pg_stat_user_tables WHERE relid = to_regclass('storage_records')), 0)::float8 AS "rows!",
       coalesce(pg_total_relation_size(to_regclass('storage_records')), 0)::float8 AS "size_bytes!";
