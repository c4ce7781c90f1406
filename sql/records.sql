/*
  Point and bulk statements on storage_records. Compiled by pgtyped into records.queries.ts
  (`pnpm codegen`); run as named prepared statements unless `prepared_statements: false`.
  Timestamps are read back as epoch milliseconds (exact: extract() returns numeric) so no time zone or
  Date parsing is involved; they are written as timestamptz parameters.
*/

/* @name LoadRecord */
SELECT id, data, type, session_id, thread_id, metadata,
  floor(extract(epoch FROM created_at) * 1000)::float8 AS created_ms,
  floor(extract(epoch FROM updated_at) * 1000)::float8 AS updated_ms,
  floor(extract(epoch FROM expires_at) * 1000)::float8 AS expires_ms
FROM storage_records
WHERE id = :id!;

/* @name LoadRecordForUpdate */
SELECT id, data, type, session_id, thread_id, metadata,
  floor(extract(epoch FROM created_at) * 1000)::float8 AS created_ms,
  floor(extract(epoch FROM updated_at) * 1000)::float8 AS updated_ms,
  floor(extract(epoch FROM expires_at) * 1000)::float8 AS expires_ms
FROM storage_records
WHERE id = :id!
FOR UPDATE;

/*
  One row. On conflict the stored created_at is kept unless the caller asked otherwise or the stored row
  had expired (then the new row replaces it whole, as if it had been deleted first).
*/
/* @name UpsertRecord */
INSERT INTO storage_records AS r (id, data, created_at, updated_at, expires_at, type, session_id, thread_id, metadata)
VALUES (:id!, :data!::jsonb, :createdAt!::timestamptz, :updatedAt!::timestamptz, :expiresAt::timestamptz,
  :type::text, :sessionId::text, :threadId::text, :metadata::jsonb)
ON CONFLICT (id) DO UPDATE SET
  data = EXCLUDED.data,
  created_at = CASE
    WHEN :keepCreatedAt!::boolean AND (r.expires_at IS NULL OR r.expires_at > :now!::timestamptz)
    THEN r.created_at ELSE EXCLUDED.created_at END,
  updated_at = EXCLUDED.updated_at,
  expires_at = EXCLUDED.expires_at,
  compressed = false,
  type = EXCLUDED.type,
  session_id = EXCLUDED.session_id,
  thread_id = EXCLUDED.thread_id,
  metadata = EXCLUDED.metadata;

/* Many rows in one statement (ids must be distinct: ON CONFLICT cannot touch a row twice). */
/* @name UpsertRecords */
INSERT INTO storage_records AS r (id, data, created_at, updated_at, expires_at, type, session_id, thread_id, metadata)
SELECT * FROM unnest(
  :ids!::text[], :datas!::jsonb[], :createdAts!::timestamptz[], :updatedAts!::timestamptz[],
  :expiresAts!::timestamptz[], :types!::text[], :sessionIds!::text[], :threadIds!::text[], :metadatas!::jsonb[])
ON CONFLICT (id) DO UPDATE SET
  data = EXCLUDED.data,
  created_at = CASE
    WHEN :keepCreatedAt!::boolean AND (r.expires_at IS NULL OR r.expires_at > :now!::timestamptz)
    THEN r.created_at ELSE EXCLUDED.created_at END,
  updated_at = EXCLUDED.updated_at,
  expires_at = EXCLUDED.expires_at,
  compressed = false,
  type = EXCLUDED.type,
  session_id = EXCLUDED.session_id,
  thread_id = EXCLUDED.thread_id,
  metadata = EXCLUDED.metadata;

/*
  UpsertRecords with the rows' data as ONE jsonb array paired with the other columns by position (WITH
  ORDINALITY). pg writes a text[] or jsonb[] parameter as an array literal, escaping every quote and backslash
  of every JSON text with regex replaces, the largest client cost of a batch (about 3 µs of a 500-byte record
  here); a JSON array is the same texts joined with commas, sent as they are. A jsonb value holds at most
  256 MB: larger batches take UpsertRecords.
*/
/* @name UpsertRecordsJson */
INSERT INTO storage_records AS r (id, data, created_at, updated_at, expires_at, type, session_id, thread_id, metadata)
SELECT u.id, d.value, u.created_at, u.updated_at, u.expires_at, u.type, u.session_id, u.thread_id, u.metadata
FROM unnest(
  :ids!::text[], :createdAts!::timestamptz[], :updatedAts!::timestamptz[], :expiresAts!::timestamptz[],
  :types!::text[], :sessionIds!::text[], :threadIds!::text[], :metadatas!::jsonb[])
  WITH ORDINALITY AS u(id, created_at, updated_at, expires_at, type, session_id, thread_id, metadata, n)
JOIN jsonb_array_elements(:datas!::jsonb) WITH ORDINALITY AS d(value, n) USING (n)
ON CONFLICT (id) DO UPDATE SET
  data = EXCLUDED.data,
  created_at = CASE
    WHEN :keepCreatedAt!::boolean AND (r.expires_at IS NULL OR r.expires_at > :now!::timestamptz)
    THEN r.created_at ELSE EXCLUDED.created_at END,
  updated_at = EXCLUDED.updated_at,
  expires_at = EXCLUDED.expires_at,
  compressed = false,
  type = EXCLUDED.type,
  session_id = EXCLUDED.session_id,
  thread_id = EXCLUDED.thread_id,
  metadata = EXCLUDED.metadata;

/* Existing rows only (bulk_update_enabled): one statement for a batch of rows known to exist. */
/* @name UpdateRecords */
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
FROM unnest(
  :ids!::text[], :datas!::jsonb[], :createdAts!::timestamptz[], :updatedAts!::timestamptz[],
  :expiresAts!::timestamptz[], :types!::text[], :sessionIds!::text[], :threadIds!::text[], :metadatas!::jsonb[])
  AS u(id, data, created_at, updated_at, expires_at, type, session_id, thread_id, metadata)
WHERE r.id = u.id
RETURNING r.id;

/* @name ExistingIds */
SELECT id FROM storage_records WHERE id = ANY(:ids!::text[]);

/*
  No row, or the row's expiry (null: never) in epoch ms: the caller judges liveness at its own clock, the way
  a load's row is judged, so `exists` and `load` agree to the millisecond. The statement carries no time
  parameter: one less value to encode and parse per call, and as cheap as the raw driver's `SELECT 1`.
*/
/* @name RecordExpiry */
SELECT floor(extract(epoch FROM expires_at) * 1000)::float8 AS expires_ms
FROM storage_records
WHERE id = :id!;

/* @name DeleteRecord */
DELETE FROM storage_records WHERE id = :id!;

/* @name DeleteRecords */
DELETE FROM storage_records WHERE id = ANY(:ids!::text[]);

/* Lazy expiry: deletes the row only if it is still expired, so a row re-saved meanwhile survives. */
/* @name DeleteRecordIfExpired */
DELETE FROM storage_records
WHERE id = :id! AND expires_at IS NOT NULL AND expires_at <= :now!::timestamptz;
