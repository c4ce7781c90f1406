import { describeValue } from '../describe-value.js';
import { validationError } from '../errors.js';
import type { Filter } from '../filter/types.js';
import { type RecordRow, type StoredRecord, toStoredRecord } from '../record.js';
import { abortable, throwIfAborted } from '../transfer/abort.js';
import { keysetAfter, liveFilter, NEWEST_FIRST } from './query-plan.js';
import type { RowAccess } from './row-access.js';

/** What {@link keysetStream} needs of its store. */
export interface KeysetStreamSource {
  filter: Filter | undefined;
  batchSize: number;
  signal: AbortSignal | undefined;
  now(): number;
  /** Runs one round trip as the store runs an operation (connection check, error mapping). */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** The rows to page through, read again per page (a reconnect builds new ones). */
  rows(): RowAccess;
}

/**
 * Live records newest first by keyset pagination on (created_at, id): each round trip fetches one batch
 * after the last row yielded, so memory holds at most one batch whatever the table size, and rows written
 * meanwhile never shift a page (as OFFSET would).
 */
export async function* keysetStream(source: KeysetStreamSource): AsyncGenerator<StoredRecord> {
  const { batchSize, signal } = source;
  if (!Number.isInteger(batchSize) || batchSize <= 0) {
    throw validationError(
      `batchSize must be a positive integer, got ${describeValue(batchSize)}.`,
      'batchSize',
    );
  }
  const base = await source.run(async () => liveFilter(source.filter, source.now()));
  let after: RecordRow | null = null;
  for (;;) {
    const page = after === null ? base : keysetAfter(base, after);
    const batch: RecordRow[] = await source.run(() => {
      throwIfAborted(signal, 'stream');
      return abortable(
        source.rows().listRows(page, { orderBy: NEWEST_FIRST, limit: batchSize, offset: 0 }),
        signal,
        'stream',
      );
    });
    for (const row of batch) yield toStoredRecord(row);
    if (batch.length < batchSize) return;
    after = batch[batch.length - 1]!;
  }
}
