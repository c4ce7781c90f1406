import { registerSQLiteFunctions } from '@recordstore/sqlite';
import Database from 'better-sqlite3';
import pg from 'pg';

/** What the database does for one list query, as the bench reports it. */
export interface PlanReport {
  /** True when an index serves the filter condition itself (not only the order). */
  indexServed: boolean;
  /** One line: the scan nodes on the records table. */
  summary: string;
}

/** A statement some code sent, as captured. */
export interface CapturedQuery {
  text: string;
  values: unknown[];
  /** Named (prepared) statements get a generic plan after five runs, which EXPLAIN does not show. */
  named: boolean;
}

/**
 * Records the statements `pg` sends while `fn` runs, by wrapping `Client.prototype.query`: the way to see
 * the SQL a library (recordstore included) generates without changing it. The same `pg` module instance
 * is shared by the bench and the backends (one pnpm store entry).
 */
export async function capturePg(fn: () => Promise<unknown>): Promise<CapturedQuery[]> {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  const captured: CapturedQuery[] = [];
  proto.query = function (this: unknown, ...args: unknown[]) {
    const [first, second] = args;
    if (typeof first === 'string')
      captured.push({ text: first, values: Array.isArray(second) ? second : [], named: false });
    else if (first && typeof first === 'object' && typeof (first as { text?: unknown }).text === 'string') {
      const q = first as { text: string; values?: unknown[]; name?: string };
      captured.push({
        text: q.text,
        values: q.values ?? (Array.isArray(second) ? second : []),
        named: Boolean(q.name),
      });
    }
    return original.apply(this, args);
  };
  try {
    await fn();
  } finally {
    proto.query = original;
  }
  return captured;
}

type PgPlanNode = Record<string, unknown> & { Plans?: PgPlanNode[] };

/** EXPLAINs a captured SELECT on the records table with its values (the plan PostgreSQL picks for them). */
export async function explainPg(url: string, queries: CapturedQuery[], table: string): Promise<PlanReport> {
  const query = queries.find((q) => /^\s*(WITH|SELECT)\b/i.test(q.text) && q.text.includes(table));
  if (!query) return { indexServed: false, summary: `no SELECT on ${table} captured` };
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query(`EXPLAIN (FORMAT JSON) ${query.text}`, query.values);
    const plan = (result.rows[0]['QUERY PLAN'] as { Plan: PgPlanNode }[])[0]!.Plan;
    const scans: string[] = [];
    let served = false;
    let seq = false;
    const walk = (node: PgPlanNode) => {
      const type = String(node['Node Type']);
      if (type.includes('Scan')) {
        const index = node['Index Name'] ? ` using ${node['Index Name']}` : '';
        const cond = node['Index Cond'] ? ' [index cond]' : '';
        const filter = node.Filter ? ' [filter]' : '';
        const dir = node['Scan Direction'] === 'Backward' ? ' backward' : '';
        scans.push(`${type}${dir}${index}${cond}${filter}`);
        if (type === 'Seq Scan') seq = true;
        if (type === 'Bitmap Index Scan' || (type.startsWith('Index') && node['Index Cond'])) served = true;
      }
      for (const child of node.Plans ?? []) walk(child);
    };
    walk(plan);
    const named = query.named ? ' (named statement: generic plan after 5 runs may differ)' : '';
    return { indexServed: served && !seq, summary: scans.join(' > ') + named };
  } finally {
    await client.end();
  }
}

/** Records the SQL better-sqlite3 runs while `fn` runs (`Statement.prototype.all/iterate/get`). */
export async function captureSqlite(fn: () => Promise<unknown>): Promise<CapturedQuery[]> {
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<
    string,
    (...a: unknown[]) => unknown
  >;
  probe.close();
  const captured: CapturedQuery[] = [];
  const originals: Record<string, (...a: unknown[]) => unknown> = {};
  for (const method of ['all', 'iterate', 'get']) {
    const original = proto[method]!;
    originals[method] = original;
    proto[method] = function (this: { source: string }, ...args: unknown[]) {
      captured.push({ text: this.source, values: args, named: true });
      return original.apply(this, args);
    };
  }
  try {
    await fn();
  } finally {
    Object.assign(proto, originals);
  }
  return captured;
}

/** EXPLAIN QUERY PLAN of a captured SELECT on the records table. */
export function explainSqlite(path: string, queries: CapturedQuery[], table: string): PlanReport {
  const query = queries.find((q) => /^\s*(WITH|SELECT)\b/i.test(q.text) && q.text.includes(table));
  if (!query) return { indexServed: false, summary: `no SELECT on ${table} captured` };
  const db = new Database(path, { readonly: true });
  try {
    // recordstore's own SQL functions: its filters call them, and so do the expression indexes of its
    // declared paths. SQLite matches an expression index only through deterministic functions (a
    // non-deterministic one in an index makes it report "malformed database schema"), so the real
    // ones, registered as the store registers them, give the plan the store gets.
    registerSQLiteFunctions(db);
    let statement: Database.Statement | undefined;
    // Another backend may register SQL functions of its own; planning needs them to exist, not to
    // work, so deterministic stubs are registered as they are found missing.
    for (let attempt = 0; !statement; attempt++) {
      try {
        statement = db.prepare(`EXPLAIN QUERY PLAN ${query.text}`);
      } catch (error) {
        const missing = /no such function: (\w+)/.exec((error as Error).message)?.[1];
        if (!missing || attempt > 10) throw error;
        db.function(missing, { varargs: true, deterministic: true }, () => null);
      }
    }
    const rows = statement.all(...(query.values as unknown[])) as { detail: string }[];
    const details = rows.map((r) => r.detail);
    // SEARCH ... USING INDEX x (col=?) means the index serves the condition; SCAN ... USING INDEX only
    // walks the index for its order and filters every row.
    const served = details.some((d) => /^SEARCH .*USING (COVERING )?INDEX/.test(d) && !/PRIMARY KEY/.test(d));
    return { indexServed: served, summary: details.join('; ') };
  } finally {
    db.close();
  }
}
