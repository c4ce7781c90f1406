import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import pg from 'pg';
import { MIGRATIONS_DIR } from '../contenders/index.js';
import { applySchema, copyTextRows, PG_TABLE } from '../contenders/postgres.js';
import { connectBackend } from '../contenders/recordstore.js';
import { insertRows, openRawSqlite, type StoredTextRow } from '../contenders/sqlite.js';
import { RecordFactory } from '../records.js';
import { nowMs, Samples } from '../stats.js';
import { gc } from './measure.js';
import { rowsFrom } from './result-rows.js';
import type { FamilyTarget, RunContext } from './run-context.js';

/** Records generated, saved into the source and held in memory at a time while the source is filled. */
const CHUNK = 10_000;

/** What the copy needs from the recordstore core package (loaded by name, like the backends). */
interface CoreCopy {
  copyRecords(options: { from: unknown; to: unknown }): Promise<{
    written: number;
    fullPass: number;
    durationMs: number;
    ratePerSecond: number;
  }>;
  verifyCopy(options: { from: unknown; to: unknown }): Promise<{
    ok: boolean;
    sourceCount: number;
    targetCount: number;
  }>;
}

/**
 * Copy of a whole SQLite store into an empty PostgreSQL store, as `recordstore copy --verify` does it
 * (`copyRecords` of core: id-ordered pages, the target's COPY path, watermark per batch, then the
 * catch-up pass and the record-by-record verification), against the raw baseline: better-sqlite3 reading
 * the same file in id order into one `COPY ... FROM STDIN` with pg, no checks. The source holds
 * `copyRecords` records written with timestamps spread over the 30 days before the run (an application's
 * history, not records written a moment ago: those would all fall in the catch-up pass's look-back
 * window and be read twice).
 */
export async function copyWorkload(ctx: RunContext, target: FamilyTarget, dir: string): Promise<void> {
  const n = ctx.options.sizes.copyRecords;
  const workload = `copy SQLite → PostgreSQL, ${n.toLocaleString('en-US')} records (--verify)`;
  const sourcePath = `${dir}/copy-source.db`;
  // Filled raw (recordstore's schema and row format, as `sqliteTarget.load` does): the workload measures
  // the copy, not the filling.
  const { db } = await openRawSqlite(sourcePath);
  const factory = new RecordFactory(ctx.options.seed + 7);
  const filled = nowMs();
  try {
    for (let done = 0; done < n; done += CHUNK)
      insertRows(db, factory.many('copy', Math.min(CHUNK, n - done)), 'created');
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  ctx.log(`copy: source of ${n} records filled in ${((nowMs() - filled) / 1000).toFixed(0)} s`);

  const samples = new Map<string, Samples>([
    ['raw-better-sqlite3+pg', new Samples()],
    ['recordstore-copy', new Samples()],
  ]);
  const rounds = ctx.options.quick ? 2 : 1;
  for (let round = 0; round < rounds; round++) {
    // Raw baseline first in even rounds, recordstore first in odd ones.
    const order = round % 2 === 0 ? ['raw', 'recordstore'] : ['recordstore', 'raw'];
    for (const who of order) {
      const url = await target.fresh(`bench_copy_${who}_${round}`);
      gc();
      if (who === 'raw') {
        await applySchema(url, MIGRATIONS_DIR);
        const server0 = serverCpuMs();
        const started = nowMs();
        const copied = await rawCopy(sourcePath, url);
        const elapsed = nowMs() - started;
        const busy = serverBusy(server0, elapsed);
        if (copied !== n) throw new Error(`raw copy wrote ${copied} of ${n} rows`);
        const s = samples.get('raw-better-sqlite3+pg')!;
        s.latencies.push(elapsed);
        s.perRound.push((n / elapsed) * 1000);
        s.extra.notes = `one COPY of every row${busy}`;
        continue;
      }
      const core = (await import('@recordstore/core')) as unknown as CoreCopy;
      const from = await connectBackend('sqlite', sourcePath);
      const to = await connectBackend('postgres', url);
      try {
        // As `recordstore copy --verify` runs it: the copy, then the record-by-record verification (timed
        // apart here, so the server's share of the copy itself shows).
        const server0 = serverCpuMs();
        const report = await core.copyRecords({ from, to });
        const busy = serverBusy(server0, report.durationMs);
        const verifyStarted = nowMs();
        const v = await core.verifyCopy({ from, to });
        const verifyS = (nowMs() - verifyStarted) / 1000;
        if (report.written !== n || !v.ok) {
          throw new Error(
            `recordstore copy: wrote ${report.written} of ${n}, verification ${JSON.stringify(v)}`,
          );
        }
        const s = samples.get('recordstore-copy')!;
        s.latencies.push(report.durationMs);
        s.perRound.push(report.ratePerSecond);
        s.extra.notes =
          `copy ${report.durationMs.toLocaleString('en-US')} ms, written ${report.written.toLocaleString('en-US')} ` +
          `(full pass ${report.fullPass.toLocaleString('en-US')}: each record once)${busy}; verification ok ` +
          `(${v.sourceCount.toLocaleString('en-US')} = ${v.targetCount.toLocaleString('en-US')} records, checksums equal) in ${verifyS.toFixed(1)} s`;
      } finally {
        await from.close();
        await to.close();
      }
    }
    ctx.log(`copy: round ${round + 1}/${rounds} done`);
  }
  ctx.rows.push(
    ...rowsFrom(workload, 'postgres', samples, 'records/s', 'raw-better-sqlite3+pg', (name, _ratio, s) =>
      name === 'recordstore-copy'
        ? {
            text: 'at least 25,000 records/s',
            met: s.perRound.length > 0 && Math.min(...s.perRound) >= 25_000,
          }
        : undefined,
    ),
  );
  ctx.flush();
}

/**
 * CPU time the PostgreSQL server has used so far, in ms, from /proc (Linux; NaN elsewhere): every live
 * `postgres` process's own time, plus what the postmaster collected from its exited children (a backend
 * whose connection closed, like the raw copy's, is gone by the time it would be read).
 */
function serverCpuMs(): number {
  try {
    const pids = execFileSync('ps', ['-C', 'postgres', '-o', 'pid=,ppid='], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
    const all = new Set(pids.map(([pid]) => pid));
    let ticks = 0;
    for (const [pid, ppid] of pids) {
      // Fields after the command: state is [0], utime [11], stime [12], cutime [13], cstime [14].
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat
        .slice(stat.lastIndexOf(')') + 2)
        .split(' ')
        .map(Number);
      ticks += f[11]! + f[12]!;
      if (!all.has(ppid)) ticks += f[13]! + f[14]!; // the postmaster: its reaped children
    }
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/** Linux's USER_HZ, the unit of /proc/<pid>/stat times (100 on every common kernel). */
const CLOCK_TICKS = 100;

/** "; server CPU x s (y% of one core)" over the time since `before`, or nothing when unknown. */
function serverBusy(before: number, elapsedMs: number): string {
  const used = serverCpuMs() - before;
  if (!Number.isFinite(used)) return '';
  return `; PostgreSQL server CPU ${(used / 1000).toFixed(1)} s (${Math.round((used / elapsedMs) * 100)}% of one core)`;
}

/** The raw baseline: rows of the SQLite file in id order, straight into one COPY (no JSON parsing). */
async function rawCopy(sourcePath: string, url: string): Promise<number> {
  const db = new Database(sourcePath, { readonly: true });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const rows = db
      .prepare(
        'SELECT id, data, type, session_id, thread_id, metadata, created_at, updated_at, expires_at FROM storage_records ORDER BY id',
      )
      .iterate() as IterableIterator<StoredTextRow>;
    return await copyTextRows(client, PG_TABLE, rows);
  } finally {
    await client.end();
    db.close();
  }
}
