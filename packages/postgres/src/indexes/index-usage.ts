import { declaredPathsOf } from '../declared-paths.js';
import * as usage from '../generated/index-usage.queries.js';
import { catalogOn, type SqlClient } from '../partitions/sql-client.js';
import { declaredIndexDdl } from './declared-index-ddl.js';
import { explainFilter, type FilterPlan } from './filter-plans.js';
import { type DeclaredIndex, declaredIndexName } from './index-options.js';

/**
 * Index usage analysis (`recordstore indexes`): usage statistics (sql/index-usage.sql), declared indexes
 * that are missing, sequential scans, sample filter plans, and a verdict.
 */

/** Usage of one index of storage_records (summed over partitions). */
export interface IndexUsage {
  name: string;
  definition: string;
  /** Index scans since the statistics were reset. */
  scans: number;
  tuplesRead: number;
  sizeBytes: number;
  /** Primary key / unique / the id key: never reported unused (writes and load(id) need it). */
  essential: boolean;
  /** Declared in the config's `indexes:`. */
  declared: boolean;
  verdict: 'used' | 'unused' | 'essential' | 'missing';
}

/** What {@link analyzeIndexes} reports. */
export interface IndexReport {
  table: {
    liveRows: number;
    sequentialScans: number;
    sequentialRowsRead: number;
    indexScans: number;
    /** Average rows a sequential scan read. */
    rowsPerSequentialScan: number;
  };
  statsSince: string | null;
  indexes: IndexUsage[];
  filters: FilterPlan[];
  /** One line per finding, most important first. */
  verdict: string[];
}

/** Options of {@link analyzeIndexes}. */
export interface AnalyzeIndexesOptions {
  /** Filters to EXPLAIN as list() would run them (newest first, limit 100). */
  filters?: readonly unknown[];
  /** Declared indexes of the config (reported as missing when absent). */
  declared?: readonly DeclaredIndex[];
  /** Below this many live rows sequential scans are expected and not reported (default 1000). */
  smallTableRows?: number;
}

/**
 * Index usage and a verdict: indexes never scanned since the statistics were reset (candidates to drop),
 * declared indexes that are missing, sequential scans that read many rows (filters not served by an
 * index), and, for the sample `filters` given, whether their plan scans sequentially.
 * Reads statistics only (and EXPLAIN without ANALYZE): safe on a production database.
 */
export async function analyzeIndexes(
  client: SqlClient,
  options: AnalyzeIndexesOptions = {},
): Promise<IndexReport> {
  const smallTable = options.smallTableRows ?? 1000;
  const db = catalogOn(client);
  const [t] = await usage.tableScanStats.run(undefined, db);
  const stats = t ?? { live: 0, seq_scan: 0, seq_read: 0, idx_scan: 0, since: null };
  const since = stats.since ? new Date(stats.since).toISOString() : null;
  const declaredNames = new Map((options.declared ?? []).map((d) => [declaredIndexName(d), d]));
  const indexes: IndexUsage[] = (await usage.indexUsageStats.run(undefined, db)).map((r) => ({
    name: r.name,
    definition: r.definition,
    scans: r.scans,
    tuplesRead: r.tuples,
    sizeBytes: r.size,
    essential: r.essential,
    declared: declaredNames.has(r.name),
    verdict: r.essential ? 'essential' : r.scans > 0 ? 'used' : 'unused',
  }));
  for (const [name, decl] of declaredNames) {
    if (indexes.some((i) => i.name === name)) continue;
    indexes.push({
      name,
      definition: declaredIndexDdl(decl, { concurrently: false }),
      scans: 0,
      tuplesRead: 0,
      sizeBytes: 0,
      essential: false,
      declared: true,
      verdict: 'missing',
    });
  }
  const filters: FilterPlan[] = [];
  // As list() compiles them: equality on a declared path uses its index only when that index exists.
  const present = declaredPathsOf(
    [...declaredNames]
      .filter(([name]) => indexes.some((i) => i.name === name && i.verdict !== 'missing'))
      .map(([, d]) => d),
  );
  for (const filter of options.filters ?? []) {
    filters.push(await explainFilter(client, filter, Date.now(), present));
  }
  const rowsPerSeq = stats.seq_scan > 0 ? Math.round(stats.seq_read / stats.seq_scan) : 0;
  const verdict: string[] = [];
  for (const f of filters) {
    if (f.sequentialScan) {
      verdict.push(
        `filter ${JSON.stringify(f.filter)} is read with a sequential scan: declare an index on its path ` +
          '(indexes: [{ path, type }]) or filter on an indexed column.',
      );
    }
  }
  for (const i of indexes) {
    if (i.verdict === 'missing') {
      verdict.push(
        `declared index ${i.name} does not exist: connect with auto_create_indexes: true or run \`recordstore indexes create\`.`,
      );
    }
  }
  if (stats.live >= smallTable && stats.seq_scan > 0 && rowsPerSeq >= smallTable) {
    verdict.push(
      `${stats.seq_scan} sequential scan(s) of storage_records read ${rowsPerSeq} rows each on average: some ` +
        'filters are not index-served (EXPLAIN them with `recordstore indexes --filter <json>`).',
    );
  }
  for (const i of indexes) {
    if (i.verdict === 'unused') {
      verdict.push(
        `index ${i.name} (${i.sizeBytes} bytes) has not been scanned since ${since ?? 'the statistics were reset'}: ` +
          'every write maintains it; drop it if your filters never need it.',
      );
    }
  }
  if (verdict.length === 0) verdict.push('ok: every index is used and no large sequential scans were seen.');
  return {
    table: {
      liveRows: stats.live,
      sequentialScans: stats.seq_scan,
      sequentialRowsRead: stats.seq_read,
      indexScans: stats.idx_scan,
      rowsPerSequentialScan: rowsPerSeq,
    },
    statsSince: since,
    indexes,
    filters,
    verdict,
  };
}
