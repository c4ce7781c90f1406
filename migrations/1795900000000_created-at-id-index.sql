-- Up Migration
-- Newest-first pages order by (created_at DESC, id DESC): with id in the index, a keyset page (stream)
-- reads its rows straight off the index instead of sorting every row older than the cursor.
DROP INDEX IF EXISTS storage_records_created_at_idx;
CREATE INDEX storage_records_created_at_idx ON storage_records (created_at, id);

-- Down Migration
DROP INDEX IF EXISTS storage_records_created_at_idx;
CREATE INDEX storage_records_created_at_idx ON storage_records (created_at);
