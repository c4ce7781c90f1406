import * as status from '../generated/partition-status.queries.js';
import { inspectLayout, listPartitions } from './partition-catalog.js';
import { describeLayout } from './partition-layout.js';
import type { PartitionStrategy } from './partition-options.js';
import { catalogOn, type SqlClient } from './sql-client.js';

/** One partition in {@link partitionStatus}. */
export interface PartitionInfo {
  name: string;
  /** PostgreSQL's bound text: `FOR VALUES FROM (...) TO (...)`, `DEFAULT`, `FOR VALUES IN (...)`. */
  bound: string;
  /** Range partitions: bounds as ISO times (null otherwise). */
  from: string | null;
  to: string | null;
  /** Exact count with `exact`, else the statistics' estimate (n_live_tup). */
  rows: number;
  rowsExact: boolean;
  /** Table, indexes and TOAST. */
  sizeBytes: number;
}

/** What {@link partitionStatus} reports. */
export interface PartitionStatusReport {
  layout: string;
  strategy: 'none' | PartitionStrategy;
  column: string | null;
  partitions: PartitionInfo[];
  totalRows: number;
  totalSizeBytes: number;
}

const isoOrNull = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/**
 * Lists the partitions with their bounds, row counts (estimates unless `exact`: an exact count reads
 * every row) and sizes. Changes nothing.
 */
export async function partitionStatus(
  client: SqlClient,
  options: { exact?: boolean } = {},
): Promise<PartitionStatusReport> {
  const exact = options.exact === true;
  const db = catalogOn(client);
  const current = await inspectLayout(client);
  const rows = await listPartitions(client);
  // One scan through the parent counts every leaf table; a table missing from the result has no rows.
  const counts = exact
    ? new Map((await status.exactRowCounts.run(undefined, db)).map((r) => [r.name, r.rows]))
    : null;
  const partitions: PartitionInfo[] = rows.map((row) => ({
    name: row.name,
    bound: row.bound,
    from: isoOrNull(row.from_ms),
    to: isoOrNull(row.to_ms),
    rows: counts === null ? row.estimate : (counts.get(row.name) ?? 0),
    rowsExact: exact,
    sizeBytes: row.size,
  }));
  let totalRows = partitions.reduce((sum, p) => sum + p.rows, 0);
  let totalSizeBytes = partitions.reduce((sum, p) => sum + p.sizeBytes, 0);
  if (current.kind === 'none' && current.exists) {
    const [table] = await status.tableEstimate.run(undefined, db);
    totalRows = counts === null ? (table?.rows ?? 0) : (counts.get('storage_records') ?? 0);
    totalSizeBytes = table?.size_bytes ?? 0;
  }
  return {
    layout: describeLayout(current),
    strategy: current.kind,
    column: current.column,
    partitions,
    totalRows,
    totalSizeBytes,
  };
}
