import type { HealthReport, StorageBackend, StorageStats } from '@recordstore/core';
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { type CommandContext, makeAction, type RunState } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import type { Output } from '../output.js';
import { type StoreTarget, withStore } from '../target.js';
import { printHealth } from './health.js';
import { printStats } from './stats.js';
import { tourContext } from './tour-context.js';
import { TOUR_KEY } from './tour-dataset.js';
import {
  type ExpiryResults,
  rollBack,
  type StreamResults,
  showExpiry,
  streamSession,
  type TransactionResults,
} from './tour-lifecycle.js';
import { runQueries, type TourQuery, writeSessions } from './tour-queries.js';

export { TOUR_KEY } from './tour-dataset.js';
export type { TourQuery } from './tour-queries.js';

/** What `recordstore tour --json` prints. */
export interface TourSummary {
  ok: boolean;
  run: string;
  store: { backend: string; storage: string; file: string | null; location: string | null };
  clearedFromEarlierRuns: number;
  written: { total: number; byType: Record<string, number>; sessions: string[] };
  queries: TourQuery[];
  counts: { messages: number; bySession: Record<string, number> };
  expiry: ExpiryResults;
  stream: StreamResults;
  transaction: TransactionResults;
  health: HealthReport;
  stats: StorageStats;
  /** Checks the tour makes of the store's answers; all must pass for exit 0. */
  failedChecks: string[];
}

/** Registers `tour`, the default command. */
export function registerTour(program: Command, io: CliIo, state: RunState): void {
  program
    .command('tour')
    .summary('the guided tour on the store (the default command)')
    .description(
      'the guided tour (default command): stores a small agent-session dataset (sessions, threads, messages,\n' +
        'tool calls, a short-TTL cache entry) in the store, runs filtered queries, shows expiry, streams a session,\n' +
        'rolls back a transaction, and prints health and stats. Safe to re-run: each run uses a fresh namespace\n' +
        'and clears the records of earlier tour runs. On a store a config file names it says which store it\n' +
        'writes to, and needs --yes unless that store holds nothing but earlier tour records.',
    )
    .option('-y, --yes', 'run the tour on a configured store that already holds records of its own')
    .action(makeAction(io, state, tour));
}

async function tour(ctx: CommandContext): Promise<void> {
  const target = await ctx.target();
  const summary = await withStore(target, async (store) => {
    // The embedded default store is the tour's own; a configured one may hold an application's data.
    if (target.file !== null) await confirmTarget(store, target, ctx.options.yes === true);
    return runTour(store, ctx.out, { storage: target.storageName, file: target.file });
  });
  if (ctx.out.json) ctx.out.document(summary);
  if (!summary.ok) {
    throw new CliError(
      'internal',
      `tour: ${summary.failedChecks.length} check(s) failed: ${summary.failedChecks.join('; ')}`,
      { exitCode: EXIT.failed },
    );
  }
}

/**
 * Refuses to write the tour into a configured store that holds records other than earlier tours' unless
 * `--yes` was given, naming the store.
 * @throws CliError(conflict, exit 5) naming the store, its record count and the way to go ahead.
 */
async function confirmTarget(store: StorageBackend, target: StoreTarget, yes: boolean): Promise<void> {
  if (yes) return;
  const others = await store.count({ [TOUR_KEY]: { $exists: false } });
  if (others === 0) return;
  const location = locationOf(await store.healthCheck());
  throw new CliError(
    'conflict',
    `tour: storage "${target.storageName}" of ${target.file} (${store.name}${location ? ` at ${location}` : ''}) ` +
      `holds ${others} record(s) that are not the tour's; the tour would write 20 sample records into it ` +
      '(and delete those of earlier tour runs). Run `recordstore tour --yes` to go ahead, or run ' +
      '`recordstore` in a folder without recordstore.yaml (and without --config) for the embedded default store.',
    { exitCode: EXIT.refused },
  );
}

/**
 * Runs the tour against an open store and prints it to `out` (human text; nothing in `--json` mode).
 * Returns the summary `--json` prints. Safe to run repeatedly on the same store.
 */
export async function runTour(
  store: StorageBackend,
  out: Output,
  where: { storage: string; file: string | null },
): Promise<TourSummary> {
  const { c } = out;
  const tc = tourContext(store, out);
  const location = locationOf(await store.healthCheck());
  out.line(c.bold('recordstore tour'));
  out.field('store', `${store.name}${location ? ` at ${location}` : ''}`);
  out.field(
    'config',
    where.file === null
      ? 'none: the embedded default store (use --config <file> for another)'
      : `${where.file}, storage "${where.storage}"`,
  );

  const written = await writeSessions(tc);
  const { data, run, now } = written;
  const counted = await runQueries(tc, data);
  const expiry = await showExpiry(tc, data, now);
  const stream = await streamSession(tc, data, counted.bySession[data.s1] ?? -1);
  const transaction = await rollBack(tc, data, run);

  out.heading('6. Health and stats');
  const health = await store.healthCheck();
  tc.check(health.status !== 'unhealthy', `healthCheck(): ${health.error ?? health.status}`);
  printHealth(out, health, 2);
  const stats = await store.stats();
  out.line();
  printStats(out, stats, 2);
  printNext(out, where.file, data.s1, run, tc.failedChecks.length);

  return {
    ok: tc.failedChecks.length === 0,
    run,
    store: { backend: store.name, storage: where.storage, file: where.file, location },
    clearedFromEarlierRuns: written.cleared,
    written: { total: written.total, byType: written.byType, sessions: [data.s1, data.s2] },
    queries: counted.queries,
    counts: { messages: counted.messages, bySession: counted.bySession },
    expiry,
    stream,
    transaction,
    health,
    stats,
    failedChecks: tc.failedChecks,
  };
}

function printNext(out: Output, file: string | null, session: string, run: string, failed: number): void {
  const { c } = out;
  out.heading('Next');
  const flag = file ? ` --config ${file}` : '';
  out.line(`  recordstore list${flag} --filter '{"session_id":"${session}"}' --limit 5`);
  out.line(`  recordstore get${flag} ${session}-msg-05`);
  out.line(`  recordstore count${flag} --filter '{"metadata.tokens":{"$gte":100}}'`);
  out.line(`  recordstore --help`);
  out.line();
  out.line(
    failed === 0
      ? c.green(`tour complete: every check passed (run ${run})`)
      : c.red(`tour finished with ${failed} failed check(s)`),
  );
}

/** Where the store lives, from the health details backends report (file path, database, host). */
function locationOf(health: HealthReport): string | null {
  const d = health.details;
  for (const key of ['path', 'file', 'filename', 'database']) {
    if (typeof d[key] === 'string' && d[key] !== '') return d[key] as string;
  }
  return null;
}
