import { nowMs, Samples } from '../stats.js';

/** Runs a full garbage collection when node was started with `--expose-gc` (`pnpm bench` is). */
export const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

/** Rotates the order each round, so no contender always runs first (warm caches, checkpoints). */
export function rotate<T>(items: readonly T[], round: number): T[] {
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/** Runs `n` operations on `concurrency` workers; returns per-operation latencies and wall time. */
export async function timeOps(
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

/** The samples of one workload on one contender, created on first use. */
export function samplesFor(
  map: Map<string, Map<string, Samples>>,
  workload: string,
  contender: string,
): Samples {
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
