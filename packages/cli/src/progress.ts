import type { ProgressListener, TransferPhase, TransferProgress } from '@recordstore/core';
import cliProgress from 'cli-progress';
import pc from 'picocolors';
import type { CliIo } from './io.js';
import { colorEnabled } from './output.js';

/** What a phase is called in progress output. */
const PHASE_LABEL: Record<TransferPhase, string> = {
  backup: 'backing up',
  'verify-backup': 'verifying backup',
  restore: 'restoring',
  copy: 'copying',
  'catch-up': 'catching up',
  'verify-copy': 'verifying copy',
};

/** How often plain (non-terminal) progress lines are written at most, in ms. */
export const PLAIN_PROGRESS_INTERVAL_MS = 2000;

/** Draws the progress of a long operation; {@link ProgressDisplay.stop} must be called when it ends. */
export interface ProgressDisplay {
  /** Give this to the transfer engines as `onProgress`. */
  readonly onProgress: ProgressListener;
  /** Finishes the current bar (or prints the last plain line) and releases the terminal. Idempotent. */
  stop(): void;
}

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** `--json`: nothing is drawn, so stdout and stderr stay quiet and parseable. */
  json: boolean;
  /** Minimum time between plain lines (default {@link PLAIN_PROGRESS_INTERVAL_MS}). */
  intervalMs?: number;
}

/**
 * Progress output on stderr (stdout is for results): a cli-progress bar with rate and ETA when stderr is a
 * terminal, otherwise plain lines at most every two seconds (logs of cron jobs and CI stay readable;
 * `RECORDSTORE_PROGRESS_INTERVAL_MS` changes that), and nothing with `--json`. Colours follow the CLI's rules (NO_COLOR, FORCE_COLOR, TERM=dumb).
 *
 * @example
 * const progress = createProgress(io, { json: false });
 * try { await copyRecords({ from, to, onProgress: progress.onProgress }); } finally { progress.stop(); }
 */
export function createProgress(io: CliIo, options: ProgressOptions): ProgressDisplay {
  if (options.json) return { onProgress: () => {}, stop: () => {} };
  const tty = io.stderr.isTTY === true && io.env.TERM !== 'dumb';
  if (tty) return barDisplay(io);
  // RECORDSTORE_PROGRESS_INTERVAL_MS: denser (or sparser) lines in logs of long runs.
  const fromEnv = Number(io.env.RECORDSTORE_PROGRESS_INTERVAL_MS);
  const interval =
    options.intervalMs ??
    (Number.isFinite(fromEnv) &&
    fromEnv >= 0 &&
    io.env.RECORDSTORE_PROGRESS_INTERVAL_MS !== undefined &&
    io.env.RECORDSTORE_PROGRESS_INTERVAL_MS !== ''
      ? fromEnv
      : PLAIN_PROGRESS_INTERVAL_MS);
  return plainDisplay(io, interval);
}

/** `12,345` */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** `4s`, `3m05s`, `1h02m` */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '?';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** One plain progress line: `copying: 12,000/50,000 (24%), 10,535 records/s, ETA 4s`. */
export function describeProgress(p: TransferProgress): string {
  const label = PHASE_LABEL[p.phase] ?? p.phase;
  const of = p.total === null ? '' : `/${formatCount(p.total)}`;
  const percent =
    p.total === null || p.total === 0 ? '' : ` (${Math.min(100, Math.floor((p.done * 100) / p.total))}%)`;
  const eta = p.etaMs === null ? '' : `, ETA ${formatDuration(p.etaMs)}`;
  return `${label}: ${formatCount(p.done)}${of}${percent}, ${formatCount(p.ratePerSecond)} records/s${eta}`;
}

function plainDisplay(io: CliIo, intervalMs: number): ProgressDisplay {
  let last: TransferProgress | null = null;
  let printed: TransferProgress | null = null;
  let printedAt = 0;
  const print = (p: TransferProgress) => {
    io.stderr.write(`${describeProgress(p)}\n`);
    printed = p;
    printedAt = performance.now();
  };
  const flush = () => {
    if (last !== null && last !== printed) print(last);
  };
  return {
    onProgress: (p) => {
      // A new phase: finish the previous one's line, then announce this one at once.
      if (last !== null && last.phase !== p.phase) flush();
      const first = printed === null || printed.phase !== p.phase;
      last = p;
      if (first || performance.now() - printedAt >= intervalMs) print(p);
    },
    stop: () => {
      flush();
      last = null;
    },
  };
}

function barDisplay(io: CliIo): ProgressDisplay {
  const colors = pc.createColors(colorEnabled(io.stderr, io.env));
  let bar: cliProgress.SingleBar | null = null;
  let phase: TransferPhase | null = null;
  const finish = () => {
    bar?.stop();
    bar = null;
    phase = null;
  };
  const payload = (p: TransferProgress) => ({
    label: (PHASE_LABEL[p.phase] ?? p.phase).padEnd(16),
    done: formatCount(p.done),
    of: formatCount(Math.max(p.total ?? p.done, p.done)),
    rate: formatCount(p.ratePerSecond),
    etaText: formatDuration(p.etaMs),
  });
  return {
    onProgress: (p) => {
      if (phase !== p.phase) {
        finish();
        phase = p.phase;
        bar = new cliProgress.SingleBar({
          stream: io.stderr as NodeJS.WritableStream,
          format: `${colors.bold('{label}')} ${colors.cyan('{bar}')} {percentage}% | {done}/{of} | {rate} records/s | ETA {etaText}`,
          barCompleteChar: '\u2588',
          barIncompleteChar: '\u2591',
          hideCursor: true,
          // The engines report after every batch; redraw at most 10 times a second.
          fps: 10,
        });
        // total 0 (nothing to do) would be 0/0: draw it as complete.
        bar.start(Math.max(p.total ?? 0, p.done, 1), p.total === 0 ? 1 : p.done, payload(p));
        return;
      }
      bar?.setTotal(Math.max(p.total ?? 0, p.done, 1));
      bar?.update(p.total === 0 ? 1 : p.done, payload(p));
    },
    stop: finish,
  };
}
