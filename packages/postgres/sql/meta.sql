/*
  The `meta` capability (src/postgres-meta.ts): internal state in recordstore_meta, one row per
  (scope, key), never visible as records. Compiled by pgtyped into meta.queries.ts (`pnpm codegen`).
*/

/* @name MetaGet */
SELECT value FROM recordstore_meta WHERE scope = :scope! AND key = :key!;

/* @name MetaSet */
INSERT INTO recordstore_meta (scope, key, value, updated_at) VALUES (:scope!, :key!, :value!, now())
ON CONFLICT (scope, key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at;

/* @name MetaDelete */
DELETE FROM recordstore_meta WHERE scope = :scope! AND key = :key!;

/*
  The `lock` capability (src/postgres-lock.ts): a transaction-scoped advisory lock per (schema, scope, name),
  held by a dedicated connection's open transaction, so it also works through PgBouncer's transaction
  pooling and is released when that connection ends. Never waits.
*/
/* @name TryStoreLock */
SELECT pg_try_advisory_xact_lock(hashtext('recordstore.lock.' || :name!), hashtext(current_schema() || '/' || :scope!)) AS "locked!";
