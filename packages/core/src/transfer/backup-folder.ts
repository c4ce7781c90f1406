import { readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describeValue } from '../describe-value.js';
import { validationError } from '../errors.js';
import { DEFAULT_BACKUP_PREFIX } from './backup-create.js';
import { BACKUP_EXTENSION, type BackupManifest, manifestPathOf } from './backup-file.js';
import { readHeader, readManifest } from './backup-verify.js';
import { positiveInt } from './transfer-options.js';

/** One backup found by {@link listBackups}. */
export interface BackupEntry {
  /** Absolute path. */
  file: string;
  /** File name. */
  name: string;
  bytes: number;
  /** When the backup began (from its manifest or header; the file's mtime when neither reads). */
  createdAt: Date;
  /** The sidecar manifest, or null when it is missing or unreadable (the file itself may still be fine). */
  manifest: BackupManifest | null;
}

/**
 * Lists the backups in `dir`, newest first: complete files only (temporary files of a backup in progress
 * are not listed). Cheap: reads the sidecar manifests, or the first line of a file without one.
 * A missing folder lists as empty.
 */
export async function listBackups(dir: string, options: { prefix?: string } = {}): Promise<BackupEntry[]> {
  const folder = resolve(dir);
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const entries: BackupEntry[] = [];
  for (const name of names) {
    if (!name.endsWith(BACKUP_EXTENSION)) continue;
    if (options.prefix !== undefined && !name.startsWith(`${options.prefix}-`)) continue;
    const file = join(folder, name);
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(file);
    } catch {
      continue; // Pruned meanwhile.
    }
    if (!info.isFile()) continue;
    const manifest = await readManifest(file);
    let createdAt = manifest ? new Date(manifest.created_at) : null;
    if (createdAt === null || Number.isNaN(createdAt.getTime())) {
      const header = await readHeader(file).catch(() => null);
      createdAt = header ? new Date(header.created_at) : null;
    }
    if (createdAt === null || Number.isNaN(createdAt.getTime())) createdAt = info.mtime;
    entries.push({ file, name, bytes: info.size, createdAt, manifest });
  }
  return entries.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.name < b.name ? 1 : -1));
}

/** Options of {@link pruneBackups}. */
export interface PruneBackupsOptions {
  /** Delete backups that began more than this many days ago. */
  retentionDays?: number;
  /** Keep at most this many backups (the newest). */
  maxFiles?: number;
  /** Only files named `<prefix>-...` are considered (default `recordstore`). */
  prefix?: string;
  /** The current time (default now). */
  now?: Date;
}

/** What {@link pruneBackups} did. */
export interface PruneResult {
  /** Backup files deleted (absolute paths). */
  deleted: string[];
  /** Backup files kept. */
  kept: string[];
}

const STALE_TEMP_MS = 24 * 3600 * 1000;

/**
 * Deletes old backups (and their manifests) in `dir`: those older than `retentionDays`, then all but the
 * `maxFiles` newest. The newest backup is never deleted, so a store with backups on always has one.
 * Leftover temporary files of backups that crashed more than a day ago are removed too.
 */
export async function pruneBackups(dir: string, options: PruneBackupsOptions): Promise<PruneResult> {
  const prefix = options.prefix ?? DEFAULT_BACKUP_PREFIX;
  const now = (options.now ?? new Date()).getTime();
  if (options.retentionDays !== undefined && !(options.retentionDays >= 0)) {
    throw validationError(
      `retentionDays must be a non-negative number, got ${describeValue(options.retentionDays)}.`,
      'retentionDays',
    );
  }
  if (options.maxFiles !== undefined) positiveInt(options.maxFiles, 'maxFiles');
  const backups = await listBackups(dir, { prefix });
  const deleted: string[] = [];
  const kept: string[] = [];
  backups.forEach((entry, index) => {
    const tooOld =
      options.retentionDays !== undefined &&
      options.retentionDays > 0 &&
      now - entry.createdAt.getTime() > options.retentionDays * 86_400_000;
    const tooMany = options.maxFiles !== undefined && index >= options.maxFiles;
    if (index > 0 && (tooOld || tooMany)) deleted.push(entry.file);
    else kept.push(entry.file);
  });
  for (const file of deleted) {
    await rm(manifestPathOf(file), { force: true });
    await rm(file, { force: true });
  }
  await removeStaleTemporaries(resolve(dir), prefix, now);
  return { deleted, kept };
}

async function removeStaleTemporaries(folder: string, prefix: string, now: number): Promise<void> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(`${prefix}-`) || !name.includes('.tmp-')) continue;
    const file = join(folder, name);
    const info = await stat(file).catch(() => null);
    if (info && now - info.mtimeMs > STALE_TEMP_MS) await rm(file, { force: true });
  }
}
