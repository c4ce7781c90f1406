/*
  Writes on a RANGE- or LIST-partitioned storage_records (partitioning_enabled). PostgreSQL requires the
  partition key in every unique index, so there the id alone cannot be a constraint and ON CONFLICT (id)
  cannot be used. Instead every write of an id first takes a transaction-scoped advisory lock on it
  (LockRecordIds), in a statement of its own: the write statement that follows starts with a snapshot
  taken after the lock was granted, so it sees any row a concurrent writer of the same id committed, and
  updates it instead of inserting a second one. Compiled by pgtyped into partitioned.queries.ts.
  (Hash partitioning is by id: there the primary key on id exists and records.sql is used unchanged.)
*/

/*
  Locks the given ids until the transaction ends, in hash order so that two batches never deadlock on
  each other. The key space is (hash of 'recordstore.records.' || schema, hash of id): stores in other
  schemas do not contend, and a hash collision only serializes two unrelated writes.
*/
/* @name LockRecordIds */
SELECT count(*)::int AS "locked!" FROM (
  SELECT pg_advisory_xact_lock(hashtext('recordstore.records.' || current_schema()), k.h)
  FROM (SELECT DISTINCT hashtext(i) AS h FROM unnest(:ids!::text[]) AS i ORDER BY 1) k
) s;

/*
  Upsert of distinct ids under LockRecordIds: rows that exist are updated (moving to another partition
  when the partition key changes), the others inserted, in one statement. created_at is kept as in
  records.sql's UpsertRecord.
*/
/* @name UpsertPartitionedRecords */
WITH u AS (
  SELECT * FROM unnest(
    :ids!::text[], :datas!::jsonb[], :createdAts!::timestamptz[], :updatedAts!::timestamptz[],
    :expiresAts!::timestamptz[], :types!::text[], :sessionIds!::text[], :threadIds!::text[], :metadatas!::jsonb[])
    AS u(id, data, created_at, updated_at, expires_at, type, session_id, thread_id, metadata)
), updated AS (
  UPDATE storage_records AS r SET
    data = u.data,
    created_at = CASE
      WHEN :keepCreatedAt!::boolean AND (r.expires_at IS NULL OR r.expires_at > :now!::timestamptz)
      THEN r.created_at ELSE u.created_at END,
    updated_at = u.updated_at,
    expires_at = u.expires_at,
    compressed = false,
    type = u.type,
    session_id = u.session_id,
    thread_id = u.thread_id,
    metadata = u.metadata
  FROM u
  WHERE r.id = u.id
  RETURNING r.id
)
INSERT INTO storage_records (id, data, created_at, updated_at, expires_at, type, session_id, thread_id, metadata)
SELECT u.id, u.data, u.created_at, u.updated_at, u.expires_at, u.type, u.session_id, u.thread_id, u.metadata
FROM u
WHERE NOT EXISTS (SELECT 1 FROM updated WHERE updated.id = u.id);

/*
  TTL and retention batches on a partitioned table. ctid is only unique within one partition, so the
  ctid batches of maintenance.sql would hit rows of other partitions; these address rows by id (unique
  by the locking above, and by the key on hash layouts) and re-check the condition, so a row re-saved
  meanwhile survives.
*/
/* @name DeleteExpiredBatchById */
DELETE FROM storage_records
WHERE id = ANY(ARRAY(
  SELECT id FROM storage_records
  WHERE expires_at <= :now!::timestamptz
  LIMIT :limit!::int))
AND expires_at <= :now!::timestamptz;

/* @name DeleteCreatedBeforeBatchById */
DELETE FROM storage_records
WHERE id = ANY(ARRAY(
  SELECT id FROM storage_records
  WHERE created_at < :cutoff!::timestamptz
  LIMIT :limit!::int))
AND created_at < :cutoff!::timestamptz;

/*
  The same for one row (save): without the unnest join, about 3 times faster per statement on a table of
  24 partitions (measured: the join's plan initializes every partition's update target).
*/
/* @name UpsertPartitionedRecord */
WITH updated AS (
  UPDATE storage_records AS r SET
    data = :data!::jsonb,
    created_at = CASE
      WHEN :keepCreatedAt!::boolean AND (r.expires_at IS NULL OR r.expires_at > :now!::timestamptz)
      THEN r.created_at ELSE :createdAt!::timestamptz END,
    updated_at = :updatedAt!::timestamptz,
    expires_at = :expiresAt::timestamptz,
    compressed = false,
    type = :type::text,
    session_id = :sessionId::text,
    thread_id = :threadId::text,
    metadata = :metadata::jsonb
  WHERE r.id = :id!
  RETURNING r.id
)
INSERT INTO storage_records (id, data, created_at, updated_at, expires_at, type, session_id, thread_id, metadata)
SELECT :id!, :data!::jsonb, :createdAt!::timestamptz, :updatedAt!::timestamptz, :expiresAt::timestamptz,
  :type::text, :sessionId::text, :threadId::text, :metadata::jsonb
WHERE NOT EXISTS (SELECT 1 FROM updated);
