import type { ContenderName } from '../contenders/index.js';
import type { Contender } from '../contenders/types.js';
import { RecordFactory, ROWS_PER_SESSION } from '../records.js';
import type { ResultRow } from '../report.js';
import { latencySummary, nowMs, Samples } from '../stats.js';
import { gc } from './measure.js';
import { unsupportedRow } from './result-rows.js';
import type { ContenderSupport, FamilyTarget, Opener, RunContext } from './run-context.js';

/** One contender's cleanup: wall time and facts in `sample`, the writer's latencies during it. */
interface CleanupMeasure {
  sample: Samples;
  during: number[];
}

/**
 * TTL cleanup of `ttlExpiredRows` expired rows (plus 10% live ones) while a writer saves records one at a
 * time: the writer's p99 before the cleanup is compared with its p99 during it.
 */
export async function ttlWorkload(
  ctx: RunContext,
  target: FamilyTarget,
  names: ContenderName[],
  open: Opener,
  rawName: string,
  all: ContenderSupport[],
): Promise<void> {
  const s = ctx.options.sizes;
  const family = target.family;
  const label = `TTL cleanup of ${s.ttlExpiredRows.toLocaleString('en-US')} expired rows + writer`;
  const byContender = new Map<string, CleanupMeasure>();
  for (const name of names) {
    const url = await target.fresh(`bench_ttl_${name.replace(/[^a-z0-9]/g, '_')}`);
    const c = await open(name, url);
    await loadExpiredRows(ctx, target, url);
    const measure = await cleanupUnderWriter(ctx, c);
    byContender.set(name, measure);
    ctx.log(`${family}: ttl ${name}: ${measure.sample.extra.notes}`);
  }
  // Row: median = cleanup wall time (ms); p50/p95/p99 = the writer's latencies during the cleanup;
  // ratio = raw cleanup time ÷ this cleanup time.
  const raw = byContender.get(rawName)?.sample;
  for (const [name, { sample, during }] of byContender) {
    const summary = latencySummary(during);
    const inflation = Number(sample.extra.p99_inflation);
    const row: ResultRow = {
      workload: label,
      family,
      contender: name,
      unit: 'ms (cleanup)',
      median: sample.perRound[0]!,
      p50_ms: summary.p50,
      p95_ms: summary.p95,
      p99_ms: summary.p99,
      ratio_to_raw: raw ? raw.perRound[0]! / sample.perRound[0]! : null,
      supported: true,
      notes: String(sample.extra.notes),
      extra: { ...sample.extra, notes: undefined },
    };
    if (name.startsWith('recordstore')) {
      row.target = "writer's p99 during cleanup ≤ 2× before";
      row.target_met = inflation <= 2;
    }
    ctx.rows.push(row);
  }
  for (const c of all) if (c.unsupported.ttl) ctx.rows.push(unsupportedRow(label, c, c.unsupported.ttl));
  ctx.flush();
}

/** Fills a fresh table with `ttlExpiredRows` rows that expired an hour ago, plus 10% live ones. */
async function loadExpiredRows(ctx: RunContext, target: FamilyTarget, url: string): Promise<void> {
  const s = ctx.options.sizes;
  const factory = new RecordFactory(ctx.options.seed + 4);
  const expiredAt = Date.now() - 3_600_000;
  const sessions = Math.max(1, s.ttlExpiredRows / ROWS_PER_SESSION);
  for (let done = 0; done < s.ttlExpiredRows; done += 50_000) {
    const n = Math.min(50_000, s.ttlExpiredRows - done);
    await target.load(url, factory.many('exp', n, { expiresAt: expiredAt, sessions }));
    await target.load(url, factory.many('live', Math.ceil(n / 10), { sessions }));
  }
  await target.analyze(url);
}

/** Times the writer alone, then during the contender's cleanup; closes the contender. */
async function cleanupUnderWriter(ctx: RunContext, c: Contender): Promise<CleanupMeasure> {
  const s = ctx.options.sizes;
  const writer = new RecordFactory(ctx.options.seed + 5);
  for (let i = 0; i < 50; i++) await c.save(writer.make('warm'));
  gc();
  const before: number[] = [];
  for (let i = 0; i < s.ttlBaselineOps; i++) {
    const record = writer.make('w');
    const t0 = nowMs();
    await c.save(record);
    before.push(nowMs() - t0);
  }
  const during: number[] = [];
  let done = false;
  const c0 = nowMs();
  const cleanup = c.cleanupExpired!().then((n) => {
    done = true;
    return n;
  });
  while (!done) {
    const record = writer.make('w');
    const t0 = nowMs();
    await c.save(record);
    during.push(nowMs() - t0);
    // A synchronous driver resolves in a microtask: without a real turn of the event loop the cleanup
    // (which yields with setImmediate between batches) would never run again. Not timed.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const deleted = await cleanup;
  const cleanupMs = nowMs() - c0;
  await c.close();
  const beforeP99 = latencySummary(before).p99;
  const duringP99 = latencySummary(during).p99;
  const sample = new Samples();
  sample.latencies.push(cleanupMs);
  sample.perRound.push(cleanupMs);
  sample.extra.writer_p99_before_ms = beforeP99;
  sample.extra.writer_p99_during_ms = duringP99;
  sample.extra.writer_ops_during = during.length;
  sample.extra.deleted = deleted;
  sample.extra.p99_inflation = duringP99 / beforeP99;
  sample.extra.notes = `cleanup ${Math.round(cleanupMs)} ms, deleted ${deleted.toLocaleString('en-US')}; writer p99 ${beforeP99.toFixed(2)} → ${duringP99.toFixed(2)} ms (${(duringP99 / beforeP99).toFixed(2)}×, ${during.length} saves during)${deleted === s.ttlExpiredRows ? '' : `; EXPECTED ${s.ttlExpiredRows} DELETED`}`;
  return { sample, during };
}
