/*
  What the catalog says about storage_records' indexes, for the declared indexes and
  auto_create_indexes (src/indexes/declared-indexes.ts). Compiled by pgtyped into
  index-catalog.queries.ts (`pnpm codegen`).
*/

/* Relkind of storage_records in the current schema: 'r' plain, 'p' partitioned, NULL missing. */
/* @name TableKind */
SELECT (SELECT relkind::text FROM pg_class WHERE oid = to_regclass('storage_records')) AS kind;

/* One row when the named index of storage_records exists; valid is false for an interrupted CONCURRENTLY build. */
/* @name IndexValidity */
SELECT i.indisvalid AS "valid!"
FROM pg_index i
WHERE i.indexrelid = to_regclass(quote_ident(:name!::text)) AND i.indrelid = to_regclass('storage_records');

/* The secondary indexes the migrations made: all but the primary key, unique indexes and the id key. */
/* @name MigrationSecondaryIndexes */
SELECT c.relname::text AS "name!"
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = to_regclass('storage_records') AND NOT i.indisunique AND NOT i.indisprimary
  AND c.relname <> 'storage_records_id_idx'
ORDER BY c.relname;

/* The statistics target of the named index's first column (NULL or -1: the default) and its relkind ('i' plain, 'I' partitioned). */
/* @name IndexStatistics */
SELECT a.attstattarget::int AS target, c.relkind::text AS "kind!"
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
WHERE a.attrelid = to_regclass(quote_ident(:name!::text)) AND a.attnum = 1;
