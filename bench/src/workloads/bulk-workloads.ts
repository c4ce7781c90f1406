import type { Contender, Family } from '../contenders/types.js';
import { RecordFactory, ROWS_PER_SESSION } from '../records.js';
import { nowMs, type Samples } from '../stats.js';
import { gc, roundOrder, samplesFor } from './measure.js';
import { rowsFrom, unsupportedRow } from './result-rows.js';
import type { RunContext } from './run-context.js';

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
  settle: () => Promise<void>,
): Promise<void> {
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
    for (const c of roundOrder(contenders, round)) {
      await c.truncate();
      // The contender before wrote 100,000 rows: without a checkpoint here, writing out its pages (or a
      // timed checkpoint) fell on whichever ran next (PostgreSQL bulk upsert: 0.87 and 1.08 of raw in two
      // full runs of the same code, 0.98 to 1.21 in a standalone run).
      await settle();
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
        await settle();
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
