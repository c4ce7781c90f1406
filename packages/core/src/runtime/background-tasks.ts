import type { StorageBackend } from '../backend.js';
import type { Logger } from '../clock.js';
import type { CoreSettings } from '../config/common-config.js';
import { BackupScheduler } from '../transfer/scheduler.js';

/**
 * Starts the TTL cleanup timer of a connected store, or returns null when `cleanup_interval_seconds` turns
 * it off. A slow cleanup never overlaps the next tick's, a failure is logged (never thrown into the timer),
 * and the timer never keeps a process alive on its own.
 */
export function startCleanupTimer(
  store: Pick<StorageBackend, 'name' | 'cleanupExpired'>,
  settings: CoreSettings,
  logger: Logger,
): NodeJS.Timeout | null {
  const interval = settings.cleanupIntervalMs;
  if (interval === null) return null;
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    store
      .cleanupExpired()
      .catch((error: unknown) => {
        const err = error instanceof Error ? error.message : String(error);
        logger.warn({ backend: store.name, err }, 'recordstore: TTL cleanup failed');
      })
      .finally(() => {
        running = false;
      });
  }, interval);
  timer.unref();
  return timer;
}

/** Starts the scheduled backups the config asks for (`backup_enabled`), or returns null. */
export function startBackups(
  store: StorageBackend,
  settings: CoreSettings,
  logger: Logger,
): BackupScheduler | null {
  const backup = settings.backup;
  if (!backup?.enabled) return null;
  const scheduler = new BackupScheduler(store, {
    dir: backup.path,
    intervalMs: backup.intervalMs,
    retentionDays: backup.retentionDays,
    maxFiles: backup.maxFiles,
    logger,
    batchSize: settings.batchSize,
  });
  scheduler.start();
  return scheduler;
}
