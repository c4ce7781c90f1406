import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ContenderName } from '../contenders/index.js';
import type { Family } from '../contenders/types.js';
import { Samples } from '../stats.js';
import { roundOrder } from './measure.js';
import { rowsFrom, unsupportedRow } from './result-rows.js';
import type { ContenderSupport, RunContext } from './run-context.js';

const execFileAsync = promisify(execFile);
/** Longest a whole-table stream may take before it is reported as not finishing. */
const STREAM_TIMEOUT_S = (quick: boolean) => (quick ? 120 : 600);
/** The bench package's folder: the child runs `src/stream-child.ts` from there. */
const BENCH_DIR = fileURLToPath(new URL('../..', import.meta.url));

/** What `stream-child.ts` prints as its last line. */
interface StreamResult {
  count: number;
  elapsedMs: number;
  peakGrowthMb: number;
  heapGrowthMb: number;
  /** Heap after a full collection at the end, minus the heap before the stream: what it left behind. */
  retainedMb: number;
}

/** Streams the shared table once per contender per round, each in a child process (clean RSS baseline). */
export async function streamWorkload(
  ctx: RunContext,
  family: Family,
  names: ContenderName[],
  target: string,
  rawName: string,
  all: ContenderSupport[],
): Promise<void> {
  const rounds = ctx.options.quick ? 1 : 2;
  const label = `stream all ${ctx.options.sizes.listRows.toLocaleString('en-US')} rows`;
  const byContender = new Map<string, Samples>();
  const timedOut = new Map<string, string>();
  for (let round = 0; round < rounds; round++) {
    for (const name of roundOrder(names, round)) {
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
      const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as StreamResult;
      let sample = byContender.get(name);
      if (!sample) {
        sample = new Samples();
        byContender.set(name, sample);
      }
      record(sample, result);
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

/** Adds one round's stream to a contender's sample: throughput, and the peak memory growth so far. */
function record(sample: Samples, result: StreamResult): void {
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
  sample.extra.retained_mb = Math.max(
    Number(sample.extra.retained_mb ?? Number.NEGATIVE_INFINITY),
    Math.round(result.retainedMb * 10) / 10,
  );
  sample.extra.notes = `peak RSS growth ${sample.extra.peak_rss_growth_mb} MB (JS heap ${sample.extra.peak_heap_growth_mb} MB; retained after a full GC ${sample.extra.retained_mb} MB), ${result.count.toLocaleString('en-US')} rows, own process`;
}
