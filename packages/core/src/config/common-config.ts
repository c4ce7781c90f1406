import { z } from 'zod';
import { StorageError } from '../errors.js';
import {
  configBoolean,
  configCount,
  configNumber,
  configPositiveInt,
  configPositiveNumber,
  configString,
} from './fields.js';

/**
 * Keys every backend's `config:` block accepts (TTL, compression, batching, limits, backups). A backend's
 * schema extends this shape with its own keys; see {@link defineBackendConfig}.
 */
export const commonConfigShape = {
  /** Give records without `expires_at` a default time to live, and run the cleanup timer. */
  ttl_enabled: configBoolean().default(false),
  /** Default time to live in seconds (the existing layer's key). */
  default_ttl_seconds: configPositiveInt().optional(),
  /** Default time to live in days (the design's key); exclusive with default_ttl_seconds. */
  default_ttl_days: configPositiveNumber().optional(),
  /** Seconds between expired-record cleanups (the existing layer's key). 0 turns the timer off. */
  cleanup_interval_seconds: configNumber().optional(),
  /** Hours between expired-record cleanups (the design's key); exclusive with cleanup_interval_seconds. */
  ttl_cleanup_interval_hours: configNumber().optional(),
  /** Compress records whose JSON exceeds compression_threshold bytes. */
  compression_enabled: configBoolean().default(false),
  /**
   * Size in bytes above which a record is compressed, by backends that compress records themselves
   * (`capabilities.compression: 'payload'`); a backend that compresses columns has no threshold to apply.
   */
  compression_threshold: configCount().default(1024),
  /** Rows per statement for bulk writes and cleanup batches. */
  batch_size: configPositiveInt().default(1000),
  /** Largest record accepted, in bytes of JSON. */
  max_record_bytes: configPositiveInt().default(16 * 1024 * 1024),
  /** Scheduled backups while a store is open (see BackupScheduler in transfer/). */
  backup_enabled: configBoolean().default(false),
  backup_interval_hours: configNumber().default(24),
  backup_retention_days: configNumber().default(30),
  backup_path: configString().optional(),
  max_backup_files: configPositiveInt().default(7),
  /**
   * Coalesce concurrent point operations (`load`, `exists`, `delete` outside transactions) issued in the
   * same event-loop turn into one statement per kind (`id = ANY($1)`). Each caller still gets its own
   * result or error; `false` restores one statement per call.
   */
  coalesce: configBoolean().default(true),
  /**
   * How long, in microseconds, a coalesced batch waits for more calls after its first one (0: only the
   * calls of the same event-loop turn). At most {@link MAX_COALESCE_WINDOW_US}: a longer wait would cost
   * every lone caller more latency than a batch saves.
   */
  coalesce_window_us: configCount().default(0),
} as const;

/** The longest `coalesce_window_us` accepted. */
export const MAX_COALESCE_WINDOW_US = 500;

/** Keys of the existing Python layer accepted as aliases of the design's names. */
export const COMMON_KEY_ALIASES: Readonly<Record<string, string>> = {
  enable_ttl: 'ttl_enabled',
  enable_compression: 'compression_enabled',
  enable_backup: 'backup_enabled',
};

const commonSchema = z.object(commonConfigShape);
/** The parsed common keys. */
export type CommonConfig = z.infer<typeof commonSchema>;

/** What the core runtime of a backend needs, derived from its config. */
export interface CoreSettings {
  /** Default TTL in ms for records without expires_at; null when TTL is off. */
  defaultTtlMs: number | null;
  /** Interval of the cleanup timer in ms; null for no timer. */
  cleanupIntervalMs: number | null;
  compression: { enabled: boolean; thresholdBytes: number };
  batchSize: number;
  maxRecordBytes: number;
  /** Scheduled backups while the store is open (see BackupScheduler). */
  backup: BackupSettings;
  /**
   * Coalescing of concurrent point operations (coalesce, coalesce_window_us). Absent (a definition's own
   * `settings()` that predates it): on, window 0, as the defaults of the keys.
   */
  coalesce?: CoalesceSettings;
}

/** How concurrent point operations are coalesced. */
export interface CoalesceSettings {
  /** False: every call runs its own statement, exactly as without coalescing. */
  enabled: boolean;
  /** Microseconds a batch stays open after its first call (0: until the end of the event-loop turn). */
  windowUs: number;
}

/** Scheduled-backup settings derived from backup_enabled, backup_interval_hours, backup_retention_days, max_backup_files, backup_path. */
export interface BackupSettings {
  enabled: boolean;
  /** Time between backups in ms. */
  intervalMs: number;
  /** Backups older than this many days are pruned (0: no age limit). */
  retentionDays: number;
  /** At most this many backups are kept. */
  maxFiles: number;
  /** Folder of the backups, relative to the working directory unless absolute. */
  path: string;
}

/** Where scheduled backups go when backup_path is not set (beside the default SQLite file). */
export const DEFAULT_BACKUP_PATH = './data/backups';

/**
 * Derives the core runtime settings from a backend's parsed config.
 * @throws StorageError(config) when two keys that mean the same thing are both set.
 */
export function coreSettingsFrom(config: CommonConfig): CoreSettings {
  exclusive(config, 'default_ttl_seconds', 'default_ttl_days');
  exclusive(config, 'cleanup_interval_seconds', 'ttl_cleanup_interval_hours');
  const ttlSeconds =
    config.default_ttl_seconds ??
    (config.default_ttl_days === undefined ? 3600 : config.default_ttl_days * 86_400);
  const intervalSeconds =
    config.cleanup_interval_seconds ??
    (config.ttl_cleanup_interval_hours === undefined ? 300 : config.ttl_cleanup_interval_hours * 3600);
  if (config.ttl_enabled && intervalSeconds > 0 && intervalSeconds < 1) {
    throw new StorageError(
      'config',
      `config: the TTL cleanup interval is ${intervalSeconds} s; use at least 1 second, or 0 to turn the timer off.`,
      {
        path: `config.${config.cleanup_interval_seconds === undefined ? 'ttl_cleanup_interval_hours' : 'cleanup_interval_seconds'}`,
      },
    );
  }
  return {
    defaultTtlMs: config.ttl_enabled ? Math.round(ttlSeconds * 1000) : null,
    cleanupIntervalMs: config.ttl_enabled && intervalSeconds > 0 ? Math.round(intervalSeconds * 1000) : null,
    compression: { enabled: config.compression_enabled, thresholdBytes: config.compression_threshold },
    batchSize: config.batch_size,
    maxRecordBytes: config.max_record_bytes,
    backup: backupSettingsFrom(config),
    coalesce: coalesceSettingsFrom(config),
  };
}

function coalesceSettingsFrom(config: CommonConfig): CoalesceSettings {
  if (config.coalesce_window_us > MAX_COALESCE_WINDOW_US) {
    throw new StorageError(
      'config',
      `config: coalesce_window_us is ${config.coalesce_window_us}; use at most ${MAX_COALESCE_WINDOW_US} (microseconds), or 0 to coalesce only the calls of one event-loop turn.`,
      { path: 'config.coalesce_window_us' },
    );
  }
  if (!config.coalesce && config.coalesce_window_us > 0) {
    throw new StorageError(
      'config',
      `config: coalesce_window_us (${config.coalesce_window_us}) has no effect with coalesce: false; remove it or turn coalescing on.`,
      { path: 'config.coalesce_window_us' },
    );
  }
  return { enabled: config.coalesce, windowUs: config.coalesce_window_us };
}

function backupSettingsFrom(config: CommonConfig): BackupSettings {
  if (config.backup_enabled && !(config.backup_interval_hours > 0)) {
    throw new StorageError(
      'config',
      `config: backup_interval_hours must be greater than 0 when backup_enabled is true, got ${config.backup_interval_hours}.`,
      { path: 'config.backup_interval_hours' },
    );
  }
  const path = config.backup_path?.trim();
  return {
    enabled: config.backup_enabled,
    intervalMs: Math.round(config.backup_interval_hours * 3_600_000),
    retentionDays: config.backup_retention_days,
    maxFiles: config.max_backup_files,
    path: path ? path : DEFAULT_BACKUP_PATH,
  };
}

function exclusive(config: CommonConfig, a: keyof CommonConfig, b: keyof CommonConfig): void {
  if (config[a] !== undefined && config[b] !== undefined) {
    throw new StorageError('config', `config: ${a} and ${b} say the same thing; set only one of them.`, {
      path: `config.${b}`,
    });
  }
}
