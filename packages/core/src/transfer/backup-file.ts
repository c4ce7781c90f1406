import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline, Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { packageVersion } from '../package-version.js';

/** The `format` of a backup's first line. */
export const BACKUP_FORMAT = 'recordstore-backup';
/** The `format` of a backup's last line. */
export const BACKUP_END_FORMAT = 'recordstore-backup-end';
/** The version of the backup format this code writes; it reads this version only. */
export const BACKUP_FORMAT_VERSION = 1;
/** Version of recordstore written into backup headers and manifests: @recordstore/core's package.json version. */
export const RECORDSTORE_VERSION = packageVersion(import.meta.url, '@recordstore/core');
/** Backup files end with this. */
export const BACKUP_EXTENSION = '.ndjson.gz';
/** The sidecar manifest of `<name>.ndjson.gz` is `<name>.manifest.json`. */
export const MANIFEST_EXTENSION = '.manifest.json';

/** The first line of a backup file. */
export interface BackupHeader {
  format: typeof BACKUP_FORMAT;
  format_version: number;
  /** Registered name of the backend the records came from (`sqlite`, `postgresql`, ...). */
  source_backend: string;
  /** The source's schema (migration) version when it reports one, else null. */
  schema_version: string | number | null;
  /** ISO-8601 instant the backup began. */
  created_at: string;
  recordstore_version: string;
}

/** The last line of a backup file: what a reader checks the records against. */
export interface BackupTrailer {
  format: typeof BACKUP_END_FORMAT;
  record_count: number;
  /** SHA-256 (hex) of the uncompressed record lines, each with its trailing newline, in file order. */
  records_sha256: string;
  /** ISO-8601 instant the last record was written. */
  completed_at: string;
}

/**
 * The sidecar `<name>.manifest.json` beside each backup: header and trailer in one object, plus the
 * compressed file's size and SHA-256 so a listing needs no decompression.
 */
export interface BackupManifest extends Omit<BackupHeader, 'format'>, Omit<BackupTrailer, 'format'> {
  format: typeof BACKUP_FORMAT;
  /** File name of the backup (no folder). */
  file: string;
  file_bytes: number;
  file_sha256: string;
}

/** The manifest path of a backup file. */
export function manifestPathOf(backupFile: string): string {
  const base = backupFile.endsWith(BACKUP_EXTENSION)
    ? backupFile.slice(0, -BACKUP_EXTENSION.length)
    : backupFile;
  return `${base}${MANIFEST_EXTENSION}`;
}

/** One line of a backup file and the running checks over it. */
export interface BackupLine {
  /** 1-based line number. */
  number: number;
  text: string;
  /** False for a last line without its newline (every line the writer writes ends with one). */
  terminated: boolean;
}

/**
 * Reads a backup file line by line, decompressing as it goes: memory holds one decompressed chunk and
 * one line. `fileHash` receives the compressed bytes. Gzip damage (bad header, CRC mismatch, truncation)
 * rejects the iteration with zlib's error.
 */
export async function* readBackupLines(file: string, fileHash?: Hash): AsyncGenerator<BackupLine> {
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      fileHash?.update(chunk);
      callback(null, chunk);
    },
  });
  const gunzip = pipeline(createReadStream(file), tap, createGunzip(), () => {
    // Errors surface through the iteration below (pipeline destroys the last stream with them).
  });
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let number = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      pending += decoder.write(chunk);
      let start = 0;
      for (let nl = pending.indexOf('\n', start); nl !== -1; nl = pending.indexOf('\n', start)) {
        number++;
        yield { number, text: pending.slice(start, nl), terminated: true };
        start = nl + 1;
      }
      pending = pending.slice(start);
    }
  } finally {
    gunzip.destroy();
  }
  pending += decoder.end();
  if (pending !== '') {
    number++;
    yield { number, text: pending, terminated: false };
  }
}

/** A new SHA-256 hash. */
export function sha256(): Hash {
  return createHash('sha256');
}
