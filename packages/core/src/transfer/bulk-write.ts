import type { StorageBackend } from '../backend.js';
import type { RecordImportCapability } from '../driver/capabilities.js';
import type { RecordInput } from '../record.js';

/**
 * Records per batch of a copy into a target with a bulk import path, when the caller gives no batch size.
 * Each batch is one transaction (COPY into a staging table, one upsert, a commit, then the copy's
 * watermark): with 1,000-record batches those per-batch costs dominated a SQLite to PostgreSQL copy
 * (3,500 records/s against 10,600 with 20,000 on the same machine); 10,000 keeps at most three batches
 * (read ahead, written, compared) of memory small.
 */
export const DEFAULT_BULK_BATCH_SIZE = 10_000;

/**
 * The target's bulk import path (its `bulkImport` capability, e.g. PostgreSQL's COPY), or null when it
 * offers none. Asked for by capability, so any backend whose driver offers a bulk path gets it.
 */
export function bulkImporterOf(target: StorageBackend): RecordImportCapability | null {
  return target.capability('bulkImport') ?? null;
}

/**
 * Writes `records` all or nothing with their timestamps kept: through the target's bulk import path as
 * ONE batch when it offers one (so the atomicity is the same as saveMany's), else with saveMany.
 */
export async function writeBatch(target: StorageBackend, records: RecordInput[]): Promise<void> {
  if (records.length === 0) return;
  const importer = bulkImporterOf(target);
  if (importer === null) {
    await target.saveMany(records, { preserveTimestamps: true });
    return;
  }
  await importer.importRecords(records, { preserveTimestamps: true, batchSize: records.length });
}

/**
 * Runs `writes` as a load into `target` prepared by its bulk path (`prepareLoad`, e.g. PostgreSQL building
 * its secondary indexes once after the rows are in, as pg_restore does) when `empty` says the target holds
 * nothing yet, and finishes the load after them: also when they failed, in which case their error is the
 * one thrown (a build that fails then is finished by the driver later; PostgreSQL: the next connect).
 */
export async function asLoad<T>(
  target: StorageBackend,
  empty: boolean,
  writes: () => Promise<T>,
): Promise<T> {
  const load = empty ? ((await bulkImporterOf(target)?.prepareLoad?.()) ?? null) : null;
  let result: T;
  try {
    result = await writes();
  } catch (error) {
    await load?.finish().catch(() => undefined);
    throw error;
  }
  await load?.finish();
  return result;
}
