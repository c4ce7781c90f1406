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
  /** Per-round throughput (units per second) or per-round value; per slice in the point workloads. */
  readonly perRound: number[] = [];
  /** Free-form facts (plans, RSS, errors). */
  readonly extra: Record<string, unknown> = {};
  /**
   * True when `perRound[i]` of every contender of the workload was measured in the same round (or slice) i,
   * one right after the other: the ratio to raw is then the median of the paired ratios (see
   * {@link pairedRatio}), which cancels load that changes between rounds or slices.
   */
  paired = false;
}

/**
 * The median of the per-round ratios `s.perRound[i] / raw.perRound[i]`, or null when the rounds do not
 * pair up (different counts, or either side not marked {@link Samples.paired}). On a shared machine the
 * load drifts over seconds: the ratio of two medians taken over different moments swings with it, while
 * two contenders measured back to back in one short round see nearly the same load.
 */
export function pairedRatio(s: Samples, raw: Samples): number | null {
  if (!s.paired || !raw.paired || s.perRound.length === 0 || s.perRound.length !== raw.perRound.length) {
    return null;
  }
  const ratios = s.perRound.map((v, i) => v / raw.perRound[i]!).filter(Number.isFinite);
  return ratios.length === 0 ? null : median(ratios);
}
