/*
  What the catalog says about storage_records' layout (partitioning_enabled): its strategy, its
  partitions and their bounds. Read by src/partitions/partition-catalog.ts; compiled by pgtyped into
  partition-catalog.queries.ts (`pnpm codegen`). Nothing here changes anything.
*/

/*
  The layout of storage_records in the current schema: relkind (r plain, p partitioned, NULL missing),
  the strategy (r range, l list, h hash), the key column, the number of partitions and, for hash, the
  modulus the partitions were made with.
*/
/* @name InspectLayout */
SELECT c.relkind::text AS relkind, p.partstrat::text AS strategy,
       (SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum = p.partattrs[0]) AS key_column,
       (SELECT count(*)::int FROM pg_inherits i WHERE i.inhparent = c.oid) AS "partitions!",
       (SELECT max((regexp_match(pg_get_expr(k.relpartbound, k.oid), 'modulus (\d+)', 'i'))[1]::int)
          FROM pg_inherits i JOIN pg_class k ON k.oid = i.inhrelid WHERE i.inhparent = c.oid) AS modulus
FROM (SELECT to_regclass('storage_records') AS oid) r
LEFT JOIN pg_class c ON c.oid = r.oid
LEFT JOIN pg_partitioned_table p ON p.partrelid = c.oid;

/*
  The partitions of storage_records with their bound text, range bounds in epoch milliseconds (NULL for
  list, hash and default partitions), the statistics' row estimate and the size (table, indexes, TOAST).
*/
/* @name ListPartitions */
SELECT c.relname::text AS "name!", pg_get_expr(c.relpartbound, c.oid) AS "bound!",
       floor(extract(epoch FROM (m.b)[1]::timestamptz) * 1000)::float8 AS from_ms,
       floor(extract(epoch FROM (m.b)[2]::timestamptz) * 1000)::float8 AS to_ms,
       coalesce(s.n_live_tup, 0)::float8 AS "estimate!",
       pg_total_relation_size(c.oid)::float8 AS "size!"
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
CROSS JOIN LATERAL (SELECT regexp_match(pg_get_expr(c.relpartbound, c.oid),
  '^FOR VALUES FROM \(''([^'']*)''\) TO \(''([^'']*)''\)$') AS b) m
WHERE i.inhparent = to_regclass('storage_records')
ORDER BY from_ms NULLS LAST, c.relname;

/* Whether a relation of that (unquoted) name exists in the current schema. */
/* @name RelationExists */
SELECT to_regclass(quote_ident(:name!::text)) IS NOT NULL AS "present!";

/* Whether the named table is (still) a partition of storage_records. */
/* @name IsPartitionAttached */
SELECT EXISTS (
  SELECT 1 FROM pg_inherits
  WHERE inhrelid = to_regclass(quote_ident(:name!::text)) AND inhparent = to_regclass('storage_records')
) AS "attached!";

/* Whether storage_records holds any row (connect converts only an empty table on its own). */
/* @name TableHasRows */
SELECT EXISTS (SELECT 1 FROM storage_records) AS "present!";
