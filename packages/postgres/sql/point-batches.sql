/*
  Coalesced point operations (core's runtime batches concurrent load, exists and delete calls): one
  statement for many ids, `id = ANY($1)`, served by the primary key like the single-id statements.
  Compiled by pgtyped into point-batches.queries.ts (`pnpm codegen`).
*/

/* @name LoadRecords */
SELECT id, data, type, session_id, thread_id, metadata,
  floor(extract(epoch FROM created_at) * 1000)::float8 AS created_ms,
  floor(extract(epoch FROM updated_at) * 1000)::float8 AS updated_ms,
  floor(extract(epoch FROM expires_at) * 1000)::float8 AS expires_ms
FROM storage_records
WHERE id = ANY(:ids!::text[]);

/* The ids that have a row, with each one's expiry in epoch ms (judged by the caller, as RecordExpiry). */
/* @name IdExpiries */
SELECT id, floor(extract(epoch FROM expires_at) * 1000)::float8 AS expires_ms
FROM storage_records
WHERE id = ANY(:ids!::text[]);

/* @name DeleteRecordsReturning */
DELETE FROM storage_records WHERE id = ANY(:ids!::text[]) RETURNING id;
