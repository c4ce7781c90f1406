import { StorageError } from '@recordstore/core';
import type pg from 'pg';
import * as maintenance from '../generated/partition-maintenance.queries.js';
import * as definition from '../generated/table-definition.queries.js';
import { inspectLayout, listPartitions } from './partition-catalog.js';
import {
  copyBatchStatement,
  createPartitionDdl,
  createTableLikeDdl,
  dropTableDdl,
  type PartitionBound,
  renameIndexDdl,
  renameTableDdl,
} from './partition-ddl.js';
import { describeLayout, type Layout, layoutMatches, layoutOf } from './partition-layout.js';
import {
  addIntervals,
  DEFAULT_PARTITION,
  hashPartitionName,
  intervalStart,
  listPartitionName,
  rangePartitionName,
} from './partition-naming.js';
import type { PartitionConfig, PartitionInterval } from './partition-options.js';
import { catalogOn, inTransaction } from './sql-client.js';
import { captureTableExtras, restoreTableExtras } from './table-extras.js';

/** Options of {@link convertLayout}. */
export interface ConvertLayoutOptions {
  /** Rows per copy statement (default: the config's batch_size). */
  batchSize?: number;
  /** Keep the old table, renamed `storage_records_before_<timestamp>`, instead of dropping it. */
  keepOld?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
  /** The clock (ms) deciding which range partitions to create (default Date.now()). */
  now?: number;
}

/** What {@link convertLayout} did. */
export interface ConvertLayoutReport {
  from: string;
  to: string;
  changed: boolean;
  rowsCopied: number;
  partitionsCreated: string[];
  indexesCreated: string[];
  /** The old table when kept (keepOld). */
  keptAs: string | null;
  durationMs: number;
}

/** More partitions than this would make every load(id) and plan slow. */
const MAX_INITIAL_PARTITIONS = 2000;

/**
 * Rebuilds storage_records with the layout `config` describes (partitioned or not), copying every row in
 * keyset batches, in ONE transaction: it either completes or leaves the table untouched. Writers wait for
 * it (EXCLUSIVE lock); readers keep reading the old table until the commit. Index definitions (the
 * migration's and any added since) are carried over; the key becomes `PRIMARY KEY (id)` (unpartitioned,
 * hash) or a plain index on id (range, list). Idempotent: a table that already matches is left alone.
 *
 * @param client a client outside any transaction (the function runs BEGIN/COMMIT itself).
 */
export async function convertLayout(
  client: pg.ClientBase,
  config: PartitionConfig,
  options: ConvertLayoutOptions = {},
): Promise<ConvertLayoutReport> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const wanted = layoutOf(config);
  const db = catalogOn(client);
  const report = await inTransaction(client, async () => {
    await maintenance.lockLayout.run(undefined, db);
    const current = await inspectLayout(client);
    if (!current.exists) {
      throw new StorageError(
        'config',
        'postgresql: storage_records does not exist; run `recordstore migrate up` first.',
        { backend: 'postgresql' },
      );
    }
    const report: ConvertLayoutReport = {
      from: describeLayout(current),
      to: describeLayout(wanted),
      changed: false,
      rowsCopied: 0,
      partitionsCreated: [],
      indexesCreated: [],
      keptAs: null,
      durationMs: 0,
    };
    if (layoutMatches(current, wanted)) return report;
    // Writers wait from here to COMMIT; readers keep reading the old table.
    await maintenance.lockTableForWrites.run(undefined, db);
    await maintenance.disableRowSecurity.run(undefined, db);
    // Everything about the old table is read before it is renamed, while it is still storage_records.
    const extras = await captureTableExtras(client);
    const indexes = await definition.tableIndexes.run(undefined, db);
    const columns = (await definition.tableColumns.run(undefined, db)).map((c) => c.name);
    const children = await listPartitions(client);
    const [span] = wanted.kind === 'range' ? await definition.createdAtSpan.run(undefined, db) : [];
    const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    const old = `storage_records_before_${stamp}`;
    // Free every name the new table will use: the table, its index names, its partitions' names.
    await client.query(renameTableDdl('storage_records', old));
    for (const [i, index] of indexes.entries()) {
      await client.query(renameIndexDdl(index.name, `rs_before_${stamp}_i${i}`));
    }
    for (const [i, child] of children.entries()) {
      await client.query(renameTableDdl(child.name, `rs_before_${stamp}_p${i}`));
    }
    await client.query(createTableLikeDdl(old, wanted));
    const now = options.now ?? Date.now();
    report.partitionsCreated = await createInitialPartitions(client, config, wanted, span ?? null, now);
    log(`created ${report.partitionsCreated.length} partition(s)`);
    report.rowsCopied = await copyRows(client, old, columns, options.batchSize ?? config.batch_size, log);
    // The key, then every other index of the old table under its own name.
    if (wanted.kind === 'none' || wanted.kind === 'hash') {
      await maintenance.addPrimaryKey.run(undefined, db);
      report.indexesCreated.push('storage_records_pkey');
    } else {
      await maintenance.createIdIndex.run(undefined, db);
      report.indexesCreated.push('storage_records_id_idx');
    }
    for (const index of indexes) {
      if (index.primary || index.name === 'storage_records_id_idx') continue;
      // Captured before the rename, the definition names `<schema>.storage_records`: the new table now.
      await client.query(index.definition.replace(/ ON ONLY /, ' ON '));
      report.indexesCreated.push(index.name);
    }
    log(`built ${report.indexesCreated.length} index(es)`);
    // After the copy, so the copied rows do not fire the audit trigger.
    await restoreTableExtras(client, extras);
    if (options.keepOld) {
      report.keptAs = old;
    } else {
      await client.query(dropTableDdl(old));
    }
    report.changed = true;
    return report;
  });
  if (report.changed && report.rowsCopied > 0) await maintenance.analyzeTable.run(undefined, db);
  report.durationMs = Math.round(performance.now() - started);
  return report;
}

/** Copies every row of `oldTable` into the new storage_records in keyset batches on id (its key index). */
async function copyRows(
  client: pg.ClientBase,
  oldTable: string,
  columns: readonly string[],
  batchSize: number,
  log: (line: string) => void,
): Promise<number> {
  // Indexes are built after the copy (faster than maintaining them row by row).
  const statement = copyBatchStatement(oldTable, columns);
  let copied = 0;
  let last: string | null = null;
  for (;;) {
    const batch: pg.QueryResult<{ last: string | null; n: number }> = await client.query(statement, [
      last,
      batchSize,
    ]);
    const { n, last: batchLast } = batch.rows[0]!;
    copied += n;
    if (n > 0) log(`copied ${copied} row(s)`);
    if (n < batchSize || batchLast === null) return copied;
    last = batchLast;
  }
}

/** The partitions a fresh layout starts with (range: from the oldest row's interval to premake ahead). */
async function createInitialPartitions(
  client: pg.ClientBase,
  config: PartitionConfig,
  layout: Layout,
  span: { lo: number | null; hi: number | null } | null,
  now: number,
): Promise<string[]> {
  const created: string[] = [];
  const create = async (name: string, bound: PartitionBound) => {
    await client.query(createPartitionDdl(name, bound));
    created.push(name);
  };
  switch (layout.kind) {
    case 'none':
      break;
    case 'hash':
      for (let r = 0; r < layout.count; r++) {
        await create(hashPartitionName(r), { kind: 'hash', modulus: layout.count, remainder: r });
      }
      break;
    case 'list':
      for (const value of layout.values) await create(listPartitionName(value), { kind: 'list', value });
      await create(DEFAULT_PARTITION, { kind: 'default' });
      break;
    case 'range': {
      const ranges = rangesCovering(config, layout.interval, span, now);
      for (const [from, to] of ranges) await create(rangePartitionName(from), { kind: 'range', from, to });
      await create(DEFAULT_PARTITION, { kind: 'default' });
      break;
    }
  }
  return created;
}

/** The intervals from the one holding the oldest row (or now) to `partition_premake` past the newest. */
function rangesCovering(
  config: PartitionConfig,
  interval: PartitionInterval,
  span: { lo: number | null; hi: number | null } | null,
  now: number,
): Array<[Date, Date]> {
  const lo = Math.min(span?.lo ?? now, now);
  const hi = Math.max(span?.hi ?? now, now);
  let start = intervalStart(lo, interval);
  const end = addIntervals(intervalStart(hi, interval), interval, config.partition_premake + 1);
  const ranges: Array<[Date, Date]> = [];
  while (start < end) {
    const next = addIntervals(start, interval, 1);
    ranges.push([start, next]);
    start = next;
    if (ranges.length > MAX_INITIAL_PARTITIONS) {
      throw new StorageError(
        'config',
        `postgresql: partition_interval ${interval}: the rows span more than ${MAX_INITIAL_PARTITIONS} ` +
          'intervals (more partitions would make every load(id) and plan slow). Choose a longer partition_interval.',
        { path: 'config.partition_interval', backend: 'postgresql' },
      );
    }
  }
  return ranges;
}
