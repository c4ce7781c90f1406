import pg from 'pg';
import { PG_TABLE, withClient } from '../contenders/postgres.js';
import { connectBackend, RecordstoreContender } from '../contenders/recordstore.js';
import type { ListQuery } from '../contenders/types.js';
import { switchToDurable } from '../postgres-server.js';
import { RecordFactory, ROWS_PER_SESSION } from '../records.js';
import type { SectionInfo } from '../report.js';
import { nowMs, type Samples } from '../stats.js';
import { bulkWorkloads } from '../workloads/bulk-workloads.js';
import { postgresTarget } from '../workloads/family-targets.js';
import { LIST_LABELS, listQueries } from '../workloads/list-workloads.js';
import { gc, roundOrder, samplesFor } from '../workloads/measure.js';
import { pointWorkloads } from '../workloads/point-workloads.js';
import { rowsFrom } from '../workloads/result-rows.js';
import type { RunContext } from '../workloads/run-context.js';
import { sectionContext } from './section-context.js';

const SINGLE = 'recordstore-single-node';
/** The distributed stores: Citus' default shard count, and the few shards docs/scaling.md advises here. */
const DISTRIBUTED = [
  { name: 'recordstore-citus-32-shards', config: { distributed: 'citus' } },
  { name: 'recordstore-citus-4-shards', config: { distributed: 'citus', shard_count: 4 } },
] as const;

/** The shape of `provisionPostgres` of `@recordstore/testkit/postgres` that this section uses. */
interface CitusServer {
  url: string;
  serverVersion: string;
  createDatabase(options?: { name?: string }): Promise<string>;
  stop(): Promise<void>;
  citus?: { version: string; workerUrls: string[] };
}
interface Testkit {
  citusUnavailableReason(): Promise<string | undefined>;
  provisionPostgres(options: {
    citus: { workers: number };
    log?: (line: string) => void;
  }): Promise<CitusServer>;
}

function sectionInfo(extra: string[]): SectionInfo {
  return {
    title: 'Citus: recordstore distributed (coordinator + 2 workers) vs a single node',
    notes: [
      'A throwaway Citus cluster on this machine (`@recordstore/testkit/postgres`, coordinator and 2 workers, ' +
        'durable settings as in the PostgreSQL table). `recordstore-citus-32-shards`: a PostgreSQL store with ' +
        '`distributed: citus` (storage_records hash-distributed by id; Citus’ default of 32 shards); ' +
        '`recordstore-citus-4-shards`: the same with `shard_count: 4` (a few shards per worker core). ' +
        '`recordstore-single-node`: the same store without `distributed`, in another database of the ' +
        'coordinator (same binaries, settings and machine). All with a pool of 16, interleaved in rounds.',
      '`ratio` = distributed ÷ single node (throughput ÷ throughput, or single-node p95 ÷ p95 for ms rows; ' +
        'higher is better). All nodes share these cores, so this is the cost of the distribution layer, not ' +
        'the scale-out a multi-machine cluster gives. Bulk upserts are capped (5,000 records; 2,000 quick): ' +
        'on the default shard count they run at a few hundred records a second here.',
      ...extra,
    ],
  };
}

/**
 * Point operations, bulk upsert, filtered lists (data equality, session_id) and a stream of the whole
 * table on a Citus-distributed recordstore store and on a single-node one. Skipped with the reason, never
 * failing the run, when Citus is not installed or the cluster does not start.
 */
export async function citusSection(ctx: RunContext, sections: Record<string, SectionInfo>): Promise<void> {
  const testkit = (await import('@recordstore/testkit/postgres')) as unknown as Testkit;
  const skip = (why: string) => {
    ctx.log(`citus: section skipped: ${why}`);
    sections.citus = sectionInfo([`**Skipped:** ${why}`]);
    ctx.flush();
  };
  if (ctx.options.quick && ctx.options.only.length === 0) {
    // Its cluster alone takes 15 to 25 s to start: a smoke run of everything stays short without it.
    return skip('not part of `--quick` without `--only`; run `pnpm bench -- --quick --only citus`');
  }
  const missing = await testkit.citusUnavailableReason();
  if (missing !== undefined) return skip(missing);
  let server: CitusServer;
  try {
    server = await testkit.provisionPostgres({ citus: { workers: 2 }, log: (l) => ctx.log(l) });
  } catch (error) {
    return skip(`the Citus cluster did not start: ${(error as Error).message.split('\n')[0]}`);
  }
  try {
    const nodes = [server.url, ...(server.citus?.workerUrls ?? [])];
    for (const url of nodes) await durable(url);
    const facts = `Citus ${server.citus?.version} on PostgreSQL ${server.serverVersion}, ${nodes.length - 1} workers.`;
    const sub = sectionContext(
      ctx,
      {
        id: 'citus',
        info: sectionInfo([facts]),
        references: [SINGLE],
        sizes: {
          bulkRecords: Math.min(ctx.options.sizes.bulkRecords, ctx.options.quick ? 2_000 : 5_000),
          // Three contenders, one of them at a few hundred operations a second: a smoke run stays short.
          ...(ctx.options.quick ? { pointRounds: 3 } : {}),
        },
      },
      sections,
    );
    await measure(sub, server);
  } finally {
    await server.stop();
  }
}

/** Switches a node to the durable settings the rest of the bench uses (the testkit turns them off). */
function durable(url: string): Promise<void> {
  return withClient(url, switchToDurable);
}

async function open(
  name: string,
  url: string,
  extra: Record<string, unknown>,
): Promise<RecordstoreContender> {
  const backend = await connectBackend('postgres', url, extra);
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  return new RecordstoreContender(name, 'postgres', backend, {
    truncate: async () => {
      await admin.query(`TRUNCATE ${PG_TABLE}`);
    },
    release: () => admin.end(),
  });
}

async function measure(ctx: RunContext, server: CitusServer): Promise<void> {
  const target = postgresTarget((name) => server.createDatabase({ name }));
  const urls = [await target.fresh('bench_citus_single')];
  const contenders = [await open(SINGLE, urls[0]!, {})];
  for (const [i, d] of DISTRIBUTED.entries()) {
    urls.push(await target.fresh(`bench_citus_distributed_${i}`));
    contenders.push(await open(d.name, urls.at(-1)!, d.config));
  }
  try {
    await pointWorkloads(ctx, 'postgres', contenders, SINGLE);
    await bulkWorkloads(ctx, 'postgres', contenders, SINGLE, () => target.settle());
    const s = ctx.options.sizes;
    const sessions = Math.max(1, Math.floor(s.citusListRows / ROWS_PER_SESSION));
    const factory = new RecordFactory(ctx.options.seed + 3);
    const records = factory.many('citus-list', s.citusListRows, { sessions });
    for (const [i, c] of contenders.entries()) {
      const url = urls[i]!;
      await c.truncate();
      const t0 = nowMs();
      await target.load(url, records);
      await target.analyze(url);
      ctx.log(`${c.name}: loaded ${records.length} rows in ${((nowMs() - t0) / 1000).toFixed(1)} s`);
    }
    await listAndStream(ctx, contenders, sessions);
  } finally {
    for (const c of contenders) await c.close();
  }
  ctx.flush();
}

/** Filtered lists (data equality, session_id; limit 100, newest first) and a whole-table stream. */
async function listAndStream(ctx: RunContext, contenders: RecordstoreContender[], sessions: number) {
  const s = ctx.options.sizes;
  const samples = new Map<string, Map<string, Samples>>();
  const kinds: ListQuery['kind'][] = ['eq-data', 'session'];
  for (const kind of kinds) {
    const probe = listQueries(kind, 1, ctx.options.seed + 99, sessions)[0]!;
    const ids = await Promise.all(
      contenders.map(async (c) => ((await c.list(probe)) as { id: string }[]).map((r) => r.id).join()),
    );
    for (const [i, c] of contenders.entries()) {
      if (ids[i] !== ids[0])
        samplesFor(samples, LIST_LABELS[kind], c.name).extra.notes = 'RESULT DIFFERS FROM SINGLE NODE';
    }
  }
  for (let round = 0; round < s.listRounds; round++) {
    for (const kind of kinds) {
      const queries = listQueries(
        kind,
        s.listQueries,
        ctx.options.seed + 10 * round + kinds.indexOf(kind),
        sessions,
      );
      for (const c of roundOrder(contenders, round)) {
        gc();
        const sample = samplesFor(samples, LIST_LABELS[kind], c.name);
        for (const q of queries) {
          const t0 = nowMs();
          await c.list(q);
          sample.latencies.push(nowMs() - t0);
        }
      }
    }
    ctx.log(`list round ${round + 1}/${s.listRounds} done`);
  }
  for (const kind of kinds) {
    ctx.rows.push(...rowsFrom(LIST_LABELS[kind], 'postgres', samples.get(LIST_LABELS[kind])!, 'ms', SINGLE));
  }
  const label = `stream all ${s.citusListRows.toLocaleString('en-US')} rows`;
  for (let round = 0; round < (ctx.options.quick ? 1 : 2); round++) {
    for (const c of roundOrder(contenders, round)) {
      gc();
      const t0 = nowMs();
      const count = await c.stream(() => {});
      const elapsed = nowMs() - t0;
      if (count !== s.citusListRows)
        throw new Error(`${c.name}: streamed ${count} rows of ${s.citusListRows}`);
      const sample = samplesFor(samples, label, c.name);
      sample.perRound.push((count / elapsed) * 1000);
      sample.extra.notes = 'in the bench process (rows/s only; the PostgreSQL table measures memory)';
    }
  }
  ctx.rows.push(...rowsFrom(label, 'postgres', samples.get(label)!, 'rows/s', SINGLE));
  ctx.flush();
}
