/*
  What a layout conversion (src/partitions/partition-conversion.ts) must carry from the old
  storage_records to the new one: columns, indexes, row-level security and its policies, triggers,
  grants and owner (CREATE TABLE ... (LIKE ...) copies none of those), and the span of created_at the
  first range partitions must cover. Read inside the conversion's transaction, before the old table is
  renamed. Compiled by pgtyped into table-definition.queries.ts (`pnpm codegen`).
*/

/* @name TableColumns */
SELECT attname::text AS "name!"
FROM pg_attribute
WHERE attrelid = to_regclass('storage_records') AND attnum > 0 AND NOT attisdropped
ORDER BY attnum;

/* Definitions name `<schema>.storage_records`, so replayed after the rename they build on the new table. */
/* @name TableIndexes */
SELECT c.relname::text AS "name!", pg_get_indexdef(i.indexrelid) AS "definition!", i.indisprimary AS "primary!"
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = to_regclass('storage_records')
ORDER BY c.relname;

/* @name TableSecurity */
SELECT relrowsecurity AS "rls!", relforcerowsecurity AS "force!", pg_get_userbyid(relowner)::text AS "owner!"
FROM pg_class
WHERE oid = to_regclass('storage_records');

/* Roles come back quoted (quote_ident) or as `public`, ready to be listed after TO. */
/* @name TablePolicies */
SELECT p.polname::text AS "name!", p.polpermissive AS "permissive!", p.polcmd::text AS "cmd!",
       ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE quote_ident(pg_get_userbyid(r)) END FROM unnest(p.polroles) r) AS "roles!",
       pg_get_expr(p.polqual, p.polrelid) AS qual, pg_get_expr(p.polwithcheck, p.polrelid) AS with_check
FROM pg_policy p
WHERE p.polrelid = to_regclass('storage_records')
ORDER BY p.polname;

/* @name TableTriggers */
SELECT tgname::text AS "name!", pg_get_triggerdef(oid) AS "definition!", tgenabled::text AS "enabled!"
FROM pg_trigger
WHERE tgrelid = to_regclass('storage_records') AND NOT tgisinternal
ORDER BY tgname;

/* Grantees come back quoted (quote_ident) or as PUBLIC. */
/* @name TableGrants */
SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END AS "grantee!",
       a.privilege_type::text AS "privilege!", a.is_grantable AS "grantable!"
FROM pg_class c, aclexplode(c.relacl) a
WHERE c.oid = to_regclass('storage_records') AND a.grantee <> c.relowner;

/* The oldest and newest created_at in epoch milliseconds (NULL on an empty table). */
/* @name CreatedAtSpan */
SELECT floor(extract(epoch FROM min(created_at)) * 1000)::float8 AS lo,
       floor(extract(epoch FROM max(created_at)) * 1000)::float8 AS hi
FROM storage_records;
