import type { StorageBackend } from '../backend.js';
import type { RecordInput } from '../record.js';

/**
 * An optional bulk path a backend may offer besides the contract (PostgreSQL's COPY-based
 * `importRecords`). Found by shape, not by backend name, so core never imports a backend and any
 * third-party backend can offer one too. It must write each batch all or nothing, validate like saveMany
 * and keep timestamps exactly with `preserveTimestamps`.
 */
export interface BulkImporter {
  importRecords(
    records: Iterable<RecordInput>,
    options: { preserveTimestamps?: boolean; batchSize?: number },
  ): Promise<number>;
}

/** The target's bulk import path, or null when it offers none. */
export function bulkImporterOf(target: StorageBackend): BulkImporter | null {
  return typeof (target as { importRecords?: unknown }).importRecords === 'function'
    ? (target as unknown as BulkImporter)
    : null;
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
