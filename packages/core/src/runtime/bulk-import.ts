import { describeValue } from '../describe-value.js';
import type { BulkImportCapability, BulkLoad, RecordImportCapability } from '../driver/capabilities.js';
import { StorageError } from '../errors.js';
import type { RecordInput, WriteRow } from '../record.js';
import { dedupeById } from './query-plan.js';

/** What the record importer needs from the runtime. */
export interface ImportContext {
  name: string;
  batchSize: number;
  now(): number;
  toWriteRows(
    records: readonly RecordInput[],
    preserveTimestamps: boolean,
    now: number,
    offset: number,
  ): WriteRow[];
  run<T>(operation: string, fn: () => Promise<T>): Promise<T>;
  /** The store's record schemas (see `BackendOptions.schemas`), checked before a batch is written. */
  checkRecords?(records: readonly RecordInput[], offset: number): void | Promise<void>;
}

/** Builds the record-level importer over a driver's row-level one. */
export function recordImporter(context: ImportContext, bulk: BulkImportCapability): RecordImportCapability {
  return {
    importRecords: (records, options = {}) =>
      context.run('importRecords', async () => {
        const source = records as Partial<AsyncIterable<RecordInput> & Iterable<RecordInput>> | null;
        if (
          source === null ||
          typeof source !== 'object' ||
          (typeof source[Symbol.asyncIterator] !== 'function' &&
            typeof source[Symbol.iterator] !== 'function')
        ) {
          throw new StorageError(
            'validation',
            `${context.name}: importRecords takes an iterable or async iterable of records, got ${describeValue(records)}.`,
            { path: 'records', backend: context.name },
          );
        }
        const batchSize = options.batchSize ?? context.batchSize * 10;
        if (!Number.isInteger(batchSize) || batchSize <= 0) {
          throw new StorageError(
            'validation',
            `${context.name}: importRecords batchSize must be a positive integer, got ${describeValue(batchSize)}.`,
            { path: 'batchSize', backend: context.name },
          );
        }
        const preserve = options.preserveTimestamps === true;
        let done = 0;
        let batch: RecordInput[] = [];
        const flush = async (): Promise<void> => {
          if (batch.length === 0) return;
          const now = context.now();
          // Validate the whole batch before touching the database: one bad record writes none of it.
          await context.checkRecords?.(batch, done);
          const rows = dedupeById(context.toWriteRows(batch, preserve, now, done));
          await bulk.importRows(rows, { keepCreatedAt: !preserve, now });
          done += batch.length;
          batch = [];
          options.onProgress?.(done);
        };
        for await (const record of source as AsyncIterable<RecordInput>) {
          batch.push(record);
          if (batch.length >= batchSize) await flush();
        }
        await flush();
        return done;
      }),
    ...(bulk.prepareLoad === undefined ? {} : { prepareLoad: () => prepareLoad(context, bulk) }),
  };
}

/** The driver's prepareLoad, and its finish, run as store operations (errors mapped, traced). */
async function prepareLoad(context: ImportContext, bulk: BulkImportCapability): Promise<BulkLoad | null> {
  const load = await context.run('prepareLoad', async () => (await bulk.prepareLoad?.()) ?? null);
  if (load === null) return null;
  let finished = false;
  return {
    finish: () => {
      // Twice would build twice (or fail on what the first built): the second call is a no-op.
      if (finished) return Promise.resolve();
      finished = true;
      return context.run('finishLoad', () => load.finish());
    },
  };
}
