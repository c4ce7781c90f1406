import { resolve } from 'node:path';
import type { StorageBackend } from '../backend.js';
import { describeValue } from '../describe-value.js';
import { StorageError, validationError } from '../errors.js';
import type { RecordInput } from '../record.js';
import { traceWith } from '../runtime/tracing.js';
import { abortError } from './abort.js';
import { readBackupLines, sha256 } from './backup-file.js';
import { type BackupVerification, verifyBackup } from './backup-verify.js';
import { asLoad, bulkImporterOf, writeBatch } from './bulk-write.js';
import { type ProgressListener, ProgressTracker } from './progress.js';
import { DEFAULT_BATCH_SIZE, positiveInt } from './transfer-options.js';

/** Default restore batch when the target offers a bulk import path: bigger batches are what make it pay. */
const DEFAULT_IMPORT_BATCH_SIZE = 10_000;

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
   * import path: the `bulkImport` capability, e.g. PostgreSQL's COPY).
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
 * offers a bulk import path (the `bulkImport` capability, e.g. PostgreSQL's COPY import) gets each batch
 * through it instead, with the same guarantees (validation, one batch all or nothing, timestamps kept).
 *
 * @throws StorageError(validation) when the file is damaged (nothing was written);
 *   StorageError(conflict) when the target holds records and `mode` is `fail-if-not-empty`.
 */
export function restoreBackup(
  file: string,
  backend: StorageBackend,
  options: RestoreBackupOptions = {},
): Promise<RestoreResult> {
  return traceWith([backend], 'restore', () => runRestore(file, backend, options));
}

async function runRestore(
  file: string,
  backend: StorageBackend,
  options: RestoreBackupOptions,
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
  // Into an empty store (or one just emptied), the bulk path may prepare the load (see asLoad).
  await asLoad(backend, existing === 0 || mode === 'replace', async () => {
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
  });
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

/**
 * A backup line back into a record to save. Timestamps stay ISO strings (saveMany parses them exactly); a
 * record written without `expires_at` gets an explicit null so a target with a default TTL adds none.
 */
function toRestoredRecord(record: Record<string, unknown>): RecordInput {
  if (!('expires_at' in record)) record.expires_at = null;
  return record as RecordInput;
}
