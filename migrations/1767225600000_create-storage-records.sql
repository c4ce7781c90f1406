-- Up Migration

-- The record table of the design. Text columns use the "C" collation so equality, ranges and ORDER BY
-- compare by byte (= Unicode code point) order, which is the reference order, whatever the database's
-- default collation is, and their btree indexes serve those ORDER BYs.
CREATE TABLE storage_records (
  id          text COLLATE "C" PRIMARY KEY,
  data        jsonb       NOT NULL,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL,
  expires_at  timestamptz,
  compressed  boolean     NOT NULL DEFAULT false,
  type        text COLLATE "C",
  session_id  text COLLATE "C",
  thread_id   text COLLATE "C",
  metadata    jsonb
);

-- Composite (column, created_at) indexes: "filter + ORDER BY created_at + LIMIT" is the common query,
-- and a single-column index makes the planner walk created_at and discard rows (PERFORMANCE-NOTES.md).
CREATE INDEX storage_records_session_id_created_at_idx ON storage_records (session_id, created_at);
CREATE INDEX storage_records_thread_id_created_at_idx ON storage_records (thread_id, created_at);
CREATE INDEX storage_records_type_created_at_idx ON storage_records (type, created_at);
CREATE INDEX storage_records_created_at_idx ON storage_records (created_at);
-- Only rows that can expire are indexed: TTL cleanup and the live-rows condition read this.
CREATE INDEX storage_records_expires_at_idx ON storage_records (expires_at) WHERE expires_at IS NOT NULL;
-- jsonb_path_ops serves the containment operator @> that equality filters compile to, and is smaller
-- and faster to write than the default jsonb_ops (which adds the key-exists operators ? ?| ?&, which the
-- filter compiler never emits).
CREATE INDEX storage_records_data_gin_idx ON storage_records USING gin (data jsonb_path_ops);

-- Down Migration

DROP TABLE storage_records;
