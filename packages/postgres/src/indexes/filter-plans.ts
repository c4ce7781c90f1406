import { type FilterNode, parseFilter } from '@recordstore/core';
import type { DeclaredPaths } from '../declared-paths.js';
import type { SqlClient } from '../partitions/sql-client.js';
import { buildListQuery } from '../postgres-filter-compiler.js';

/**
 * How sample filters would run: EXPLAIN (without ANALYZE) of the statement list() sends for each, read
 * for sequential scans. The statement is compiled at run time, so it is the one EXPLAIN built here.
 */

/** How one sample filter would run. */
export interface FilterPlan {
  filter: unknown;
  /**
   * True when the plan reads storage_records (or a partition) without an index condition: a Seq Scan,
   * or an index walked only for ORDER BY while a Filter discards the rows that do not match (as costly).
   */
  sequentialScan: boolean;
  indexes: string[];
  /** Scanned relations by node: "Seq Scan on storage_records_p20250101", "Index Scan using ...". */
  nodes: string[];
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Filter?: string;
  Plans?: PlanNode[];
}

function planNodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(planNodes)];
}

/** `filter` restricted to live rows, as list() runs it. */
function liveFilter(filter: unknown, now: number): FilterNode {
  const live: FilterNode = {
    op: 'or',
    nodes: [
      { op: 'eq', field: { kind: 'time', column: 'expires_at' }, value: null },
      { op: 'cmp', field: { kind: 'time', column: 'expires_at' }, cmp: 'gt', value: now },
    ],
  };
  return { op: 'and', nodes: [parseFilter(filter as Parameters<typeof parseFilter>[0]), live] };
}

/** EXPLAINs `filter` as list() runs it (newest first, limit 100) and reads the plan's scans. */
export async function explainFilter(
  client: SqlClient,
  filter: unknown,
  now: number,
  declared?: DeclaredPaths,
): Promise<FilterPlan> {
  const query = buildListQuery(
    liveFilter(filter, now),
    { orderBy: [{ field: 'created_at', direction: 'desc' }], limit: 100, offset: 0 },
    declared ? { declared } : {},
  );
  const explained = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
    `EXPLAIN (FORMAT JSON) ${query.text}`,
    query.values,
  );
  const nodes = planNodes(explained.rows[0]!['QUERY PLAN'][0].Plan);
  const scans = nodes.filter((n) => n['Relation Name'] !== undefined || n['Index Name'] !== undefined);
  return {
    filter,
    sequentialScan: scans.some(
      (n) =>
        n['Node Type'] === 'Seq Scan' ||
        (n['Node Type'] === 'Index Scan' && n['Index Cond'] === undefined && n.Filter !== undefined),
    ),
    indexes: [...new Set(scans.flatMap((n) => (n['Index Name'] ? [n['Index Name']] : [])))],
    nodes: scans.map((n) =>
      n['Index Name']
        ? `${n['Node Type']} using ${n['Index Name']}`
        : `${n['Node Type']} on ${n['Relation Name']}`,
    ),
  };
}
