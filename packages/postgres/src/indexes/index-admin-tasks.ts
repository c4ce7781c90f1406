import { type AdminTask, parseFilter } from '@recordstore/core';
import { withAdminClient, withPostgresClient } from '../partitions/admin-connection.js';
import { type OptionReader, readTaskOptions } from '../partitions/admin-task-options.js';
import type { PostgresConfig } from '../postgres-config.js';
import { type EnsureIndexesResult, ensureDeclaredIndexes } from './declared-indexes.js';
import { analyzeIndexes, type IndexReport } from './index-usage.js';

/**
 * Filters to EXPLAIN: one filter or a list of them (`--filter` repeated), each an object or its JSON text.
 * A filter is always an object, so an array is a list.
 */
const filterOption: OptionReader<unknown[]> = (value, fail) => {
  const list = Array.isArray(value) ? value : [value];
  return list.map((item, i) => {
    const which = Array.isArray(value) ? `filter[${i}]` : 'the filter';
    let filter: unknown = item;
    if (typeof item === 'string') {
      try {
        filter = JSON.parse(item);
      } catch {
        return fail(
          `must be a filter object or its JSON text (e.g. '{"user.id":{"$gt":"u1"}}'); ${which} is not JSON`,
        );
      }
    }
    try {
      parseFilter(filter as Parameters<typeof parseFilter>[0]);
    } catch (error) {
      return fail(`must be a filter or a list of filters; ${which}: ${(error as Error).message}`);
    }
    return filter;
  });
};

/**
 * The index management a PostgreSQL store offers as admin tasks, one per `recordstore indexes` command.
 * Each `run(options)` validates its options first, then opens one client from `config`, runs, closes the
 * client and resolves to the JSON-serialisable report the command prints; nothing stays open between
 * runs, so there is nothing to close afterwards.
 *
 * - `indexes.analyze` `{ filter?: filter | filter[] }`: usage of every index, unused and missing ones,
 *   sequential scans, and how each sample filter would run (EXPLAIN, not run). Reads statistics only.
 * - `indexes.ensure` `{}`: creates the declared indexes that are missing (whatever auto_create_indexes says).
 *
 * @throws (from run) StorageError(validation) naming a bad option; StorageError(config) when
 *   storage_records does not exist; connection errors as StorageErrors without the password.
 *
 * @example
 * const analyze = indexAdminTasks(config).find((t) => t.name === 'indexes.analyze')!;
 * const report = await analyze.run({ filter: { 'user.id': { $gt: 'u1' } } });
 */
export function indexAdminTasks(config: PostgresConfig): AdminTask[] {
  return [
    {
      name: 'indexes.analyze',
      summary: 'usage of every index (pg_stat_user_indexes), unused and missing ones, sequential scans',
      run: async (options) => {
        const { filter } = readTaskOptions('indexes.analyze', options, { filter: filterOption });
        return withAdminClient(config, (client) =>
          analyzeIndexes(client, { declared: config.indexes, ...(filter ? { filters: filter } : {}) }),
        );
      },
    },
    {
      name: 'indexes.ensure',
      summary: 'create the indexes declared under `indexes:` that do not exist yet',
      run: async (options) => {
        readTaskOptions('indexes.ensure', options, {});
        return withAdminClient(config, (client) => ensureDeclaredIndexes(client, config.indexes));
      },
    },
  ];
}

/**
 * `recordstore indexes`: analyzeIndexes on the configured database (declared indexes from the config),
 * without opening a store.
 */
export function analyzePostgresIndexes(options: {
  config: Record<string, unknown>;
  filters?: readonly unknown[];
}): Promise<IndexReport> {
  return withPostgresClient(options.config, (client, config) =>
    analyzeIndexes(client, {
      declared: config.indexes,
      ...(options.filters ? { filters: options.filters } : {}),
    }),
  );
}

/** `recordstore indexes create`: creates the declared indexes that are missing (whatever auto_create_indexes says). */
export function createPostgresDeclaredIndexes(options: {
  config: Record<string, unknown>;
}): Promise<EnsureIndexesResult> {
  return withPostgresClient(options.config, (client, config) =>
    ensureDeclaredIndexes(client, config.indexes),
  );
}
