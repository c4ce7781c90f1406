import type { Family } from '../contenders/types.js';
import type { ResultRow } from '../report.js';
import { latencySummary, median, pairedRatio, type Samples } from '../stats.js';

/** A row's target in words and whether this run met it; undefined when the row has none. */
export type TargetCheck = (
  name: string,
  ratio: number | null,
  s: Samples,
) => { text: string; met: boolean } | undefined;

/** The row of a workload a contender cannot run, with the reason shown in the table. */
export function unsupportedRow(
  workload: string,
  c: { name: string; family: Family },
  reason: string,
): ResultRow {
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
export function rowsFrom(
  workload: string,
  family: Family,
  byContender: Map<string, Samples>,
  unit: string,
  rawName: string,
  target?: TargetCheck,
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
      ratio = latency ? rawSummary!.p95 / summary.p95 : (pairedRatio(s, raw) ?? med / rawMedian);
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
