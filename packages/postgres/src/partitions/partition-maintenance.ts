import type pg from 'pg';
import * as maintenance from '../generated/partition-maintenance.queries.js';
import { inspectLayout, isPartitionAttached, listPartitions, relationExists } from './partition-catalog.js';
import {
  createPartitionDdl,
  detachPartitionDdl,
  dropTableDdl,
  type PartitionBound,
  RESTORE_MOVED_ROWS,
  TAKE_DEFAULT_ROWS_IN_RANGE,
  TAKE_DEFAULT_ROWS_OF_TYPE,
} from './partition-ddl.js';
import { layoutMatches, layoutOf } from './partition-layout.js';
import {
  addIntervals,
  DEFAULT_PARTITION,
  intervalStart,
  listPartitionName,
  rangePartitionName,
} from './partition-naming.js';
import type { PartitionConfig } from './partition-options.js';
import { catalogOn, inTransaction } from './sql-client.js';

/** What {@link maintainPartitions} did. */
export interface PartitionMaintenanceReport {
  /** False when the table is not in the configured partitioned layout (nothing done). */
  ran: boolean;
  created: string[];
  dropped: string[];
  detached: string[];
  /** Rows moved out of the default partition into partitions created for them. */
  rowsMoved: number;
  durationMs: number;
}

/** A range or list partition maintenance creates. */
interface PartitionPlan {
  name: string;
  bound: Extract<PartitionBound, { kind: 'range' | 'list' }>;
}

/**
 * Creates the coming range partitions (`partition_premake` intervals ahead of `now`) and the configured
 * list partitions that are missing, moving rows that had landed in the default partition into them; and
 * drops (or detaches, `partition_retention_action`) range partitions whose upper bound is at or before
 * `now - partition_retention_days`. Each step is its own short transaction that takes the table's layout
 * lock (transaction-scoped, so it is safe behind PgBouncer in transaction mode) and re-checks that the
 * partition is still missing (or still there): concurrent maintainers do each step once. Runs on the
 * maintenance timer and by `recordstore partitions maintain`.
 *
 * @param client a dedicated client outside any transaction.
 */
export async function maintainPartitions(
  client: pg.ClientBase,
  config: PartitionConfig,
  now: number = Date.now(),
): Promise<PartitionMaintenanceReport> {
  const started = performance.now();
  const report: PartitionMaintenanceReport = {
    ran: false,
    created: [],
    dropped: [],
    detached: [],
    rowsMoved: 0,
    durationMs: 0,
  };
  const layout = layoutOf(config);
  if (layout.kind === 'none' || layout.kind === 'hash') {
    report.ran = layout.kind === 'hash';
    return report;
  }
  try {
    if (!layoutMatches(await inspectLayout(client), layout)) return report;
    report.ran = true;
    const existing = await listPartitions(client);
    const hasDefault = existing.some((p) => p.name === DEFAULT_PARTITION);
    const plans: PartitionPlan[] = [];
    if (layout.kind === 'range') {
      const first = intervalStart(now, layout.interval);
      for (let k = 0; k <= config.partition_premake; k++) {
        const from = addIntervals(first, layout.interval, k);
        const to = addIntervals(from, layout.interval, 1);
        const overlaps = existing.some(
          (p) =>
            p.from_ms !== null && p.to_ms !== null && p.from_ms < to.getTime() && p.to_ms > from.getTime(),
        );
        if (overlaps) continue;
        plans.push({ name: rangePartitionName(from), bound: { kind: 'range', from, to } });
      }
    } else {
      const names = new Set(existing.map((p) => p.name));
      for (const value of layout.values) {
        const name = listPartitionName(value);
        if (names.has(name)) continue;
        plans.push({ name, bound: { kind: 'list', value } });
      }
    }
    for (const plan of plans) {
      const moved = await createPartition(client, plan, hasDefault);
      if (moved === null) continue;
      report.rowsMoved += moved;
      report.created.push(plan.name);
    }
    if (layout.kind === 'range' && config.partition_retention_days !== undefined) {
      const cutoff = now - config.partition_retention_days * 86_400_000;
      for (const p of existing) {
        if (p.to_ms === null || p.to_ms > cutoff) continue;
        const retired = await retirePartition(client, p.name, config.partition_retention_action);
        if (retired === 'dropped') report.dropped.push(p.name);
        if (retired === 'detached') report.detached.push(p.name);
      }
    }
  } finally {
    report.durationMs = Math.round(performance.now() - started);
  }
  return report;
}

/**
 * Creates one partition in its own transaction. When the default partition holds rows that belong to
 * the new one, PostgreSQL would refuse to create it: those rows are moved into it in the same
 * transaction, under an EXCLUSIVE lock (writers wait, readers do not), so no write sees them missing.
 * @returns rows moved, or null when another maintainer created it meanwhile.
 */
function createPartition(
  client: pg.ClientBase,
  plan: PartitionPlan,
  hasDefault: boolean,
): Promise<number | null> {
  const db = catalogOn(client);
  const { bound } = plan;
  return inTransaction(client, async () => {
    await maintenance.lockLayout.run(undefined, db);
    if (await relationExists(client, plan.name)) return null;
    let moved = 0;
    const [stray] = !hasDefault
      ? []
      : bound.kind === 'range'
        ? await maintenance.defaultHasRowsInRange.run({ from: bound.from, to: bound.to }, db)
        : await maintenance.defaultHasRowsOfType.run({ type: bound.value }, db);
    if (stray?.present) {
      await maintenance.lockTableForWrites.run(undefined, db);
      await maintenance.createMovingTable.run(undefined, db);
      const result =
        bound.kind === 'range'
          ? await client.query(TAKE_DEFAULT_ROWS_IN_RANGE, [bound.from, bound.to])
          : await client.query(TAKE_DEFAULT_ROWS_OF_TYPE, [bound.value]);
      moved = result.rowCount ?? 0;
    }
    await client.query(createPartitionDdl(plan.name, plan.bound));
    if (moved > 0) await client.query(RESTORE_MOVED_ROWS);
    return moved;
  });
}

/**
 * Drops or detaches one expired range partition in its own transaction, unless another maintainer
 * already did. @returns what was done, or null when it was no longer attached.
 */
function retirePartition(
  client: pg.ClientBase,
  name: string,
  action: PartitionConfig['partition_retention_action'],
): Promise<'dropped' | 'detached' | null> {
  return inTransaction(client, async () => {
    await maintenance.lockLayout.run(undefined, catalogOn(client));
    if (!(await isPartitionAttached(client, name))) return null;
    if (action === 'detach') {
      await client.query(detachPartitionDdl(name));
      return 'detached';
    }
    await client.query(dropTableDdl(name));
    return 'dropped';
  });
}
