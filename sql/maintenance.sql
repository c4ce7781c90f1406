/*
  Maintenance statements: TTL cleanup, retention, health and stats. Compiled by pgtyped into
  maintenance.queries.ts (`pnpm codegen`).
*/

/*
  One batch of expired rows, addressed by ctid (the cheapest batch key: PERFORMANCE-NOTES.md). A row
  updated meanwhile has a new ctid and is left alone (EvalPlanQual re-checks the condition).
*/
/* @name DeleteExpiredBatch */
DELETE FROM storage_records
WHERE ctid = ANY(ARRAY(
  SELECT ctid FROM storage_records
  WHERE expires_at <= :now!::timestamptz
  LIMIT :limit!::int));

/* @name DeleteCreatedBeforeBatch */
DELETE FROM storage_records
WHERE ctid = ANY(ARRAY(
  SELECT ctid FROM storage_records
  WHERE created_at < :cutoff!::timestamptz
  LIMIT :limit!::int));

/* @name DatabaseHealth */
SELECT
  version() AS "version!",
  current_setting('server_version_num')::int AS "server_version_num!",
  current_database()::text AS "database!",
  current_user::text AS "user!",
  current_schema()::text AS schema,
  pg_database_size(current_database())::float8 AS "size_bytes!",
  (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database())::int AS "connections!",
  d.xact_commit::float8 AS commits,
  d.xact_rollback::float8 AS rollbacks,
  d.tup_inserted::float8 AS tuples_inserted,
  d.tup_updated::float8 AS tuples_updated,
  d.tup_deleted::float8 AS tuples_deleted
FROM pg_stat_database d
WHERE d.datname = current_database();

/* Summed over the leaf partitions of a partitioned table (its own statistics row would count them twice), or the plain table. */
/* @name TableHealth */
SELECT
  sum(s.n_live_tup)::float8 AS "live_rows!",
  sum(s.n_dead_tup)::float8 AS "dead_rows!",
  sum(s.n_tup_ins)::float8 AS "inserted!",
  sum(s.n_tup_upd)::float8 AS "updated!",
  sum(s.n_tup_del)::float8 AS "deleted!",
  sum(pg_total_relation_size(s.relid))::float8 AS "size_bytes!"
FROM pg_stat_user_tables s
WHERE s.relid IN (SELECT relid FROM pg_partition_tree(to_regclass('storage_records')) WHERE isleaf UNION SELECT oid FROM pg_class WHERE oid = to_regclass('storage_records') AND relkind = 'r')
HAVING count(*) > 0;

/* @name TableStats */
SELECT
  (SELECT count(*) FROM storage_records)::float8 AS "records!",
  (SELECT sum(pg_total_relation_size(t.relid)) FROM (SELECT relid FROM pg_partition_tree(to_regclass('storage_records')) WHERE isleaf UNION SELECT oid FROM pg_class WHERE oid = to_regclass('storage_records') AND relkind = 'r') t)::float8 AS "size_bytes!";

/* Per-column compression method of the JSON columns ('' = server default, 'p' = pglz, 'l' = lz4). */
/* @name ColumnCompression */
SELECT a.attname::text AS "column!", a.attcompression::text AS "method!"
FROM pg_attribute a
WHERE a.attrelid = to_regclass('storage_records') AND a.attname IN ('data', 'metadata') AND NOT a.attisdropped;

/* @name SetCompressionPglz */
ALTER TABLE storage_records ALTER COLUMN data SET COMPRESSION pglz, ALTER COLUMN metadata SET COMPRESSION pglz;

/* @name SetCompressionLz4 */
ALTER TABLE storage_records ALTER COLUMN data SET COMPRESSION lz4, ALTER COLUMN metadata SET COMPRESSION lz4;

/* @name ServerVersion */
SELECT current_setting('server_version_num')::int AS "version_num!";
