import { StorageError } from '@recordstore/core';
import type pg from 'pg';
import { inspectLayout, tableHasRows } from './partition-catalog.js';
import { convertLayout } from './partition-conversion.js';
import { describeLayout, layoutMatches, layoutOf } from './partition-layout.js';
import type { PartitionConfig } from './partition-options.js';

/** What {@link ensureLayout} did on connect. */
export type EnsureLayoutResult = 'unchanged' | 'converted';

/**
 * On connect: makes sure the table has the configured layout. Converts an empty table automatically
 * when `autoMigrate`; otherwise refuses with a message that says exactly what to run. Never silently
 * uses a layout the config does not describe.
 * @throws StorageError(config)
 */
export async function ensureLayout(
  client: pg.Client,
  config: PartitionConfig,
  options: { autoMigrate: boolean; target: string; now?: number },
): Promise<EnsureLayoutResult> {
  const wanted = layoutOf(config);
  const current = await inspectLayout(client);
  if (!current.exists || layoutMatches(current, wanted)) return 'unchanged';
  const hasRows = await tableHasRows(client);
  if (!hasRows && options.autoMigrate) {
    await convertLayout(client, config, options.now === undefined ? {} : { now: options.now });
    return 'converted';
  }
  const how =
    wanted.kind === 'none'
      ? 'run `recordstore partitions disable` to copy the rows back into an unpartitioned table'
      : 'run `recordstore partitions enable` to copy the rows into the configured layout (in batches, in one transaction that blocks writers while it runs; readers keep reading)';
  const why = hasRows
    ? 'and it holds rows'
    : 'and auto_migrate is false, so connect does not change the schema';
  throw new StorageError(
    'config',
    `postgresql: storage_records in ${options.target} is ${describeLayout(current)}, but the config asks for ` +
      `${describeLayout(wanted)} ${why}. To switch, ${how}; or change partitioning_enabled / ` +
      'partition_strategy / partition_count to match the table.',
    { path: 'config.partitioning_enabled', backend: 'postgresql' },
  );
}
