-- Up Migration

-- (updated_at, id): the order incremental copies (`recordstore copy --incremental`) and the catch-up pass
-- of a full copy read in, after an (updated_at, id) watermark. Without it each page of such a pass scans
-- the table, which made copying millions of changed records quadratic; with it each page is an index
-- range read. id is "C"-collated like the column, so the index order is the copy's code-point order.
CREATE INDEX IF NOT EXISTS storage_records_updated_at_id_idx ON storage_records (updated_at, id);

-- Down Migration

DROP INDEX IF EXISTS storage_records_updated_at_id_idx;
