/** Which step of a transfer a progress report is about. */
export type TransferPhase = 'backup' | 'verify-backup' | 'restore' | 'copy' | 'catch-up' | 'verify-copy';

/**
 * A progress report, given to `onProgress` callbacks often enough to draw a progress bar (after every
 * batch). `total` is what was counted when the phase began: a store being written meanwhile can make
 * `done` end above or below it.
 */
export interface TransferProgress {
  phase: TransferPhase;
  /** Records handled so far in this phase. */
  done: number;
  /** Records expected in this phase, or null when unknown. */
  total: number | null;
  /** Records per second since the phase began. */
  ratePerSecond: number;
  elapsedMs: number;
  /** Estimated time to finish, or null when unknown. */
  etaMs: number | null;
}

/** A progress callback. It must not throw; a throw is ignored so a broken progress bar never aborts a copy. */
export type ProgressListener = (progress: TransferProgress) => void;

/** Counts records for one phase and reports them to a listener. */
export class ProgressTracker {
  readonly #phase: TransferPhase;
  readonly #listener: ProgressListener | undefined;
  readonly #started = performance.now();
  #total: number | null;
  done = 0;

  constructor(phase: TransferPhase, total: number | null, listener: ProgressListener | undefined) {
    this.#phase = phase;
    this.#total = total;
    this.#listener = listener;
  }

  /** Adds `n` handled records and reports. */
  add(n: number): void {
    this.done += n;
    this.report();
  }

  /** Reports the current figures. */
  report(): void {
    if (this.#listener === undefined) return;
    try {
      this.#listener(this.snapshot());
    } catch {
      // A progress bar is decoration: its failure must not abort a transfer halfway.
    }
  }

  snapshot(): TransferProgress {
    const elapsedMs = performance.now() - this.#started;
    const ratePerSecond = elapsedMs > 0 ? (this.done * 1000) / elapsedMs : 0;
    const remaining = this.#total === null ? null : Math.max(0, this.#total - this.done);
    const etaMs =
      remaining === null ? null : ratePerSecond > 0 ? Math.round((remaining * 1000) / ratePerSecond) : null;
    return {
      phase: this.#phase,
      done: this.done,
      total: this.#total,
      ratePerSecond: Math.round(ratePerSecond),
      elapsedMs: Math.round(elapsedMs),
      etaMs,
    };
  }
}
