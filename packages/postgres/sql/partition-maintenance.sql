/*
  The fixed statements of layout conversion and partition maintenance (src/partitions/). Statements
  that name a computed table (a partition, the renamed old table) are built in TypeScript from
  validated identifiers instead. Compiled by pgtyped into partition-maintenance.queries.ts
  (`pnpm codegen`).
*/

/*
  Serializes layout changes and maintenance of one schema's table until the transaction ends
  (transaction-scoped, so it is safe behind PgBouncer in transaction mode).
*/
/* @name LockLayout */
SELECT true AS "locked!" FROM pg_advisory_xact_lock(hashtext('recordstore.layout'), hashtext(current_schema()));

/* Writers wait from here to the end of the transaction; readers keep reading. */
/* @name LockTableForWrites */
LOCK TABLE storage_records IN EXCLUSIVE MODE;

/*
  Row-level security (tenant isolation) must never filter a copy: with it off, a policy that would
  apply makes the copy fail instead of silently leaving rows behind.
*/
/* @name DisableRowSecurity */
SET LOCAL row_security = off;

/* Holds rows taken out of the default partition while the partition they belong to is created. */
/* @name CreateMovingTable */
CREATE TEMP TABLE rs_moving (LIKE storage_records) ON COMMIT DROP;

/*
  Whether the default partition holds rows a new partition would cover (PostgreSQL refuses to create the
  partition then). Asked through the parent: the default partition does not exist when pgtyped compiles
  this, and pruning leaves only it to scan because no other partition covers those values.
*/
/* @name DefaultHasRowsInRange */
SELECT EXISTS (
  SELECT 1 FROM storage_records
  WHERE tableoid = to_regclass('storage_records_default')
    AND created_at >= :from!::timestamptz AND created_at < :to!::timestamptz
) AS "present!";

/* @name DefaultHasRowsOfType */
SELECT EXISTS (
  SELECT 1 FROM storage_records
  WHERE tableoid = to_regclass('storage_records_default') AND type = :type!::text
) AS "present!";

/* The key of unpartitioned and hash layouts. */
/* @name AddPrimaryKey */
ALTER TABLE storage_records ADD CONSTRAINT storage_records_pkey PRIMARY KEY (id);

/* The id index of range and list layouts (no unique index can omit the partition key). */
/* @name CreateIdIndex */
CREATE INDEX storage_records_id_idx ON storage_records (id);

/* @name AnalyzeTable */
ANALYZE storage_records;

/* Replays FORCE ROW LEVEL SECURITY on a converted table (ENABLE is security.sql's EnableRowLevelSecurity). */
/* @name ForceRowLevelSecurity */
ALTER TABLE storage_records FORCE ROW LEVEL SECURITY;
