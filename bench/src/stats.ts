/** Percentile of sorted numbers by nearest rank (p in [0, 100]). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

/** Median of unsorted numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** p50, p95 and p99 of latencies in ms. */
export function latencySummary(latenciesMs: readonly number[]): { p50: number; p95: number; p99: number } {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
}

/** Milliseconds since an arbitrary origin, sub-microsecond resolution. */
export function nowMs(): number {
  return performance.now();
}

/** Collects one contender's measurements of one workload over all rounds. */
export class Samples {
  /** Per-operation (or per-batch, per-query) latencies in ms. */
  readonly latencies: number[] = [];
  /** Per-round throughput (units per second) or per-round value. */
  readonly perRound: number[] = [];
  /** Free-form facts (plans, RSS, errors). */
  readonly extra: Record<string, unknown> = {};
}
