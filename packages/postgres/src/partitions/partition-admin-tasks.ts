import type { AdminTask } from '@recordstore/core';
import type { PostgresConfig } from '../postgres-config.js';
import { withAdminClient } from './admin-connection.js';
import { booleanOption, logOption, positiveIntegerOption, readTaskOptions } from './admin-task-options.js';
import {
  type ConversionOptions,
  disablePartitioning,
  enablePartitioning,
  maintainConfiguredPartitions,
} from './partition-commands.js';
import { partitionStatus } from './partition-status.js';

const CONVERSION_OPTIONS = { batchSize: positiveIntegerOption, keepOld: booleanOption, log: logOption };

function conversionOptions(task: string, options: Record<string, unknown>): ConversionOptions {
  const read = readTaskOptions(task, options, CONVERSION_OPTIONS);
  return {
    keepOld: read.keepOld ?? false,
    ...(read.batchSize === undefined ? {} : { batchSize: read.batchSize }),
    ...(read.log === undefined ? {} : { log: read.log }),
  };
}

/**
 * The partition maintenance a PostgreSQL store offers as admin tasks, one per `recordstore partitions`
 * command. Each `run(options)` validates its options first, then opens one client from `config`, runs,
 * closes the client and resolves to the JSON-serialisable report the command prints; nothing stays open
 * between runs, so there is nothing to close afterwards.
 *
 * - `partitions.status` `{ exact?: boolean }`: partitions with bounds, row counts and sizes (changes nothing).
 * - `partitions.maintain` `{}`: creates the coming partitions, drops or detaches expired ones.
 * - `partitions.enable` `{ batchSize?, keepOld?, log? }`: converts the table to the configured layout.
 * - `partitions.disable` `{ batchSize?, keepOld?, log? }`: converts it back to one unpartitioned table.
 *
 * @throws (from run) StorageError(validation) naming a bad option; StorageError(config) when the table or
 *   config does not allow the task; connection errors as StorageErrors without the password.
 *
 * @example
 * const [status] = partitionAdminTasks(config);
 * const report = await status.run({ exact: true });
 */
export function partitionAdminTasks(config: PostgresConfig): AdminTask[] {
  return [
    {
      name: 'partitions.status',
      summary:
        'list the partitions with bounds, row counts (estimates unless exact) and sizes; changes nothing',
      run: async (options) => {
        const { exact } = readTaskOptions('partitions.status', options, { exact: booleanOption });
        return withAdminClient(config, (client) => partitionStatus(client, { exact: exact ?? false }));
      },
    },
    {
      name: 'partitions.maintain',
      summary:
        'create the coming range partitions and the configured list partitions, drop (or detach) range partitions older than partition_retention_days',
      run: async (options) => {
        readTaskOptions('partitions.maintain', options, {});
        return withAdminClient(config, (client) => maintainConfiguredPartitions(client, config));
      },
    },
    {
      name: 'partitions.enable',
      summary:
        'rebuild storage_records in the partitioned layout the config describes, copying the rows in batches in one transaction',
      run: async (options) => {
        const read = conversionOptions('partitions.enable', options);
        return withAdminClient(config, (client) => enablePartitioning(client, config, read));
      },
    },
    {
      name: 'partitions.disable',
      summary: 'copy the rows back into one unpartitioned table (primary key on id), in one transaction',
      run: async (options) => {
        const read = conversionOptions('partitions.disable', options);
        return withAdminClient(config, (client) => disablePartitioning(client, config, read));
      },
    },
  ];
}
