import type { StorageBackend } from '../backend.js';
import { MAX_IN_VALUES } from '../filter/parse.js';
import type { StoredRecord } from '../record.js';
import { canonicalJson } from './canonical.js';

/**
 * The records of `page` that the target does not already hold exactly, compared as `verifyCopy` compares
 * them (canonical JSON: id, every timestamp, metadata and data). One id lookup on the target per page, so
 * a record a copy already wrote (the lookback window, a batch written just before a run was killed, a
 * record that did not change since an earlier copy) costs a read instead of a write: a full copy then
 * writes each record once, plus what changed while it ran.
 */
export async function changedRecords(
  target: StorageBackend,
  page: readonly StoredRecord[],
): Promise<StoredRecord[]> {
  if (page.length === 0) return [];
  const held = new Map<string, string>();
  for (let start = 0; start < page.length; start += MAX_IN_VALUES) {
    const ids = page.slice(start, start + MAX_IN_VALUES).map((record) => record.id);
    for (const record of await target.list({ id: { $in: ids } }, { limit: ids.length })) {
      held.set(record.id, canonicalJson(record));
    }
  }
  return page.filter((record) => held.get(record.id) !== canonicalJson(record));
}
