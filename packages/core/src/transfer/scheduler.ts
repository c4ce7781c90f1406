import type { StorageBackend } from '../backend.js';
import { type Logger, silentLogger } from '../clock.js';
import type { LockLease } from '../driver/capabilities.js';
import { StorageError } from '../errors.js';
import { type BackupResult, createBackup } from './backup-create.js';
import { listBackups, type PruneResult, pruneBackups } from './backup-folder.js';

/** The lock scheduled backups take through the store's `lock` capability: one process per store at a time. */
export const SCHEDULED_BACKUP_LOCK = 'scheduled-backup';
/** The meta key holding when the store's last scheduled backup finished (ISO-8601), across processes. */
export const LAST_SCHEDULED_BACKUP_KEY = 'backup.last_scheduled_at';

/** Settings of a {@link BackupScheduler}. */
export interface BackupSchedulerOptions {
  /** Folder of the backups (created when missing). */
  dir: string;
  /** Time between backups, in ms (> 0). */
  intervalMs: number;
  /** Backups older than this are pruned after each backup (0: no age limit). */
  retentionDays: number;
  /** At most this many backups are kept. */
  maxFiles: number;
  /** File name prefix, and the set of files pruning considers (default `recordstore`). */
  prefix?: string;
  /** Receives failures (default: the backend's logger when started by the backend, else silent). */
  logger?: Logger;
  /** Records per read (default 1000). */
  batchSize?: number;
}

/**
 * Takes backups of an open store on an interval, prunes after each one, and never disturbs the application:
 * its timer is unref'd (it never keeps a process alive), a run never overlaps the previous one, and failures
 * are logged, never thrown. The first backup is due one interval after the newest backup already in the
 * folder (immediately when there is none, or it is older), so restarting an application does not postpone
 * backups forever.
 *
 * Several application instances on one store take one backup per interval between them, not one each,
 * when the store offers the `lock` and `meta` capabilities (PostgreSQL: an advisory lock; SQLite: a lock
 * file): a run takes the store-wide lock (skipping when another process holds it), then backs up only when
 * the last scheduled backup any process recorded in the store's meta storage is an interval old. Without
 * them, each instance keeps its own schedule.
 *
 * The core runtime (`StorageRuntime`) starts one on `connect()` when `backup_enabled` is true and stops it on `close()`;
 * construct one yourself for a store you manage differently.
 */
export class BackupScheduler {
  readonly #backend: StorageBackend;
  readonly #options: BackupSchedulerOptions;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<BackupResult | null> | null = null;
  #abort: AbortController | null = null;
  #stopped = true;
  /** Set by a timer run that found the backup not due yet: when to look again. */
  #nextDelay: number | null = null;
  /** The last backup's outcome, for health reports (`skipped`: another process held the lock). */
  last: { at: Date; file?: string; error?: string; skipped?: string } | null = null;

  constructor(backend: StorageBackend, options: BackupSchedulerOptions) {
    if (!(options.intervalMs > 0) || !Number.isFinite(options.intervalMs)) {
      throw new StorageError(
        'config',
        `backup_interval_hours must be greater than 0 when backups are enabled, got ${options.intervalMs / 3_600_000}.`,
        { path: 'config.backup_interval_hours' },
      );
    }
    this.#backend = backend;
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
  }

  /** Starts the schedule (idempotent). */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    void this.#scheduleFirst();
  }

  async #scheduleFirst(): Promise<void> {
    let delay = 0;
    try {
      const newest = (await listBackups(this.#options.dir, { prefix: this.#prefix }))[0];
      if (newest) delay = Math.max(0, newest.createdAt.getTime() + this.#options.intervalMs - Date.now());
    } catch (error) {
      this.#logger.warn(
        { backend: this.#backend.name, dir: this.#options.dir, err: message(error) },
        'recordstore: cannot list existing backups; taking one now',
      );
    }
    if (this.#stopped) return;
    this.#schedule(Math.max(delay, await this.#notDueFor()));
  }

  #schedule(delay: number): void {
    if (this.#stopped) return;
    // setTimeout's limit is 2^31-1 ms (24.8 days); longer intervals wait in steps.
    const step = Math.min(delay, 2_147_483_647);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (step < delay) return this.#schedule(delay - step);
      void this.#start(true).finally(() => {
        const next = this.#nextDelay ?? this.#options.intervalMs;
        this.#nextDelay = null;
        this.#schedule(next);
      });
    }, step);
    this.#timer.unref();
  }

  /**
   * How long until a scheduled backup is due by the store's own record of the last one (any process's),
   * or 0 when it is due (within 5% of the interval, at most a minute) or the store keeps no such record.
   */
  async #notDueFor(): Promise<number> {
    const meta = this.#backend.capability('meta');
    if (!meta) return 0;
    try {
      const text = await meta.get(LAST_SCHEDULED_BACKUP_KEY);
      const last = text === null ? Number.NaN : Date.parse(text);
      if (Number.isNaN(last)) return 0;
      const wait = last + this.#options.intervalMs - Date.now();
      return wait > Math.min(this.#options.intervalMs * 0.05, 60_000) ? wait : 0;
    } catch (error) {
      this.#logger.warn(
        { backend: this.#backend.name, err: message(error) },
        'recordstore: cannot read when the last scheduled backup ran; taking one now',
      );
      return 0;
    }
  }

  get #prefix(): string {
    return this.#options.prefix ?? 'recordstore';
  }

  /**
   * Takes a backup now and prunes, unless one is already running (then waits for that one). Resolves to
   * the backup made, or null when it failed (the failure is logged) or another process holds the store's
   * backup lock.
   */
  runNow(): Promise<BackupResult | null> {
    return this.#start(false);
  }

  #start(ifDue: boolean): Promise<BackupResult | null> {
    this.#running ??= this.#locked(ifDue).finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  /** Runs a backup under the store-wide lock when the store offers one; `ifDue`: only when it is due. */
  async #locked(ifDue: boolean): Promise<BackupResult | null> {
    let lease: LockLease | null | undefined;
    try {
      lease = await this.#backend.capability('lock')?.tryAcquire(SCHEDULED_BACKUP_LOCK);
    } catch (error) {
      // The backup itself will fail the same way if the store is down; it is logged there.
      this.#logger.warn(
        { backend: this.#backend.name, err: message(error) },
        'recordstore: cannot take the scheduled backup lock; backing up without it',
      );
    }
    if (lease === null) {
      this.last = { at: new Date(), skipped: 'another process holds the backup lock' };
      this.#logger.info(
        { backend: this.#backend.name },
        'recordstore: scheduled backup skipped: another process is backing up this store',
      );
      return null;
    }
    try {
      if (ifDue) {
        const wait = await this.#notDueFor();
        if (wait > 0) {
          this.#nextDelay = wait;
          return null;
        }
      }
      const result = await this.#run();
      if (result !== null) await this.#recordLast();
      return result;
    } finally {
      await lease?.release().catch((error: unknown) => {
        this.#logger.warn(
          { backend: this.#backend.name, err: message(error) },
          'recordstore: releasing the scheduled backup lock failed',
        );
      });
    }
  }

  /** Records in the store's meta storage that a backup just finished, for every process's schedule. */
  async #recordLast(): Promise<void> {
    try {
      await this.#backend.capability('meta')?.set(LAST_SCHEDULED_BACKUP_KEY, new Date().toISOString());
    } catch (error) {
      this.#logger.warn(
        { backend: this.#backend.name, err: message(error) },
        'recordstore: cannot record when the scheduled backup ran',
      );
    }
  }

  async #run(): Promise<BackupResult | null> {
    this.#abort = new AbortController();
    try {
      const result = await createBackup(this.#backend, this.#options.dir, {
        prefix: this.#prefix,
        signal: this.#abort.signal,
        ...(this.#options.batchSize ? { batchSize: this.#options.batchSize } : {}),
      });
      this.last = { at: new Date(), file: result.file };
      this.#logger.info(
        { backend: this.#backend.name, file: result.file, records: result.manifest.record_count },
        'recordstore: backup written',
      );
      let pruned: PruneResult | null = null;
      try {
        pruned = await pruneBackups(this.#options.dir, {
          retentionDays: this.#options.retentionDays,
          maxFiles: this.#options.maxFiles,
          prefix: this.#prefix,
        });
      } catch (error) {
        this.#logger.warn(
          { backend: this.#backend.name, dir: this.#options.dir, err: message(error) },
          'recordstore: pruning old backups failed',
        );
      }
      if (pruned && pruned.deleted.length > 0) {
        this.#logger.info(
          { backend: this.#backend.name, deleted: pruned.deleted },
          'recordstore: old backups pruned',
        );
      }
      return result;
    } catch (error) {
      this.last = { at: new Date(), error: message(error) };
      if (!this.#abort.signal.aborted) {
        this.#logger.error(
          { backend: this.#backend.name, dir: this.#options.dir, err: message(error) },
          'recordstore: scheduled backup failed; the next one is tried at the next interval',
        );
      }
      return null;
    } finally {
      this.#abort = null;
    }
  }

  /**
   * Stops the schedule. A backup in progress is aborted (its partial file removed) and awaited, so the
   * store can close safely right after.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#abort?.abort(new Error('the store is closing'));
    await this.#running;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
