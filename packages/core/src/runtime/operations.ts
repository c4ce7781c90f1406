import type { ListOptions, SaveOptions, StorageOperations } from '../backend.js';
import type { Clock } from '../clock.js';
import type { CoreSettings } from '../config/common-config.js';
import { describeValue } from '../describe-value.js';
import type { RowStore, StorageDriver } from '../driver/driver.js';
import { isStorageError, StorageError, validationError } from '../errors.js';
import type { Filter } from '../filter/types.js';
import { isPlainObject } from '../json-value.js';
import {
  isExpired,
  type RecordInput,
  type RecordRow,
  type StoredRecord,
  toStoredRecord,
  toWriteRow,
  type WriteRow,
} from '../record.js';
import { validateId } from '../record-id.js';
import type { RecordValidator } from '../schema/record-schemas.js';
import { abortable, abortError, throwIfAborted } from '../transfer/abort.js';
import { dedupeById, expiredRowFilter, liveFilter, rowQuery } from './query-plan.js';
import type { RowAccess } from './row-access.js';

/** Hit, miss and expiry counters the operations keep for `stats()`. */
export interface Counters {
  hits: number;
  misses: number;
  errors: number;
  expiredRemoved: number;
}

/** What the operations need from the runtime. */
export interface OperationContext {
  settings: CoreSettings;
  clock: Clock;
  /** The smaller of the configured and the driver's record size limits. */
  maxRecordBytes: number;
  counters: Counters;
  /** Runs `fn` in one transaction (or directly when already inside one). */
  atomically<T>(fn: (rows: RowAccess) => Promise<T>): Promise<T>;
  /** Deletes one row if it has expired at `now`, atomically (lazy expiry must not delete a row just re-saved). */
  deleteIfExpired(rows: RowAccess, id: string, now: number, inTransaction: boolean): Promise<boolean>;
  /** The record schemas by type (the store's `schemas` option), checked before any write; null for none. */
  validator?: RecordValidator | null;
}

/**
 * Validates and stamps records exactly as saveMany does (same rules, defaults and size limit). A failure
 * is a StorageError naming the record's position, `records[offset + i]`.
 */
export function toWriteRows(
  context: Pick<OperationContext, 'settings' | 'maxRecordBytes'>,
  records: readonly RecordInput[],
  options: SaveOptions | undefined,
  now: number,
  offset = 0,
): WriteRow[] {
  return records.map((record, i) => {
    try {
      return writeRow(context, record, options, now);
    } catch (error) {
      if (isStorageError(error)) {
        const at = `records[${offset + i}]`;
        throw new StorageError(error.kind, `${at}: ${error.message}`, {
          path: `${at}${error.path ? `.${error.path}` : ''}`,
        });
      }
      throw error;
    }
  });
}

function writeRow(
  context: Pick<OperationContext, 'settings' | 'maxRecordBytes'>,
  record: RecordInput,
  options: SaveOptions | undefined,
  now: number,
): WriteRow {
  return toWriteRow(record, {
    now,
    defaultTtlMs: context.settings.defaultTtlMs,
    preserveTimestamps: options?.preserveTimestamps ?? false,
    maxRecordBytes: context.maxRecordBytes,
  });
}

/**
 * The public reads and writes, written once against a {@link RowAccess} so that a transaction reuses them
 * on its own rows.
 */
export function createOperations(
  context: OperationContext,
  rows: RowAccess,
  inTransaction: boolean,
): StorageOperations {
  const { settings, clock, counters } = context;
  const atomically = <T>(fn: (r: RowAccess) => Promise<T>): Promise<T> =>
    inTransaction ? fn(rows) : context.atomically(fn);

  const live = async (row: RecordRow): Promise<StoredRecord | null> => {
    const now = clock.now();
    if (isExpired(row, now)) {
      counters.misses++;
      if (await context.deleteIfExpired(rows, row.id, now, inTransaction)) counters.expiredRemoved++;
      return null;
    }
    counters.hits++;
    return toStoredRecord(row);
  };

  const read = async (filter: Filter | undefined, options?: ListOptions): Promise<StoredRecord[]> => {
    const query = rowQuery(options);
    const found = await rows.listRows(liveFilter(filter, clock.now()), query);
    return found.map(toStoredRecord);
  };
  // Every list-shaped read honours `options.signal` alike: stopped before any work, or its result dropped.
  const listAs =
    (what: string) =>
    (filter: Filter | undefined, options?: ListOptions): Promise<StoredRecord[]> => {
      const signal = options?.signal;
      if (signal?.aborted) return Promise.reject(abortError(signal, what));
      return abortable(read(filter, options), signal, what);
    };
  const list = listAs('list');
  const listSession = listAs('getBySession');
  const listThread = listAs('getByThread');

  const update = async (r: RowAccess, id: string, changes: Record<string, unknown>): Promise<boolean> => {
    validateId(id);
    if (!isPlainObject(changes)) {
      throw validationError(
        `update changes must be a plain object, got ${describeValue(changes)}.`,
        'changes',
      );
    }
    if ('id' in changes && changes.id !== id) {
      throw validationError(
        `update cannot change a record's id (from ${id} to ${describeValue(changes.id)}).`,
        'id',
      );
    }
    const now = clock.now();
    const current = await r.loadRow(id, { forUpdate: true });
    if (current === null || isExpired(current, now)) return false;
    const merged: RecordInput = { ...toStoredRecord(current), ...changes, id };
    // A record stored without expiry keeps none unless the changes set one (no default TTL on update).
    if (current.expires_at === null && !('expires_at' in changes)) merged.expires_at = null;
    if (context.validator) await context.validator.check([merged], null);
    const row = writeRow(context, merged, { preserveTimestamps: false }, now);
    row.created_at = current.created_at;
    await r.upsertRows([row], { keepCreatedAt: true, now });
    return true;
  };

  const saveMany = async (r: RowAccess, records: readonly RecordInput[], options?: SaveOptions) => {
    const now = clock.now();
    // Validate everything before writing anything: one bad record saves none.
    const writeRows = toWriteRows(context, records, options, now);
    const keepCreatedAt = !options?.preserveTimestamps;
    for (let i = 0; i < writeRows.length; i += settings.batchSize) {
      // Between batches: the batches share one transaction, so stopping here rolls all of them back.
      throwIfAborted(options?.signal, 'saveMany');
      await r.upsertRows(dedupeById(writeRows.slice(i, i + settings.batchSize)), { keepCreatedAt, now });
    }
    return writeRows.map((w) => w.id);
  };

  return {
    save: async (record, options) => {
      if (context.validator) await context.validator.check([record], null);
      const now = clock.now();
      const row = writeRow(context, record, options, now);
      await rows.upsertRows([row], { keepCreatedAt: !options?.preserveTimestamps, now });
      return row.id;
    },
    load: async (id) => {
      validateId(id);
      const row = await rows.loadRow(id);
      if (row !== null) return live(row);
      counters.misses++;
      return null;
    },
    update: (id, changes) => atomically((r) => update(r, id, changes)),
    delete: async (id) => (await rows.deleteRows([validateId(id)])) > 0,
    exists: (id) => rows.existsRow(validateId(id), clock.now()),
    count: (filter) => rows.countRows(liveFilter(filter, clock.now())),
    list,
    getBySession: (sessionId, options) => listSession({ session_id: sessionId }, options),
    getByThread: (threadId, options) => listThread({ thread_id: threadId }, options),
    saveMany: (records, options) => {
      if (!Array.isArray(records)) {
        return Promise.reject(
          validationError(`saveMany takes an array of records, got ${describeValue(records)}.`, 'records'),
        );
      }
      const write = () =>
        records.length > settings.batchSize
          ? atomically((r) => saveMany(r, records, options))
          : saveMany(rows, records, options);
      // Schemas run before any transaction opens: one failing record stores none of the batch.
      const validator = context.validator;
      if (!validator) return write();
      return Promise.resolve()
        .then(() => validator.check(records, 0))
        .then(write);
    },
    deleteMany: async (idsOrFilter) => {
      if (Array.isArray(idsOrFilter)) {
        const ids = idsOrFilter.map((id, i) => validateId(id, `ids[${i}]`));
        let deleted = 0;
        for (let i = 0; i < ids.length; i += settings.batchSize) {
          deleted += await rows.deleteRows(ids.slice(i, i + settings.batchSize));
        }
        return deleted;
      }
      return rows.deleteRowsWhere(liveFilter(idsOrFilter as Filter, clock.now()));
    },
  };
}

/** Lazy expiry by filter: one statement that deletes the row only if it is still expired. */
export function deleteIfExpiredByFilter(rows: RowAccess, id: string, now: number): Promise<boolean> {
  return rows.deleteRowsWhere(expiredRowFilter(id, now)).then((n) => n > 0);
}

/**
 * Lazy expiry's delete for a driver: one conditional delete where filters are native; a scan driver
 * cannot delete conditionally in one statement, so it checks and deletes in one transaction.
 */
export function lazyExpiryDelete(
  driver: Pick<StorageDriver, 'capabilities' | 'transaction'>,
): OperationContext['deleteIfExpired'] {
  return (rows, id, now, inTransaction) => {
    if (driver.capabilities.filtering === 'native') return deleteIfExpiredByFilter(rows, id, now);
    // Inside a transaction its own rows are already isolated (and the driver's lock is held: opening
    // another transaction would wait for this one forever).
    if (inTransaction) return checkAndDelete(rows, id, now);
    return driver.transaction((tx) => checkAndDelete(tx, id, now));
  };
}

/** Deletes the row only if it is (still) expired, reading and deleting on the same rows. */
async function checkAndDelete(rows: RowStore, id: string, now: number): Promise<boolean> {
  const row = await rows.loadRow(id, { forUpdate: true });
  return row !== null && isExpired(row, now) && (await rows.deleteRows([id])) > 0;
}
