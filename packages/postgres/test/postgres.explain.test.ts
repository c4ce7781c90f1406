import { type FilterNode, parseFilter } from '@recordstore/core';
import { describe, expect, it } from 'vitest';
import { buildListQuery } from '../src/index.js';
import { backendOn, observingQueries, useSuiteDatabase } from './helpers.js';

const db = useSuiteDatabase();
const ROWS = 50_000;
const NOW = Date.UTC(2030, 0, 1);

// What the base backend adds to every filter: live rows only.
function liveFilter(filter: Record<string, unknown>): FilterNode {
  return {
    op: 'and',
    nodes: [
      parseFilter(filter),
      {
        op: 'or',
        nodes: [
          { op: 'eq', field: { kind: 'time', column: 'expires_at' }, value: null },
          { op: 'cmp', field: { kind: 'time', column: 'expires_at' }, cmp: 'gt', value: NOW },
        ],
      },
    ],
  };
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  Output?: string[];
  Plans?: PlanNode[];
}

function planNodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(planNodes)];
}

/** EXPLAINs exactly what listRows sends: the compiled SQL with the same values, as an unnamed statement. */
async function explain(filter: Record<string, unknown>, verbose = false): Promise<PlanNode[]> {
  const query = buildListQuery(
    liveFilter(filter),
    { orderBy: [{ field: 'created_at', direction: 'desc' }], limit: 100, offset: 0 },
    { projectAfterLimit: true },
  );
  const result = await db.sql<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
    `EXPLAIN (FORMAT JSON${verbose ? ', VERBOSE' : ''}) ${query.text}`,
    query.values,
  );
  return planNodes(result.rows[0]!['QUERY PLAN'][0].Plan);
}

describe('postgresql query plans on 50,000 rows', () => {
  it('seeds with one statement and analyzes', async () => {
    // One generate_series statement: 5,000 distinct users, sessions, threads and 2,000 types.
    await db.sql(
      `INSERT INTO storage_records (id, data, created_at, updated_at, type, session_id, thread_id)
       SELECT 'r' || g,
              jsonb_build_object('user', 'u' || (g % 5000), 'n', g, 'tag', 't' || (g % 10), 'text', repeat('x', 200)),
              to_timestamp(1700000000 + g), to_timestamp(1700000000 + g),
              'type' || (g % 2000), 's' || (g % 5000), 'th' || (g % 5000)
       FROM generate_series(1, $1::int) g`,
      [ROWS],
    );
    await db.sql('ANALYZE storage_records');
    const count = await db.sql<{ n: string }>('SELECT count(*) AS n FROM storage_records');
    expect(Number(count.rows[0]!.n)).toBe(ROWS);
  });

  it('a selective equality on a data field uses the GIN index (Bitmap Index Scan)', async () => {
    const nodes = await explain({ user: 'u42' });
    expect(nodes).toContainEqual(
      expect.objectContaining({
        'Node Type': 'Bitmap Index Scan',
        'Index Name': 'storage_records_data_gin_idx',
      }),
    );
  });

  it('a limited list computes its returned columns only for the rows the limit keeps', async () => {
    // 5,000 rows have this tag; the limit keeps 100. Only the node above the limit converts times.
    const nodes = await explain({ tag: 't3' }, true);
    const converts = (n: PlanNode) => (n.Output ?? []).some((o) => /extract/i.test(o));
    expect(nodes.map((n) => n['Node Type'])).toContain('Limit');
    expect(nodes[0]!['Node Type']).toBe('Subquery Scan');
    expect(converts(nodes[0]!)).toBe(true);
    expect(nodes.slice(1).filter(converts)).toEqual([]);
  });

  it('a store sends its limited lists that way', async () => {
    const store = backendOn(db.url);
    await store.connect();
    const texts: string[] = [];
    const observe = (args: unknown[]) => {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text;
      if (text?.includes('ORDER BY')) texts.push(text);
    };
    try {
      await observingQueries(observe, () => store.list({ tag: 't3' }, { limit: 5 }));
    } finally {
      await store.close();
    }
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatch(
      /^SELECT .* FROM \(SELECT \* FROM storage_records WHERE .* LIMIT \$\d+::bigint\) AS kept ORDER BY/,
    );
  });

  it('a nested equality on data fields uses the GIN index too', async () => {
    const nodes = await explain({ user: 'u42', n: 42 });
    expect(nodes.map((n) => n['Index Name'])).toContain('storage_records_data_gin_idx');
  });

  it.each([
    ['session_id', 's42', 'storage_records_session_id_created_at_idx'],
    ['thread_id', 'th42', 'storage_records_thread_id_created_at_idx'],
    ['type', 'type42', 'storage_records_type_created_at_idx'],
  ])('a %s filter uses its (column, created_at) index', async (column, value, index) => {
    const nodes = await explain({ [column]: value });
    expect(nodes.map((n) => n['Index Name'])).toContain(index);
  });

  it('a stream page (keyset after the last row) walks the created_at index without a sort', async () => {
    // The page condition the base backend's stream() sends after its first batch.
    const createdAt = { kind: 'time', column: 'created_at' } as const;
    const last = { created_at: Date.UTC(2023, 10, 14), id: 'r25000' };
    const page: FilterNode = {
      op: 'and',
      nodes: [
        liveFilter({}),
        { op: 'cmp', field: createdAt, cmp: 'lte', value: last.created_at },
        {
          op: 'or',
          nodes: [
            { op: 'cmp', field: createdAt, cmp: 'lt', value: last.created_at },
            {
              op: 'and',
              nodes: [
                { op: 'eq', field: createdAt, value: last.created_at },
                { op: 'cmp', field: { kind: 'string', column: 'id' }, cmp: 'lt', value: last.id },
              ],
            },
          ],
        },
      ],
    };
    const query = buildListQuery(page, {
      orderBy: [{ field: 'created_at', direction: 'desc' }],
      limit: 1000,
      offset: 0,
    });
    const result = await db.sql<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `EXPLAIN (FORMAT JSON) ${query.text}`,
      query.values,
    );
    const nodes = planNodes(result.rows[0]!['QUERY PLAN'][0].Plan);
    expect(nodes.map((n) => n['Index Name'])).toContain('storage_records_created_at_idx');
    expect(nodes.map((n) => n['Node Type'])).not.toContain('Seq Scan');
    // Rows come out of the index in order: no sort of everything older than the cursor.
    expect(nodes.map((n) => n['Node Type'])).not.toContain('Sort');
  });
});
