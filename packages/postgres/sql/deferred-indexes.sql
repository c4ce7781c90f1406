/*
  Secondary indexes set aside while a bulk load fills an empty storage_records and built at its end
  (src/indexes/deferred-indexes.ts). Compiled by pgtyped into deferred-indexes.queries.ts (`pnpm codegen`).
*/

/* Whether storage_records can take a bulk load with deferred indexes: its kind ('r' plain), whether this role owns it (DDL and COMMENT need that), whether it holds no row at all (expired ones included), and its comment (where pending definitions wait). */
/* @name LoadTarget */
SELECT c.relkind::text AS "kind!",
  pg_has_role(c.relowner, 'USAGE') AS "owned!",
  NOT EXISTS (SELECT 1 FROM storage_records) AS "empty!",
  obj_description(c.oid, 'pg_class') AS comment
FROM pg_class c WHERE c.oid = to_regclass('storage_records');

/* The comment of storage_records: where the definitions of deferred indexes wait until built. */
/* @name TableComment */
SELECT obj_description(to_regclass('storage_records'), 'pg_class') AS comment;

/* The indexes a bulk load may build after it: valid, neither unique nor primary nor backing a constraint (the key on id stays: the load's conflict checks use it). */
/* @name DeferrableIndexes */
SELECT c.relname::text AS "name!", pg_get_indexdef(i.indexrelid) AS "definition!"
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = to_regclass('storage_records') AND i.indisvalid
  AND NOT i.indisunique AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
ORDER BY c.relname;

/* Whether an index of that name exists in the store's schema. */
/* @name IndexPresent */
SELECT to_regclass(quote_ident(:name!::text)) IS NOT NULL AS "present!";

/* The statement that sets the comment of storage_records (NULL removes it), quoted by the server. */
/* @name CommentStatement */
SELECT format('COMMENT ON TABLE storage_records IS %L', :comment::text) AS "statement!";
