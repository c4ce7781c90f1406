import * as catalog from '../generated/partition-catalog.queries.js';
import type { CurrentLayout } from './partition-layout.js';
import { catalogOn, type SqlClient } from './sql-client.js';

/** Reads of the catalog about storage_records' layout and partitions (sql/partition-catalog.sql). */

/** One partition as the catalog lists it. */
export type PartitionRow = catalog.IListPartitionsResult;

const STRATEGIES: Readonly<Record<string, CurrentLayout['kind']>> = { r: 'range', l: 'list', h: 'hash' };

/** Reads the layout of storage_records in the current schema. */
export async function inspectLayout(client: SqlClient): Promise<CurrentLayout> {
  const [row] = await catalog.inspectLayout.run(undefined, catalogOn(client));
  if (!row || row.relkind === null) {
    return { exists: false, kind: 'none', column: null, partitions: 0, modulus: null };
  }
  return {
    exists: true,
    kind: row.relkind === 'p' ? (STRATEGIES[row.strategy ?? ''] ?? 'hash') : 'none',
    column: row.key_column,
    partitions: row.partitions,
    modulus: row.modulus,
  };
}

/** The partitions of storage_records, range partitions first in time order, then by name. */
export function listPartitions(client: SqlClient): Promise<PartitionRow[]> {
  return catalog.listPartitions.run(undefined, catalogOn(client));
}

/** Whether a relation of that name exists in the current schema. */
export async function relationExists(client: SqlClient, name: string): Promise<boolean> {
  const [row] = await catalog.relationExists.run({ name }, catalogOn(client));
  return row?.present === true;
}

/** Whether the named table is (still) a partition of storage_records. */
export async function isPartitionAttached(client: SqlClient, name: string): Promise<boolean> {
  const [row] = await catalog.isPartitionAttached.run({ name }, catalogOn(client));
  return row?.attached === true;
}

/** Whether storage_records holds any row. */
export async function tableHasRows(client: SqlClient): Promise<boolean> {
  const [row] = await catalog.tableHasRows.run(undefined, catalogOn(client));
  return row?.present === true;
}
