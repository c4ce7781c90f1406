import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import type { ContenderName } from './contenders/index.js';
import { copyRecords } from './contenders/postgres.js';
import { insertRows, openRawSqlite } from './contenders/sqlite.js';
import type { Contender, Family, ListQuery, OptionalWork } from './contenders/types.js';
import type { BenchOptions } from './options.js';
import { capturePg, captureSqlite, explainPg, explainSqlite, type PlanReport } from './plans.js';
import { type AgentRecord, RecordFactory, ROWS_PER_SESSION, rng, USERS } from './records.js';
import type { ResultRow } from './report.js';
import { latencySummary, median, nowMs, Samples } from './stats.js';

/** What every workload needs from the run. */
export interface RunContext {
  options: BenchOptions;
  rows: ResultRow[];
  /** Writes the partial reports. */
  flush(): void;
  log(line: string): void;
}

/** Where a family's data lives: makes a fresh database (URL) or file (path) per name. */
export interface FamilyTarget {
  family: Family;
  fresh(name: string): Promise<string>;
  /** Loads records into the recordstore table at `target` as fast as the driver allows (COPY, transactions). */
  load(target: string, records: readonly AgentRecord[]): Promise<void>;
  /** Updates planner statistics after a load. */
  analyze(target: string): Promise<void>;
}

/** Opens a contender by name on a target; recordstore contenders are skipped with a reason when unbuilt. */
export type Opener = (name: ContenderName, target: string) => Promise<Contender>;

const gc = () => (globalThis as { gc?: () => void }).gc?.();

/** Rotates the order each round, so no contender always runs first (warm caches, checkpoints). */
function rotate<T>(items: readonly T[], round: number): T[] {
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/** Runs `n` operations on `concurrency` workers; returns per-operation latencies and wall time. */
async function timeOps(
  n: number,
  concurrency: number,
  op: (i: number) => Promise<unknown>,
): Promise<{ latencies: number[]; elapsedMs: number }> {
  const latencies = new Array<number>(n);
  let next = 0;
  const started = nowMs();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= n) return;
      const t0 = nowMs();
      await op(i);
      latencies[i] = nowMs() - t0;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return { latencies, elapsedMs: nowMs() - started };
}

function samplesFor(map: Map<string, Map<string, Samples>>, workload: string, contender: string): Samples {
  let byContender = map.get(workload);
  if (!byContender) {
    byContender = new Map();
    map.set(workload, byContender);
  }
  let s = byContender.get(contender);
  if (!s) {
    s = new Samples();
    byContender.set(contender, s);
  }
  return s;
}

function unsupportedRow(workload: string, c: { name: string; family: Family }, reason: string): ResultRow {
  return {
    workload,
    family: c.family,
    contender: c.name,
    unit: '',
    median: null,
    p50_ms: null,
    p95_ms: null,
    p99_ms: null,
    ratio_to_raw: null,
    supported: false,
    notes: reason,
  };
}

/** Turns samples into rows: throughput rows (higher is better) or latency rows (`unit` ms). */
function rowsFrom(
  workload: string,
  family: Family,
  byContender: Map<string, Samples>,
  unit: string,
  rawName: string,
  target?: (name: string, ratio: number | null, s: Samples) => { text: string; met: boolean } | undefined,
): ResultRow[] {
  const latency = unit === 'ms';
  const raw = byContender.get(rawName);
  const rawSummary = raw ? latencySummary(raw.latencies) : undefined;
  const rawMedian = raw ? median(raw.perRound) : Number.NaN;
  const out: ResultRow[] = [];
  for (const [name, s] of byContender) {
    const summary = s.latencies.length
      ? latencySummary(s.latencies)
      : { p50: Number.NaN, p95: Number.NaN, p99: Number.NaN };
    const med = latency ? median(s.latencies) : median(s.perRound);
    let ratio: number | null = null;
    if (raw && Number.isFinite(med)) {
      ratio = latency ? rawSummary!.p95 / summary.p95 : med / rawMedian;
      if (!Number.isFinite(ratio)) ratio = null;
    }
    const row: ResultRow = {
      workload,
      family,
      contender: name,
      unit,
      median: Number.isFinite(med) ? med : null,
      p50_ms: Number.isFinite(summary.p50) ? summary.p50 : null,
      p95_ms: Number.isFinite(summary.p95) ? summary.p95 : null,
      p99_ms: Number.isFinite(summary.p99) ? summary.p99 : null,
      ratio_to_raw: ratio,
      supported: true,
    };
    if (Object.keys(s.extra).length) {
      row.extra = { ...s.extra };
      if (typeof s.extra.notes === 'string') row.notes = s.extra.notes;
    }
    const t = target?.(name, ratio, s);
    if (t) {
      row.target = t.text;
      row.target_met = t.met;
    }
    out.push(row);
  }
  return out;
}

/** Recordstore point-operation targets of the issue, by family and operation. */
function pointTarget(family: Family, op: string) {
  return (name: string, ratio: number | null) => {
    if (!name.startsWith('recordstore')) return undefined;
    if (family === 'postgres') return { text: 'ratio ≥ 0.90 of raw pg', met: ratio !== null && ratio >= 0.9 };
    if (op === 'delete') return undefined;
    return { text: 'ratio ≥ 0.70 of raw better-sqlite3', met: ratio !== null && ratio >= 0.7 };
  };
}

/**
 * Sequential and 16-way concurrent save, load by id and delete, interleaved in rounds. Each contender has
 * its own table, preloaded with the same base rows; loads pick among them, deletes remove the round's saves.
 */
export async function pointWorkloads(
  ctx: RunContext,
  family: Family,
  contenders: Contender[],
  rawName: string,
) {
  const s = ctx.options.sizes;
  const factory = new RecordFactory(ctx.options.seed);
  const base = factory.many('base', s.pointBaseRows, {
    sessions: Math.max(1, s.pointBaseRows / ROWS_PER_SESSION),
  });
  for (const c of contenders) {
    for (let i = 0; i < base.length; i += 1000) {
      const chunk = base.slice(i, i + 1000);
      await (c.preload ? c.preload(chunk) : c.saveBatch(chunk));
    }
    // Warm-up (not measured): prepares statements, fills caches, lets the JIT settle.
    const warm = factory.many(`warm-${c.name}`, 50);
    for (const r of warm) await c.save(r);
    for (const r of warm) await c.load(r.id);
    for (const r of warm) await c.delete(r.id);
  }
  ctx.log(`${family}: point workloads on ${base.length} base rows, ${s.rounds} rounds of ${s.pointOps} ops`);
  const random = rng(ctx.options.seed + 1);
  const samples = new Map<string, Map<string, Samples>>();
  const misses = new Map<string, number>();
  for (let round = 0; round < s.rounds; round++) {
    for (const mode of ['sequential', `${s.concurrency} concurrent`]) {
      const conc = mode === 'sequential' ? 1 : s.concurrency;
      const records = factory.many(`r${round}-${conc}`, s.pointOps);
      const loadIds = Array.from({ length: s.pointOps }, () => base[Math.floor(random() * base.length)]!.id);
      for (const op of ['save', 'load', 'delete'] as const) {
        const workload = `${op} ${mode}`;
        for (const c of rotate(contenders, round)) {
          gc();
          const result = await timeOps(s.pointOps, conc, async (i) => {
            if (op === 'save') return c.save(records[i]!);
            if (op === 'load') {
              if ((await c.load(loadIds[i]!)) === null) misses.set(c.name, (misses.get(c.name) ?? 0) + 1);
              return;
            }
            if (!(await c.delete(records[i]!.id))) misses.set(c.name, (misses.get(c.name) ?? 0) + 1);
          });
          const sample = samplesFor(samples, workload, c.name);
          sample.latencies.push(...result.latencies);
          sample.perRound.push((s.pointOps / result.elapsedMs) * 1000);
        }
      }
    }
    ctx.log(`${family}: point round ${round + 1}/${s.rounds} done`);
  }
  for (const [workload, byContender] of samples) {
    const op = workload.split(' ')[0]!;
    ctx.rows.push(...rowsFrom(workload, family, byContender, 'ops/s', rawName, pointTarget(family, op)));
  }
  for (const [name, count] of misses) {
    ctx.log(`WARNING ${name}: ${count} loads found nothing or deletes deleted nothing (should be 0)`);
  }
  // SQLite: the issue also asks recordstore to be at least 3 times Keyv's SQLite adapter.
  if (family === 'sqlite') {
    for (const row of ctx.rows.filter((r) => r.family === 'sqlite' && r.contender === 'recordstore-sqlite')) {
      const keyv = ctx.rows.find(
        (r) => r.family === 'sqlite' && r.contender === 'keyv-sqlite' && r.workload === row.workload,
      );
      if (keyv?.median && row.median && /^(save|load)/.test(row.workload)) {
        const times = row.median / keyv.median;
        row.notes = `${times.toFixed(1)}× keyv-sqlite`;
        row.target = `${row.target}, and ≥ 3× keyv-sqlite`;
        row.target_met = (row.target_met ?? true) && times >= 3;
      }
    }
  }
  ctx.flush();
}

/**
 * Keyv's SQLite adapter has no setMany: Keyv runs one autocommit `set` per record (about 100 a second
 * here), so it is measured on a prefix of the records.
 */
const keyvSqliteBulkCap = (quick: boolean) => (quick ? 300 : 2_000);

/** Bulk upsert in batches (and COPY import where there is one), on emptied tables, interleaved in rounds. */
export async function bulkWorkloads(
  ctx: RunContext,
  family: Family,
  contenders: Contender[],
  rawName: string,
) {
  const s = ctx.options.sizes;
  const factory = new RecordFactory(ctx.options.seed + 2);
  const rounds = Math.min(s.rounds, 3);
  const samples = new Map<string, Map<string, Samples>>();
  const upsert = `bulk upsert ${s.bulkRecords.toLocaleString('en-US')} (batches of ${s.bulkBatch})`;
  const copy = `bulk import ${s.bulkRecords.toLocaleString('en-US')} (COPY)`;
  for (let round = 0; round < rounds; round++) {
    const records = factory.many(`bulk${round}`, s.bulkRecords, {
      sessions: s.bulkRecords / ROWS_PER_SESSION,
    });
    for (const c of rotate(contenders, round)) {
      await c.truncate();
      gc();
      const n =
        c.name === 'keyv-sqlite'
          ? Math.min(records.length, keyvSqliteBulkCap(ctx.options.quick))
          : records.length;
      const started = nowMs();
      const sample = samplesFor(samples, upsert, c.name);
      for (let i = 0; i < n; i += s.bulkBatch) {
        const t0 = nowMs();
        await c.saveBatch(records.slice(i, Math.min(n, i + s.bulkBatch)));
        sample.latencies.push(nowMs() - t0);
      }
      sample.perRound.push((n / (nowMs() - started)) * 1000);
      if (n < records.length)
        sample.extra.notes = `measured on the first ${n.toLocaleString('en-US')} records: no setMany, one autocommit set per record`;
      if (c.copyImport) {
        await c.truncate();
        gc();
        const t0 = nowMs();
        await c.copyImport(records);
        const elapsed = nowMs() - t0;
        const copySample = samplesFor(samples, copy, c.name);
        copySample.latencies.push(elapsed);
        copySample.perRound.push((records.length / elapsed) * 1000);
      }
    }
    ctx.log(`${family}: bulk round ${round + 1}/${rounds} done`);
  }
  for (const c of contenders) await c.truncate();
  const bulkTarget = (name: string, ratio: number | null) =>
    name.startsWith('recordstore')
      ? { text: 'ratio ≥ 0.90 of the best raw batch', met: ratio !== null && ratio >= 0.9 }
      : undefined;
  ctx.rows.push(...rowsFrom(upsert, family, samples.get(upsert)!, 'records/s', rawName, bulkTarget));
  if (family === 'postgres') {
    const copyRows = rowsFrom(copy, family, samples.get(copy) ?? new Map(), 'records/s', rawName);
    ctx.rows.push(...copyRows);
    for (const c of contenders) {
      if (!copyRows.some((r) => r.contender === c.name))
        ctx.rows.push(unsupportedRow(copy, c, c.unsupported.copy ?? 'not supported'));
    }
  }
  ctx.flush();
}

const LIST_LABELS: Record<ListQuery['kind'], string> = {
  'eq-data': 'list: data.user_id = x (0.1%)',
  'range-path': 'list: 2000 ≤ data.tokens < 2004 (typed range, 0.1%)',
  session: 'list: session_id = x',
};

function listQueries(kind: ListQuery['kind'], count: number, seed: number, sessions: number): ListQuery[] {
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
 * and recordstore contenders read the same data. Plans are EXPLAINed from the SQL each one really sent.
 */
export async function listAndStreamWorkloads(
  ctx: RunContext,
  target: FamilyTarget,
  names: ContenderName[],
  open: Opener,
  rawName: string,
  all: { name: string; family: Family; unsupported: Partial<Record<OptionalWork, string>> }[],
) {
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
  for (const name of ordered) contenders.push(await open(name, url));
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

  if (wantList) {
    const samples = new Map<string, Map<string, Samples>>();
    const plans = new Map<string, PlanReport>();
    const kinds: ListQuery['kind'][] = ['eq-data', 'range-path', 'session'];
    for (const kind of kinds) {
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
    for (let round = 0; round < s.listRounds; round++) {
      for (const kind of kinds) {
        const queries = listQueries(
          kind,
          s.listQueries,
          ctx.options.seed + 10 * round + kinds.indexOf(kind),
          sessions,
        );
        for (const c of rotate(contenders, round)) {
          gc();
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
    for (const kind of kinds) {
      const label = LIST_LABELS[kind];
      const listTarget = (name: string, ratio: number | null) => {
        if (!name.startsWith('recordstore')) return undefined;
        const plan = plans.get(`${label}|${name}`);
        const fast = ratio !== null && ratio >= 1 / 1.2;
        // The issue asks for index-served equality on data fields and reserved columns; a range on a
        // path is index-served only once declared-path indexes exist (a later issue).
        if (kind === 'range-path') return { text: 'p95 within 1.2× raw (ratio ≥ 0.83)', met: fast };
        // SQLite has no index on data fields until declared-path indexes exist: its equality on
        // data.user_id misses the index-served part, and the table says so.
        return {
          text: 'p95 within 1.2× raw (ratio ≥ 0.83), index-served',
          met: fast && Boolean(plan?.indexServed),
        };
      };
      ctx.rows.push(...rowsFrom(label, family, samples.get(label)!, 'ms', rawName, listTarget));
      for (const c of all)
        if (c.unsupported.list) ctx.rows.push(unsupportedRow(label, c, c.unsupported.list));
    }
    ctx.flush();
  }

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

const execFileAsync = promisify(execFile);
/** Longest a whole-table stream may take before it is reported as not finishing. */
const STREAM_TIMEOUT_S = (quick: boolean) => (quick ? 120 : 600);
const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));

/** Streams the shared table once per contender per round, each in a child process (clean RSS baseline). */
async function streamWorkload(
  ctx: RunContext,
  family: Family,
  names: ContenderName[],
  target: string,
  rawName: string,
  all: { name: string; family: Family; unsupported: Partial<Record<OptionalWork, string>> }[],
) {
  const rounds = ctx.options.quick ? 1 : 2;
  const label = `stream all ${ctx.options.sizes.listRows.toLocaleString('en-US')} rows`;
  const byContender = new Map<string, Samples>();
  const timedOut = new Map<string, string>();
  for (let round = 0; round < rounds; round++) {
    for (const name of rotate(names, round)) {
      if (timedOut.has(name)) continue;
      let stdout: string;
      try {
        ({ stdout } = await execFileAsync(
          process.execPath,
          ['--expose-gc', '--import', 'tsx', 'src/stream-child.ts', name, target],
          { cwd: BENCH_DIR, maxBuffer: 1 << 20, timeout: STREAM_TIMEOUT_S(ctx.options.quick) * 1000 },
        ));
      } catch (error) {
        // A stream that does not finish (e.g. pagination that rescans the table per page) must not hang
        // the whole run: it becomes a row saying so.
        const e = error as { killed?: boolean; signal?: string; stderr?: string };
        const why = e.killed
          ? `did not finish within ${STREAM_TIMEOUT_S(ctx.options.quick)} s`
          : `failed: ${String(e.stderr ?? error)
              .trim()
              .split('\n')
              .at(-1)}`;
        timedOut.set(name, why);
        ctx.log(`${family}: stream ${name} ${why}`);
        continue;
      }
      const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
        count: number;
        elapsedMs: number;
        peakGrowthMb: number;
        heapGrowthMb: number;
      };
      let sample = byContender.get(name);
      if (!sample) {
        sample = new Samples();
        byContender.set(name, sample);
      }
      sample.perRound.push((result.count / result.elapsedMs) * 1000);
      sample.extra.rows = result.count;
      sample.extra.peak_rss_growth_mb = Math.max(
        Number(sample.extra.peak_rss_growth_mb ?? 0),
        Math.round(result.peakGrowthMb * 10) / 10,
      );
      sample.extra.peak_heap_growth_mb = Math.max(
        Number(sample.extra.peak_heap_growth_mb ?? 0),
        Math.round(result.heapGrowthMb * 10) / 10,
      );
      sample.extra.notes = `peak RSS growth ${sample.extra.peak_rss_growth_mb} MB (JS heap ${sample.extra.peak_heap_growth_mb} MB), ${result.count.toLocaleString('en-US')} rows, own process`;
      ctx.log(
        `${family}: stream ${name}: ${result.count} rows, ${Math.round(result.elapsedMs)} ms, +${result.peakGrowthMb.toFixed(1)} MB RSS`,
      );
    }
  }
  ctx.rows.push(
    ...rowsFrom(label, family, byContender, 'rows/s', rawName, (name, _ratio, s) =>
      name.startsWith('recordstore')
        ? { text: 'peak RSS growth < 64 MB', met: Number(s.extra.peak_rss_growth_mb) < 64 }
        : undefined,
    ),
  );
  for (const c of all)
    if (c.unsupported.stream) ctx.rows.push(unsupportedRow(label, c, c.unsupported.stream));
  ctx.flush();
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
  all: { name: string; family: Family; unsupported: Partial<Record<OptionalWork, string>> }[],
) {
  const s = ctx.options.sizes;
  const family = target.family;
  const label = `TTL cleanup of ${s.ttlExpiredRows.toLocaleString('en-US')} expired rows + writer`;
  const byContender = new Map<string, Samples>();
  for (const name of names) {
    const url = await target.fresh(`bench_ttl_${name.replace(/[^a-z0-9]/g, '_')}`);
    const c = await open(name, url);
    const factory = new RecordFactory(ctx.options.seed + 4);
    const expiredAt = Date.now() - 3_600_000;
    const sessions = Math.max(1, s.ttlExpiredRows / ROWS_PER_SESSION);
    for (let done = 0; done < s.ttlExpiredRows; done += 50_000) {
      const n = Math.min(50_000, s.ttlExpiredRows - done);
      await target.load(url, factory.many('exp', n, { expiresAt: expiredAt, sessions }));
      await target.load(url, factory.many('live', Math.ceil(n / 10), { sessions }));
    }
    await target.analyze(url);
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
    (sample as Samples & { during: number[] }).during = during;
    byContender.set(name, sample);
    ctx.log(`${family}: ttl ${name}: ${sample.extra.notes}`);
  }
  // Row: median = cleanup wall time (ms); p50/p95/p99 = the writer's latencies during the cleanup;
  // ratio = raw cleanup time ÷ this cleanup time.
  const raw = byContender.get(rawName);
  for (const [name, sample] of byContender) {
    const during = (sample as Samples & { during: number[] }).during;
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

/** PostgreSQL targets: a database per name on the bench server; loads by COPY. */
export function postgresTarget(createDatabase: (name: string) => Promise<string>): FamilyTarget {
  return {
    family: 'postgres',
    fresh: createDatabase,
    async load(url, records) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await copyRecords(client, records);
      } finally {
        await client.end();
      }
    },
    async analyze(url) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query('VACUUM ANALYZE storage_records');
      } finally {
        await client.end();
      }
    },
  };
}

/** SQLite targets: a file per name in the run's folder; loads in one transaction per chunk. */
export function sqliteTarget(dir: string): FamilyTarget {
  return {
    family: 'sqlite',
    async fresh(name) {
      const { rmSync } = await import('node:fs');
      const path = `${dir}/${name}.db`;
      for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
      return path;
    },
    async load(path, records) {
      const { db } = await openRawSqlite(path);
      try {
        insertRows(db, records);
      } finally {
        db.close();
      }
    },
    async analyze(path) {
      const { db } = await openRawSqlite(path);
      try {
        db.exec('ANALYZE');
        db.pragma('wal_checkpoint(TRUNCATE)');
      } finally {
        db.close();
      }
    },
  };
}
