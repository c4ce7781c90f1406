import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { StorageBackend } from '../backend.js';
import { StorageError, validationError } from '../errors.js';
import { describeValue, isPlainObject, type RecordInput } from '../record.js';
import {
  BACKUP_END_FORMAT,
  BACKUP_EXTENSION,
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  type BackupHeader,
  type BackupManifest,
  type BackupTrailer,
  manifestPathOf,
  RECORDSTORE_VERSION,
  readBackupLines,
  sha256,
} from './backup-file.js';
import { bulkImporterOf, writeBatch } from './bulk-write.js';
import { type ProgressListener, ProgressTracker } from './progress.js';

/** Default batch size of backups and restores when neither the caller nor the file says otherwise. */
const DEFAULT_BATCH_SIZE = 1000;
/** Default restore batch when the target offers a bulk import path: bigger batches are what make it pay. */
const DEFAULT_IMPORT_BATCH_SIZE = 10_000;
/** Default file name prefix; `pruneBackups` only touches files with its prefix. */
export const DEFAULT_BACKUP_PREFIX = 'recordstore';

/** Options of {@link createBackup}. */
export interface CreateBackupOptions {
  /** File name prefix (default `recordstore`): files are `<prefix>-<backend>-<UTC stamp>.ndjson.gz`. */
  prefix?: string;
  /** Records read per round trip (default 1000). Memory holds about one batch. */
  batchSize?: number;
  /** The source's schema version for the manifest; default: what its health check reports, if anything. */
  schemaVersion?: string | number | null;
  onProgress?: ProgressListener;
  /** Aborting stops the backup between batches and removes the partial file. */
  signal?: AbortSignal;
  /** The time stamped into the name and manifest (default now); tests pass fixed instants. */
  now?: Date;
}

/** What {@link createBackup} made. */
export interface BackupResult {
  /** Absolute path of the backup file. */
  file: string;
  /** Absolute path of its sidecar manifest. */
  manifestFile: string;
  manifest: BackupManifest;
  durationMs: number;
}

/**
 * Writes every live record of `backend` into a new compressed NDJSON file in `dir` (created when missing),
 * streaming: memory holds one batch whatever the store's size. The file is written under a temporary name,
 * flushed to disk, and renamed into place only when complete, so a crash never leaves a file that looks like
 * a backup. The sidecar manifest is renamed into place first; the backup file's rename is the commit point.
 *
 * Consistency: records are read in pages (keyset on created_at, id), not in one snapshot; a record written
 * during the backup may or may not be in it, but each record appears at most once, as one of its versions.
 *
 * @example
 * const { file } = await createBackup(store, './data/backups');
 */
export async function createBackup(
  backend: StorageBackend,
  dir: string,
  options: CreateBackupOptions = {},
): Promise<BackupResult> {
  const started = performance.now();
  const batchSize = positiveInt(options.batchSize ?? DEFAULT_BATCH_SIZE, 'batchSize');
  const prefix = options.prefix ?? DEFAULT_BACKUP_PREFIX;
  if (!/^[A-Za-z0-9_.-]+$/.test(prefix)) {
    throw validationError(
      `prefix must use letters, digits, _ . - only, got ${describeValue(prefix)}.`,
      'prefix',
    );
  }
  const folder = resolve(dir);
  await mkdir(folder, { recursive: true });
  const now = options.now ?? new Date();
  const schemaVersion =
    options.schemaVersion !== undefined ? options.schemaVersion : await reportedSchemaVersion(backend);
  const name = await freeName(folder, `${prefix}-${safeName(backend.name)}-${stamp(now)}`);
  const file = join(folder, `${name}${BACKUP_EXTENSION}`);
  const manifestFile = manifestPathOf(file);
  const suffix = `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmpFile = `${file}${suffix}`;
  const tmpManifest = `${manifestFile}${suffix}`;

  const header: BackupHeader = {
    format: BACKUP_FORMAT,
    format_version: BACKUP_FORMAT_VERSION,
    source_backend: backend.name,
    schema_version: schemaVersion,
    created_at: now.toISOString(),
    recordstore_version: RECORDSTORE_VERSION,
  };
  const total = await backend.count();
  const progress = new ProgressTracker('backup', total, options.onProgress);
  const recordsHash = sha256();
  const fileHash = sha256();
  let count = 0;
  let trailer: BackupTrailer | null = null;

  async function* lines(): AsyncGenerator<string> {
    yield `${JSON.stringify(header)}\n`;
    let chunk = '';
    let inChunk = 0;
    for await (const record of backend.stream(undefined, { batchSize })) {
      const line = `${JSON.stringify(record)}\n`;
      recordsHash.update(line);
      chunk += line;
      count++;
      if (++inChunk === batchSize) {
        yield chunk;
        progress.add(inChunk);
        chunk = '';
        inChunk = 0;
        if (options.signal?.aborted) throw abortError(options.signal, 'backup');
      }
    }
    if (inChunk > 0) {
      yield chunk;
      progress.add(inChunk);
    }
    trailer = {
      format: BACKUP_END_FORMAT,
      record_count: count,
      records_sha256: recordsHash.digest('hex'),
      completed_at: new Date().toISOString(),
    };
    yield `${JSON.stringify(trailer)}\n`;
  }

  try {
    const hashing = new Transform({
      transform(data: Buffer, _encoding, callback) {
        fileHash.update(data);
        callback(null, data);
      },
    });
    await pipeline(
      Readable.from(lines()),
      createGzip(),
      hashing,
      createWriteStream(tmpFile, { flags: 'wx' }),
    );
    await fsyncFile(tmpFile);
    const bytes = (await stat(tmpFile)).size;
    const done = trailer as BackupTrailer | null;
    if (done === null)
      throw new StorageError('internal', 'backup: the record stream ended without a trailer.');
    const manifest: BackupManifest = {
      ...header,
      record_count: done.record_count,
      records_sha256: done.records_sha256,
      completed_at: done.completed_at,
      file: basename(file),
      file_bytes: bytes,
      file_sha256: fileHash.digest('hex'),
    };
    await writeFile(tmpManifest, `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx' });
    await fsyncFile(tmpManifest);
    await rename(tmpManifest, manifestFile);
    await rename(tmpFile, file);
    await fsyncDir(folder);
    return { file, manifestFile, manifest, durationMs: Math.round(performance.now() - started) };
  } catch (error) {
    await rm(tmpFile, { force: true });
    await rm(tmpManifest, { force: true });
    throw error;
  }
}

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

/** What {@link verifyBackup} found. */
export interface BackupVerification {
  /** True when the file is complete and every check passed. */
  ok: boolean;
  file: string;
  /** Record lines read (up to the problem, if there is one). */
  recordCount: number;
  header: BackupHeader | null;
  trailer: BackupTrailer | null;
  /** What is wrong, for an operator: null when ok. */
  problem: string | null;
  durationMs: number;
}

/** Options of {@link verifyBackup}. */
export interface VerifyBackupOptions {
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

/**
 * Reads a whole backup file and checks it: gzip integrity (truncation, CRC), the header's format and
 * version, that every record line is a JSON object with an id, the trailer's count and SHA-256 of the record
 * lines, nothing after the trailer, and agreement with the sidecar manifest when there is one. Streams;
 * never throws for a damaged file (it says what is wrong in `problem`).
 */
export async function verifyBackup(
  file: string,
  options: VerifyBackupOptions = {},
): Promise<BackupVerification> {
  const started = performance.now();
  const path = resolve(file);
  const manifest = await readManifest(path);
  const progress = new ProgressTracker('verify-backup', manifest?.record_count ?? null, options.onProgress);
  const recordsHash = sha256();
  const fileHash = sha256();
  let header: BackupHeader | null = null;
  let trailer: BackupTrailer | null = null;
  let count = 0;
  let previous: { number: number; text: string } | null = null;
  const result = (problem: string | null): BackupVerification => ({
    ok: problem === null,
    file: path,
    recordCount: count,
    header,
    trailer,
    problem,
    durationMs: Math.round(performance.now() - started),
  });

  try {
    await stat(path);
  } catch {
    return result(`${path} does not exist or cannot be read.`);
  }
  try {
    for await (const line of readBackupLines(path, fileHash)) {
      if (line.number === 1) {
        const problem = headerProblem(line.text);
        if (problem) return result(problem);
        header = JSON.parse(line.text) as BackupHeader;
        continue;
      }
      if (!line.terminated) {
        return result(`the file ends in the middle of line ${line.number}: it is truncated.`);
      }
      // A line is a record once a later line shows up: the last line must be the end marker. (Deciding by
      // position, not content, keeps a record whose data looks like an end marker a record.)
      if (previous !== null) {
        const problem = recordProblem(previous.text, previous.number);
        if (problem) return result(problem);
        recordsHash.update(`${previous.text}\n`);
        count++;
        if (count % 1000 === 0) {
          progress.add(1000);
          if (options.signal?.aborted) throw abortError(options.signal, 'verify');
        }
      }
      previous = line;
    }
  } catch (error) {
    if (isAbort(error)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    return result(
      `the file cannot be decompressed after ${count} records (${message}): it is truncated or corrupted.`,
    );
  }
  trailer = previous === null ? null : parseTrailer(previous.text);
  progress.add(count % 1000);
  if (header === null) return result('the file is empty.');
  if (trailer === null) {
    return result(
      `no end marker after ${count} records: the file is truncated (a backup that did not finish, or a partial copy).`,
    );
  }
  const end = trailer as BackupTrailer;
  if (end.record_count !== count) {
    return result(`the end marker says ${end.record_count} records but the file holds ${count}.`);
  }
  if (end.records_sha256 !== recordsHash.digest('hex')) {
    return result('the SHA-256 of the record lines does not match the end marker: the records were altered.');
  }
  if (manifest !== null) {
    if (manifest.record_count !== count || manifest.records_sha256 !== end.records_sha256) {
      return result(`the sidecar manifest ${basename(manifestPathOf(path))} does not describe this file.`);
    }
    if (manifest.file_sha256 !== fileHash.digest('hex')) {
      return result(`the file's SHA-256 differs from its sidecar manifest: the file was altered.`);
    }
  }
  return result(null);
}

/** How {@link restoreBackup} treats a target that already holds records. */
export type RestoreMode = 'fail-if-not-empty' | 'merge' | 'replace';

/** Options of {@link restoreBackup}. */
export interface RestoreBackupOptions {
  /**
   * - `fail-if-not-empty` (default): refuse when the target holds any live record;
   * - `merge`: upsert the backup's records over the target's (same id: the backup's version wins; other
   *   records stay);
   * - `replace`: delete every record of the target, then load the backup.
   */
  mode?: RestoreMode;
  /**
   * Records per write, each written all or nothing (default 1000; 10,000 when the target offers a bulk
   * import path such as PostgreSQL's COPY-based `importRecords`).
   */
  batchSize?: number;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

/** What {@link restoreBackup} did. */
export interface RestoreResult {
  file: string;
  mode: RestoreMode;
  /** Records written into the target. */
  restored: number;
  /** Records deleted first (`replace` only). */
  deleted: number;
  verification: BackupVerification;
  durationMs: number;
}

const RESTORE_MODES: readonly RestoreMode[] = ['fail-if-not-empty', 'merge', 'replace'];

/**
 * Restores a backup into any backend, in two streaming passes: first the whole file is verified
 * ({@link verifyBackup}) and nothing is touched unless it is intact; then its records are written with
 * `saveMany(batch, { preserveTimestamps: true })`, keeping id, created_at, updated_at, expires_at and
 * metadata exactly (a record without expiry gets none, even in a store with a default TTL). A target that
 * offers a bulk import path (an `importRecords` method, e.g. PostgreSQL's COPY import) gets each batch
 * through it instead, with the same guarantees (validation, one batch all or nothing, timestamps kept).
 *
 * @throws StorageError(validation) when the file is damaged (nothing was written);
 *   StorageError(conflict) when the target holds records and `mode` is `fail-if-not-empty`.
 */
export async function restoreBackup(
  file: string,
  backend: StorageBackend,
  options: RestoreBackupOptions = {},
): Promise<RestoreResult> {
  const started = performance.now();
  const mode = options.mode ?? 'fail-if-not-empty';
  if (!RESTORE_MODES.includes(mode)) {
    throw validationError(
      `mode must be one of ${RESTORE_MODES.join(', ')}, got ${describeValue(mode)}.`,
      'mode',
    );
  }
  const defaultBatch = bulkImporterOf(backend) === null ? DEFAULT_BATCH_SIZE : DEFAULT_IMPORT_BATCH_SIZE;
  const batchSize = positiveInt(options.batchSize ?? defaultBatch, 'batchSize');
  const path = resolve(file);
  const verification = await verifyBackup(path, {
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (!verification.ok) {
    throw new StorageError(
      'validation',
      `Backup ${path} is damaged: ${verification.problem} Nothing was restored; use another backup.`,
      { path: 'file' },
    );
  }
  const existing = await backend.count();
  if (existing > 0 && mode === 'fail-if-not-empty') {
    throw new StorageError(
      'conflict',
      `The target ${backend.name} store holds ${existing} records; nothing was restored. Restore into an empty ` +
        'store, or choose mode "merge" (upsert over existing records) or "replace" (delete them first).',
      { backend: backend.name },
    );
  }
  const deleted = mode === 'replace' && existing > 0 ? await backend.deleteMany({}) : 0;
  const progress = new ProgressTracker('restore', verification.recordCount, options.onProgress);
  const recordsHash = sha256();
  let batch: RecordInput[] = [];
  let restored = 0;
  let previous: string | null = null;
  const flush = async () => {
    if (batch.length === 0) return;
    await writeBatch(backend, batch);
    restored += batch.length;
    progress.add(batch.length);
    batch = [];
    if (options.signal?.aborted) throw abortError(options.signal, 'restore');
  };
  for await (const line of readBackupLines(path)) {
    if (line.number === 1) continue;
    // Hold one line back: the last line is the trailer, not a record.
    if (previous !== null) {
      recordsHash.update(`${previous}\n`);
      batch.push(toRestoredRecord(JSON.parse(previous) as Record<string, unknown>));
      if (batch.length >= batchSize) await flush();
    }
    previous = line.text;
  }
  await flush();
  if (recordsHash.digest('hex') !== verification.trailer?.records_sha256) {
    throw new StorageError(
      'internal',
      `Backup ${path} changed while it was being restored (its checksum differs between the two passes); ` +
        `${restored} records were written. Restore again with mode "replace".`,
    );
  }
  return {
    file: path,
    mode,
    restored,
    deleted,
    verification,
    durationMs: Math.round(performance.now() - started),
  };
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

// --- helpers ---

/**
 * A backup line back into a record to save. Timestamps stay ISO strings (saveMany parses them exactly); a
 * record written without `expires_at` gets an explicit null so a target with a default TTL adds none.
 */
function toRestoredRecord(record: Record<string, unknown>): RecordInput {
  if (!('expires_at' in record)) record.expires_at = null;
  return record as RecordInput;
}

function headerProblem(text: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'the first line is not JSON: this is not a recordstore backup.';
  }
  if (!isPlainObject(value) || value.format !== BACKUP_FORMAT) {
    return 'the first line is not a recordstore backup header.';
  }
  if (value.format_version !== BACKUP_FORMAT_VERSION) {
    return `the backup format version is ${describeValue(value.format_version)}; this recordstore reads version ${BACKUP_FORMAT_VERSION}. Use a matching recordstore version.`;
  }
  if (typeof value.source_backend !== 'string' || typeof value.created_at !== 'string') {
    return 'the header lacks source_backend or created_at.';
  }
  return null;
}

function recordProblem(text: string, line: number): string | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return `line ${line} is not valid JSON: the file is corrupted.`;
  }
  if (!isPlainObject(value) || typeof value.id !== 'string' || value.id === '') {
    return `line ${line} is not a record (a JSON object with an id): the file is corrupted.`;
  }
  return null;
}

function parseTrailer(text: string): BackupTrailer | null {
  try {
    const value = JSON.parse(text) as unknown;
    if (
      isPlainObject(value) &&
      value.format === BACKUP_END_FORMAT &&
      typeof value.record_count === 'number' &&
      typeof value.records_sha256 === 'string'
    ) {
      return value as unknown as BackupTrailer;
    }
  } catch {
    // Not JSON: the caller reports a missing end marker.
  }
  return null;
}

/** Reads the first line of a backup (its header); null when it is not a backup. */
export async function readHeader(file: string): Promise<BackupHeader | null> {
  for await (const line of readBackupLines(file)) {
    return headerProblem(line.text) === null ? (JSON.parse(line.text) as BackupHeader) : null;
  }
  return null;
}

async function readManifest(file: string): Promise<BackupManifest | null> {
  try {
    const value = JSON.parse(await readFile(manifestPathOf(file), 'utf8')) as unknown;
    return isPlainObject(value) && value.format === BACKUP_FORMAT
      ? (value as unknown as BackupManifest)
      : null;
  } catch {
    return null;
  }
}

async function reportedSchemaVersion(backend: StorageBackend): Promise<string | number | null> {
  const health = await backend.healthCheck();
  const details = health.details;
  for (const key of ['schemaVersion', 'schema_version', 'migrationVersion']) {
    const value = details[key];
    if (typeof value === 'string' || typeof value === 'number') return value;
  }
  return null;
}

function stamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace('.', '');
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_');
}

async function freeName(folder: string, base: string): Promise<string> {
  for (let i = 0; ; i++) {
    const name = i === 0 ? base : `${base}-${i}`;
    const taken = await stat(join(folder, `${name}${BACKUP_EXTENSION}`)).then(
      () => true,
      () => false,
    );
    if (!taken) return name;
  }
}

async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function fsyncDir(path: string): Promise<void> {
  // Makes the renames durable; some platforms cannot open a directory, which is harmless to skip.
  try {
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Best effort.
  }
}

function positiveInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw validationError(`${name} must be a positive integer, got ${describeValue(value)}.`, name);
  }
  return value;
}

/** An error raised when an AbortSignal stops a transfer. */
export function abortError(signal: AbortSignal, what: string): Error {
  const reason = signal.reason instanceof Error ? signal.reason.message : 'aborted';
  const error = new StorageError('internal', `${what} stopped: ${reason}.`);
  (error as { aborted?: boolean }).aborted = true;
  return error;
}

function isAbort(error: unknown): boolean {
  return (error as { aborted?: boolean } | null)?.aborted === true;
}
