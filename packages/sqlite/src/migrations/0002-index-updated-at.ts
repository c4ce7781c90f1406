import type { SQLiteMigration } from './types.js';

/**
 * An index on (updated_at, id): incremental copies (`recordstore copy --incremental`, core's copyRecords)
 * and the catch-up pass of a full copy read pages ordered by (updated_at, id) after a watermark. Without
 * this index each page is a scan of the table, so copying millions of changed records was quadratic; with
 * it each page is an index range read. The cost is one more index entry per write.
 */
export const indexUpdatedAt: SQLiteMigration = {
  version: 2,
  name: 'index_updated_at',
  up: ({ table, index }) => `
CREATE INDEX ${index('updated')} ON ${table} (updated_at, id);
`,
};
