import type { StorageBackend } from '../backend.js';
import { compareCodePoints } from '../filter/compare.js';
import type { Filter } from '../filter/types.js';
import type { StoredRecord } from '../record.js';
import { abortError } from './abort.js';
import { recordChecksum } from './canonical.js';
import { type ProgressListener, ProgressTracker } from './progress.js';
import { DEFAULT_BATCH_SIZE, positiveInt } from './transfer-options.js';

const SAMPLE = 20;

/** Options of {@link verifyCopy}. */
export interface VerifyCopyOptions {
  from: StorageBackend;
  to: StorageBackend;
  /** Records read per round trip on each side (default 1000). */
  batchSize?: number;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

/** What {@link verifyCopy} found. Id lists are samples (at most 20 each); the counts are complete. */
export interface CopyVerification {
  /** True when both stores hold the same records, id for id, byte for byte (canonical JSON). */
  ok: boolean;
  /** Live records counted in the source and in the target. */
  sourceCount: number;
  targetCount: number;
  /** Records equal on both sides. */
  matched: number;
  /** In the source, not in the target. */
  missing: { count: number; sample: string[] };
  /** In the target, not in the source (e.g. deleted in the source after a copy). */
  extra: { count: number; sample: string[] };
  /** Same id, different content. */
  mismatched: { count: number; sample: string[] };
  durationMs: number;
}

/**
 * Compares two stores record by record: walks both in id order (keyset pages on each side, at most one batch
 * each in memory), and compares the SHA-256 of each record's canonical JSON (sorted keys, timestamps as ISO
 * strings), so id, every timestamp, metadata and data must all match. Copy watermarks live in the target's
 * meta storage, never among the records, so nothing needs excluding. Run it on quiescent stores: a write during verification shows up as a difference.
 */
export async function verifyCopy(options: VerifyCopyOptions): Promise<CopyVerification> {
  const started = performance.now();
  const batchSize = positiveInt(options.batchSize ?? DEFAULT_BATCH_SIZE, 'batchSize');
  const [sourceCount, targetCount] = await Promise.all([options.from.count(), options.to.count()]);
  const progress = new ProgressTracker('verify-copy', Math.max(sourceCount, targetCount), options.onProgress);
  const a = byId(options.from, batchSize)[Symbol.asyncIterator]();
  const b = byId(options.to, batchSize)[Symbol.asyncIterator]();
  const missing = { count: 0, sample: [] as string[] };
  const extra = { count: 0, sample: [] as string[] };
  const mismatched = { count: 0, sample: [] as string[] };
  const note = (bucket: { count: number; sample: string[] }, id: string) => {
    bucket.count++;
    if (bucket.sample.length < SAMPLE) bucket.sample.push(id);
  };
  let matched = 0;
  let seen = 0;
  let [x, y] = await Promise.all([a.next(), b.next()]);
  while (!x.done || !y.done) {
    const order = x.done ? 1 : y.done ? -1 : compareCodePoints(x.value.id, y.value.id);
    if (order < 0) {
      note(missing, (x.value as StoredRecord).id);
      x = await a.next();
    } else if (order > 0) {
      note(extra, (y.value as StoredRecord).id);
      y = await b.next();
    } else {
      if (recordChecksum(x.value as StoredRecord) === recordChecksum(y.value as StoredRecord)) matched++;
      else note(mismatched, (x.value as StoredRecord).id);
      [x, y] = await Promise.all([a.next(), b.next()]);
    }
    if (++seen % batchSize === 0) {
      progress.add(batchSize);
      if (options.signal?.aborted) throw abortError(options.signal, 'copy');
    }
  }
  progress.add(seen % batchSize);
  return {
    ok: missing.count === 0 && extra.count === 0 && mismatched.count === 0 && sourceCount === targetCount,
    sourceCount,
    targetCount,
    matched,
    missing,
    extra,
    mismatched,
    durationMs: Math.round(performance.now() - started),
  };
}

/** Live records of a store in id order, one keyset page at a time. */
async function* byId(store: StorageBackend, batchSize: number): AsyncGenerator<StoredRecord> {
  let after: string | null = null;
  for (;;) {
    const filter: Filter | undefined = after === null ? undefined : { id: { $gt: after } };
    const page = await store.list(filter, { orderBy: [{ field: 'id', direction: 'asc' }], limit: batchSize });
    yield* page;
    if (page.length < batchSize) return;
    after = page[page.length - 1]!.id;
  }
}
