import type { SQLiteConnection } from './sqlite-connection.js';
import type { FixedStatementName } from './sqlite-statements.js';

/**
 * How long one cleanup batch may hold the connection (and SQLite's write lock). better-sqlite3 is
 * synchronous: while a batch runs, every other call of this process waits for it, so a batch's length is
 * added to the latency of whatever call arrives meanwhile.
 */
export const CLEANUP_BATCH_BUDGET_MS = 4;
/** The smallest batch: below this the per-statement overhead dominates and a cleanup crawls. */
const MIN_BATCH = 16;
/**
 * Rows deleted between the cleanup's own WAL checkpoints. Measured: a deleted row adds about one WAL
 * frame (its table page and index pages, shared with neighbours), so this matches SQLite's default
 * auto-checkpoint of 1000 frames.
 */
const CHECKPOINT_ROWS = 1000;
/**
 * And at least this often: while the connection's auto-checkpoint is paused, the frames of writers
 * interleaved with a slow cleanup accumulate too.
 */
const CHECKPOINT_INTERVAL_MS = 1000;

/** Where a cleanup batch runs: on the main connection once no transaction holds it. */
export type RunWhenIdle = <T>(fn: (connection: SQLiteConnection) => T) => Promise<T>;

/**
 * Runs a batched delete statement (`deleteExpiredBatch`, `deleteCreatedBeforeBatch`: parameters bound,
 * limit) until a batch deletes fewer rows than it asked for, and returns the exact number deleted.
 *
 * Two things keep writers moving while a large cleanup runs:
 * - Batches are time-boxed: the size adapts so a batch takes about {@link CLEANUP_BATCH_BUDGET_MS}
 *   (halved when a batch overran, doubled when it took under half), never above `batchSize`, and the loop
 *   yields a full event-loop turn (`setImmediate`) between batches, so calls queued meanwhile run.
 * - The cleanup pays for its own WAL. SQLite checkpoints in whichever commit crosses the auto-checkpoint
 *   threshold, and during a cleanup that is often a writer's one-row save, which then copies and syncs
 *   the cleanup's pages (measured: most of the writer's p99 inflation). So this connection's
 *   auto-checkpoint is paused while the cleanup runs, and the cleanup checkpoints (PASSIVE: it never
 *   waits for readers) after every {@link CHECKPOINT_ROWS} rows it deleted (and at least every
 *   {@link CHECKPOINT_INTERVAL_MS}), and once at the end.
 */
export async function deleteInBatches(
  run: RunWhenIdle,
  statement: FixedStatementName,
  bound: number,
  batchSize: number,
): Promise<number> {
  let total = 0;
  let sinceCheckpoint = 0;
  let lastCheckpoint = performance.now();
  // Start below the cap: the first batch measures how fast this table deletes.
  let size = Math.min(batchSize, Math.max(MIN_BATCH, Math.floor(batchSize / 8)));
  const resume = await run((connection) => connection.pauseAutoCheckpoint());
  try {
    for (;;) {
      const { removed, elapsed } = await run((connection) => {
        const started = performance.now();
        const changes = connection.statements[statement].run(bound, size).changes;
        sinceCheckpoint += changes;
        const done = performance.now();
        if (sinceCheckpoint >= CHECKPOINT_ROWS || done - lastCheckpoint >= CHECKPOINT_INTERVAL_MS) {
          connection.checkpointPassive();
          sinceCheckpoint = 0;
          lastCheckpoint = performance.now();
        }
        return { removed: changes, elapsed: done - started };
      });
      total += removed;
      if (removed < size) break;
      if (elapsed > CLEANUP_BATCH_BUDGET_MS) size = Math.max(MIN_BATCH, Math.floor(size / 2));
      else if (elapsed < CLEANUP_BATCH_BUDGET_MS / 2) size = Math.min(batchSize, size * 2);
      // A full turn, not a microtask: queued calls of this process and timers run before the next batch.
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (sinceCheckpoint > 0) await run((connection) => connection.checkpointPassive());
  } finally {
    // The connection may have been closed meanwhile; then there is nothing to resume.
    await run(() => resume()).catch(() => undefined);
  }
  return total;
}
