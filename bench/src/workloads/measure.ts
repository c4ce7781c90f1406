import { nowMs, Samples } from '../stats.js';

/** Runs a full garbage collection when node was started with `--expose-gc` (`pnpm bench` is). */
export const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

/**
 * The order of round `round`: a row of a Williams design, so over every `n` rounds (`2n` for an odd
 * count) each contender runs in each position once AND right after each other contender once. A plain
 * rotation varied only the position: every contender always followed the same one, so whatever one
 * leaves behind (its server backends' CPU placement, libuv's thread pool, caches) always fell on the
 * next: SQLite's sequential `exists` with coalescing off, always right after Keyv's SQLite adapter, read
 * 0.78 to 0.79 of raw in three quick runs, and 0.94 to 0.95 in the three after this order.
 */
export function roundOrder<T>(items: readonly T[], round: number): T[] {
  const n = items.length;
  if (n < 2) return [...items];
  // First row 0, 1, n-1, 2, n-2, ...; row k adds k to each; odd n also uses the reversed rows.
  const first: number[] = [0];
  for (let lo = 1, hi = n - 1; first.length < n; ) first.push(first.length % 2 === 1 ? lo++ : hi--);
  const k = round % (n % 2 === 0 ? n : 2 * n);
  const row = first.map((i) => items[(i + k) % n]!);
  return k >= n ? row.reverse() : row;
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
