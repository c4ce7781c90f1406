import type { ContenderName } from '../contenders/index.js';
import { PG_TABLE, withClient } from '../contenders/postgres.js';
import { openRecordstorePostgres, openRecordstoreSqlite } from '../contenders/recordstore.js';
import { createRawSqliteListIndexes } from '../contenders/sqlite.js';
import type { Contender, Family, ListQuery } from '../contenders/types.js';
import { capturePg, captureSqlite, explainPg, explainSqlite, type PlanReport } from '../plans.js';
import { RecordFactory, ROWS_PER_SESSION, rng, USERS } from '../records.js';
import { nowMs, type Samples } from '../stats.js';
import { roundOrder, samplesFor } from './measure.js';
import { rowsFrom, unsupportedRow } from './result-rows.js';
import type { ContenderSupport, FamilyTarget, Opener, RunContext } from './run-context.js';
import { streamWorkload } from './stream-workload.js';

export const LIST_LABELS: Record<ListQuery['kind'], string> = {
  'eq-data': 'list: data.user_id = x (0.1%)',
  'range-path': 'list: 2000 ≤ data.tokens < 2004 (typed range, 0.1%)',
  session: 'list: session_id = x',
};

const KINDS: ListQuery['kind'][] = ['eq-data', 'range-path', 'session'];

/** A declared path index as a recordstore config lists it. */
interface DeclaredIndex {
  path: string;
  type: 'text' | 'numeric';
}

/**
 * The declared path indexes recordstore opens the shared list table with, per family: the data paths
 * the list queries filter on. SQLite has no index on data fields but declared ones, so both paths are
 * declared. PostgreSQL serves data equality with its GIN index on `data` (its declared indexes serve
 * ranges), so only `tokens` is declared there. The raw contenders get their own hand-written index for
 * each declared path ({@link openListContender}).
 */
export const LIST_INDEXES: Record<Family, readonly DeclaredIndex[]> = {
  sqlite: [
    { path: 'user_id', type: 'text' },
    { path: 'tokens', type: 'numeric' },
  ],
  postgres: [{ path: 'tokens', type: 'numeric' }],
};

/** The data path each list query kind filters on (the session filter is on a column). */
const KIND_PATH: Partial<Record<ListQuery['kind'], string>> = {
  'eq-data': 'user_id',
  'range-path': 'tokens',
};

/**
 * The raw PostgreSQL contender's hand-written index for its range SQL (`data->'tokens' >= $2::jsonb`):
 * the expression its query uses, with `created_at` after it like recordstore's declared index.
 */
const RAW_PG_LIST_INDEXES = [
  `CREATE INDEX IF NOT EXISTS raw_tokens_idx ON ${PG_TABLE} ((data->'tokens'), created_at)`,
] as const;

/**
 * Opens a contender on the shared list table: recordstore with {@link LIST_INDEXES} declared, the raw
 * contenders with their own equivalent indexes for their own SQL (best practice on both sides), the
 * others as `open` does.
 */
async function openListContender(name: ContenderName, target: string, open: Opener): Promise<Contender> {
  switch (name) {
    case 'recordstore-sqlite':
      return openRecordstoreSqlite(target, { indexes: LIST_INDEXES.sqlite });
    case 'recordstore-postgres':
      return openRecordstorePostgres(target, { indexes: LIST_INDEXES.postgres });
    case 'raw-better-sqlite3': {
      const contender = await open(name, target);
      await createRawSqliteListIndexes(target);
      return contender;
    }
    case 'raw-pg': {
      const contender = await open(name, target);
      await withClient(target, async (client) => {
        for (const ddl of RAW_PG_LIST_INDEXES) await client.query(ddl);
      });
      return contender;
    }
    default:
      return open(name, target);
  }
}

/** `count` queries of one kind, drawn from `seed`, so every contender answers the same ones (also used by the Citus section). */
export function listQueries(
  kind: ListQuery['kind'],
  count: number,
  seed: number,
  sessions: number,
): ListQuery[] {
  const random = rng(seed);
  return Array.from({ length: count }, (): ListQuery => {
    if (kind === 'eq-data')
      return { kind, userId: `user-${String(Math.floor(random() * USERS)).padStart(4, '0')}` };
    if (kind === 'session')
      return { kind, sessionId: `sess-${String(Math.floor(random() * sessions)).padStart(6, '0')}` };
    const gte = 1 + Math.floor(random() * 3996);
    return { kind, gte, lt: gte + 4 };
  });
}

/**
 * Filtered lists (limit 100, newest first) and streams on one shared table of `listRows` rows: the raw
 * and recordstore contenders read the same data, each with its own indexes on the filtered data paths
 * ({@link LIST_INDEXES}). Plans are EXPLAINed from the SQL each one really sent.
 */
export async function listAndStreamWorkloads(
  ctx: RunContext,
  target: FamilyTarget,
  names: ContenderName[],
  open: Opener,
  rawName: string,
  all: ContenderSupport[],
): Promise<void> {
  const s = ctx.options.sizes;
  const family = target.family;
  const wantList =
    ctx.options.only.length === 0 ||
    ctx.options.only.some((p) => 'list'.startsWith(p) || p.startsWith('list'));
  const wantStream = ctx.options.only.length === 0 || ctx.options.only.some((p) => p.startsWith('stream'));
  const url = await target.fresh('bench_list');
  // recordstore first, so its own migrations create the table the raw contender then finds.
  const ordered = [...names].sort((a, b) => Number(a.startsWith('raw')) - Number(b.startsWith('raw')));
  const contenders: Contender[] = [];
  for (const name of ordered) contenders.push(await openListContender(name, url, open));
  const sessions = Math.max(1, Math.floor(s.listRows / ROWS_PER_SESSION));
  const factory = new RecordFactory(ctx.options.seed + 3);
  const t0 = nowMs();
  for (let done = 0; done < s.listRows; done += 50_000) {
    await target.load(url, factory.many('list', Math.min(50_000, s.listRows - done), { sessions }));
  }
  await target.analyze(url);
  ctx.log(
    `${family}: loaded ${s.listRows.toLocaleString('en-US')} rows in ${((nowMs() - t0) / 1000).toFixed(1)} s`,
  );
  contenders.sort((a, b) => names.indexOf(a.name as ContenderName) - names.indexOf(b.name as ContenderName));

  if (wantList) await listWorkload(ctx, family, url, contenders, sessions, rawName, all);

  for (const c of contenders) await c.close();
  if (wantStream)
    await streamWorkload(
      ctx,
      family,
      names.filter((n) => contenders.some((c) => c.name === n)),
      url,
      rawName,
      all,
    );
}

/** The three filters on the shared table at `url`: plans and result checks first, then timed rounds. */
async function listWorkload(
  ctx: RunContext,
  family: Family,
  url: string,
  contenders: Contender[],
  sessions: number,
  rawName: string,
  all: ContenderSupport[],
): Promise<void> {
  const s = ctx.options.sizes;
  const samples = new Map<string, Map<string, Samples>>();
  const plans = await explainEach(ctx, family, url, contenders, sessions, samples);
  for (let round = 0; round < s.listRounds; round++) {
    for (const kind of KINDS) {
      const queries = listQueries(
        kind,
        s.listQueries,
        ctx.options.seed + 10 * round + KINDS.indexOf(kind),
        sessions,
      );
      // No forced collection before a contender's queries: a full GC slows the work right after it (the
      // point workloads measured half the throughput in the slice after one), and of 20 queries per
      // group the first one's latency would be what the p95 reports.
      for (const c of roundOrder(contenders, round)) {
        const sample = samplesFor(samples, LIST_LABELS[kind], c.name);
        for (const q of queries) {
          const q0 = nowMs();
          await c.list!(q);
          sample.latencies.push(nowMs() - q0);
        }
      }
    }
    ctx.log(`${family}: list round ${round + 1}/${s.listRounds} done`);
  }
  for (const kind of KINDS) {
    const label = LIST_LABELS[kind];
    const listTarget = (name: string, ratio: number | null) => {
      if (!name.startsWith('recordstore')) return undefined;
      const plan = plans.get(`${label}|${name}`);
      const fast = ratio !== null && ratio >= 1 / 1.2;
      // Equality on reserved columns and on data fields must be index-served (SQLite through its
      // declared path index, PostgreSQL through GIN); a range on a data path must be when the path is
      // declared (it is on both families, see LIST_INDEXES), else only its speed is a target.
      const path = KIND_PATH[kind];
      const declared = path !== undefined && LIST_INDEXES[family].some((d) => d.path === path);
      if (kind === 'range-path' && !declared)
        return { text: 'p95 within 1.2× raw (ratio ≥ 0.83)', met: fast };
      return {
        text: 'p95 within 1.2× raw (ratio ≥ 0.83), index-served',
        met: fast && Boolean(plan?.indexServed),
      };
    };
    ctx.rows.push(...rowsFrom(label, family, samples.get(label)!, 'ms', rawName, listTarget));
    for (const c of all) if (c.unsupported.list) ctx.rows.push(unsupportedRow(label, c, c.unsupported.list));
  }
  ctx.flush();
}

/**
 * Runs one probe query of each kind per contender, capturing the SQL it sent and EXPLAINing it, and
 * checks its result against the raw contender's. Notes land in `samples`; returns the plans by
 * `label|contender`.
 */
async function explainEach(
  ctx: RunContext,
  family: Family,
  url: string,
  contenders: Contender[],
  sessions: number,
  samples: Map<string, Map<string, Samples>>,
): Promise<Map<string, PlanReport>> {
  const plans = new Map<string, PlanReport>();
  for (const kind of KINDS) {
    const label = LIST_LABELS[kind];
    const probe = listQueries(kind, 1, ctx.options.seed + 99, sessions)[0]!;
    const reference = contenders.find((c) => c.raw);
    const expected = reference
      ? ((await reference.list!(probe)) as { id: string }[]).map((r) => r.id).join()
      : '';
    for (const c of contenders) {
      let resultIds = '';
      const run = async () => {
        resultIds = ((await c.list!(probe)) as { id: string }[]).map((r) => r.id).join();
      };
      const captured = family === 'postgres' ? await capturePg(run) : await captureSqlite(run);
      const plan =
        family === 'postgres'
          ? await explainPg(url, captured, 'storage_records')
          : explainSqlite(url, captured, 'storage_records');
      plans.set(`${label}|${c.name}`, plan);
      const sample = samplesFor(samples, label, c.name);
      sample.extra.plan = plan.summary;
      sample.extra.index_served = plan.indexServed;
      const same = resultIds === expected;
      sample.extra.same_result_as_raw = same;
      sample.extra.notes = `index-served: ${plan.indexServed ? 'yes' : 'no'} (${plan.summary})${same ? '' : '; RESULT DIFFERS FROM RAW'}`;
    }
  }
  return plans;
}
