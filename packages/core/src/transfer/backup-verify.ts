import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { describeValue } from '../describe-value.js';
import { isPlainObject } from '../json-value.js';
import { abortError, isAbort } from './abort.js';
import {
  BACKUP_END_FORMAT,
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  type BackupHeader,
  type BackupManifest,
  type BackupTrailer,
  manifestPathOf,
  readBackupLines,
  sha256,
} from './backup-file.js';
import { type ProgressListener, ProgressTracker } from './progress.js';

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

/** Reads the sidecar manifest of a backup file; null when it is missing or not a recordstore manifest. */
export async function readManifest(file: string): Promise<BackupManifest | null> {
  try {
    const value = JSON.parse(await readFile(manifestPathOf(file), 'utf8')) as unknown;
    return isPlainObject(value) && value.format === BACKUP_FORMAT
      ? (value as unknown as BackupManifest)
      : null;
  } catch {
    return null;
  }
}
