import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { StorageBackend } from '../backend.js';
import { describeValue } from '../describe-value.js';
import { StorageError, validationError } from '../errors.js';
import { traceWith } from '../runtime/tracing.js';
import { abortError } from './abort.js';
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
  sha256,
} from './backup-file.js';
import { type ProgressListener, ProgressTracker } from './progress.js';
import { schemaVersionOf } from './schema-version.js';
import { DEFAULT_BATCH_SIZE, positiveInt } from './transfer-options.js';

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
export function createBackup(
  backend: StorageBackend,
  dir: string,
  options: CreateBackupOptions = {},
): Promise<BackupResult> {
  return traceWith([backend], 'backup', () => runBackup(backend, dir, options));
}

async function runBackup(
  backend: StorageBackend,
  dir: string,
  options: CreateBackupOptions,
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
    options.schemaVersion !== undefined ? options.schemaVersion : await schemaVersionOf(backend);
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
