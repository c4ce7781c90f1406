import { AsyncResource } from 'node:async_hooks';
import type { CoalesceSettings } from '../config/common-config.js';
import type { RowStore } from '../driver/driver.js';
import { isStorageError } from '../errors.js';
import type { RecordRow } from '../record.js';
import type { RowAccess } from './row-access.js';

/**
 * Coalescing of concurrent point operations.
 *
 * Many independent callers asking for one record each in the same event-loop turn are served by one
 * batched driver call per kind (`loadRows`, `existsRows`, `deleteRowsReturning`: one `id = ANY($1)`
 * statement on SQL backends), and each caller gets exactly its own result. What keeps that invisible:
 *
 * - Order: a batch only collects calls that commute with each other. Loads and existence checks commute;
 *   a delete does not commute with a read of the same store, so enqueuing one dispatches the pending
 *   batches of the other kinds first, and every other operation (save, update, list, transaction, ...)
 *   dispatches all pending batches before it runs. Statements therefore reach the driver in the order
 *   their calls were issued, as without coalescing; a call issued after another call resolved (a load
 *   after its own save) always lands in a batch opened after that.
 * - Context: the driver's `coalesceScope()` (audit actor, primary-reads scope) keys the batches, and a
 *   batch runs in the async context of its first call, so routing and tenancy are those of its callers
 *   (a driver without a scope reads no async context: its batches skip capturing one).
 * - Errors: ids are validated before they are enqueued (an invalid id fails only its own call). When a
 *   batched call fails, each caller is served again by its own per-call statement, so an error that one
 *   id causes reaches only that caller; a connection or timeout failure is everyone's and is not retried.
 * - Transactions never coalesce: their operations run on the transaction's rows, not through here.
 *
 * Saves are not coalesced. A multi-row upsert holds the row locks of all its callers at once, which
 * brings lock-order deadlocks with concurrent multi-row writes (saveMany, transactions, other processes)
 * that single-row saves cannot have; a row the server refuses (a constraint, a row-level security check,
 * a jsonb limit) fails the whole statement, so isolating the failure needs every row written again one
 * by one, making a caller's latency depend on strangers' records; and concurrent saves of one id would
 * have to be split across statements to keep last-writer order. Saves stay one statement each.
 */

const RESOLVED = Promise.resolve();

/** The point operations that coalesce. */
type Kind = 'load' | 'exists' | 'delete';

interface Waiter<T> {
  id: string;
  resolve(value: T): void;
  reject(error: unknown): void;
}

interface Batch {
  kind: Kind;
  scope: unknown;
  waiters: Waiter<never>[];
  /** Distinct ids in first-call order. */
  ids: Set<string>;
  /** Latest `now` of the existence checks: the batch runs after every one of them was issued. */
  now: number;
  /** `process.hrtime.bigint()` when the batch opened (for the window). */
  opened: bigint;
  /** The async context of the first call, the batch runs in it (null: the driver has no scope). */
  context: AsyncResource | null;
  done: boolean;
}

/** What a {@link Coalescer} needs: the per-call rows, the driver's batched members and the settings. */
export interface CoalescerOptions {
  /** The driver's row store (its optional batched members are used when present). */
  driverRows: RowStore;
  settings: CoalesceSettings;
  /** Most distinct ids per batched call (the store's batch_size). */
  maxBatch: number;
  /** The driver's scope of the current call, if it has one. */
  scope?: () => unknown;
}

/** Errors that are the whole batch's, not one id's: retrying each id alone would only repeat them. */
function sharedFailure(error: unknown): boolean {
  return isStorageError(error) && (error.kind === 'connection' || error.kind === 'timeout');
}

/**
 * Collects concurrent point operations into batches and dispatches each batch as one driver call. One
 * per connected store; see the module comment for the rules that keep coalescing invisible.
 */
export class Coalescer {
  readonly #rows: RowAccess;
  readonly #driver: RowStore;
  readonly #windowNs: bigint;
  readonly #maxBatch: number;
  readonly #scope: (() => unknown) | undefined;
  /** Batches accepting calls, oldest first. */
  #pending: Batch[] = [];

  constructor(rows: RowAccess, options: CoalescerOptions) {
    this.#rows = rows;
    this.#driver = options.driverRows;
    this.#windowNs = BigInt(options.settings.windowUs) * 1000n;
    this.#maxBatch = Math.max(1, options.maxBatch);
    this.#scope = options.scope;
  }

  /** Dispatches every pending batch now (another operation is about to run, or the store closes). */
  flush(): void {
    if (this.#pending.length === 0) return;
    for (const batch of this.#pending.splice(0)) this.#start(batch);
  }

  /**
   * The per-call rows with `load`, `exists` and single-id `delete` coalesced where the driver has the
   * batched member; every other member dispatches the pending batches before it runs.
   */
  rows(): RowAccess {
    const rows = this.#rows;
    const driver = this.#driver;
    const flushed =
      <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
      (...args: A): Promise<R> => {
        this.flush();
        return fn(...args);
      };
    return {
      upsertRows: flushed((r, o) => rows.upsertRows(r, o)),
      loadRow: (id, options) =>
        options?.forUpdate === true || !driver.loadRows
          ? this.#alone('load', () => rows.loadRow(id, options))
          : this.#enqueue<RecordRow | null>('load', id, 0),
      existsRow: (id, now) =>
        driver.existsRows
          ? this.#enqueue<boolean>('exists', id, now)
          : this.#alone('exists', () => rows.existsRow(id, now)),
      deleteRows: (ids) =>
        ids.length === 1 && driver.deleteRowsReturning
          ? this.#enqueue<boolean>('delete', ids[0]!, 0).then((deleted) => (deleted ? 1 : 0))
          : flushed(() => rows.deleteRows(ids))(),
      countRows: flushed((f) => rows.countRows(f)),
      listRows: flushed((f, q) => rows.listRows(f, q)),
      deleteRowsWhere: flushed((f) => rows.deleteRowsWhere(f)),
    };
  }

  /** A point call that does not coalesce: it still must not overtake the batches it does not commute with. */
  #alone<T>(kind: Kind, fn: () => Promise<T>): Promise<T> {
    this.#startConflicting(kind);
    return fn();
  }

  /** Dispatches the pending batches whose calls do not commute with a call of `kind`. */
  #startConflicting(kind: Kind): void {
    if (this.#pending.length === 0) return;
    const reads = kind !== 'delete';
    const keep: Batch[] = [];
    const start: Batch[] = [];
    for (const batch of this.#pending) ((batch.kind !== 'delete') === reads ? keep : start).push(batch);
    if (start.length === 0) return;
    this.#pending = keep;
    for (const batch of start) this.#start(batch);
  }

  #enqueue<T>(kind: Kind, id: string, now: number): Promise<T> {
    this.#startConflicting(kind);
    const scope = this.#scope?.();
    let batch = this.#pending.find((b) => b.kind === kind && Object.is(b.scope, scope));
    if (batch === undefined) {
      batch = {
        kind,
        scope,
        waiters: [],
        ids: new Set(),
        now,
        opened: this.#windowNs > 0n ? process.hrtime.bigint() : 0n,
        context: this.#scope === undefined ? null : new AsyncResource('recordstore.coalesce'),
        done: false,
      };
      this.#pending.push(batch);
      this.#schedule(batch);
    }
    const promise = new Promise<T>((resolve, reject) => {
      batch.waiters.push({ id, resolve, reject } as Waiter<never>);
    });
    batch.ids.add(id);
    if (now > batch.now) batch.now = now;
    if (batch.ids.size >= this.#maxBatch) {
      this.#pending.splice(this.#pending.indexOf(batch), 1);
      this.#start(batch);
    }
    return promise;
  }

  /** Closes the batch at the end of this event-loop turn, or once the window has passed. */
  #schedule(batch: Batch): void {
    const windowNs = this.#windowNs;
    const due = () => {
      if (batch.done) return;
      if (windowNs > 0n && process.hrtime.bigint() - batch.opened < windowNs) {
        // setImmediate lets I/O callbacks (other callers' results) run between checks.
        setImmediate(due);
        return;
      }
      const at = this.#pending.indexOf(batch);
      if (at >= 0) this.#pending.splice(at, 1);
      this.#start(batch);
    };
    // A resolved promise's reaction, not queueMicrotask: both land in the same microtask queue, but Node's
    // queueMicrotask wraps every callback in an AsyncResource, a measurable share of a lone call's cost.
    if (windowNs === 0n) RESOLVED.then(due);
    else setImmediate(due);
  }

  #start(batch: Batch): void {
    if (batch.done) return;
    batch.done = true;
    if (batch.context === null) this.#dispatch(batch);
    else batch.context.runInAsyncScope(this.#dispatch, this, batch);
  }

  #dispatch(batch: Batch): void {
    if (batch.ids.size === 1) {
      // A lone call (or one id asked several times) keeps its per-call statement: the cheapest plan.
      void this.#serveAlone(batch, batch.waiters[0]!.id, batch.waiters as Waiter<unknown>[]);
      return;
    }
    const ids = [...batch.ids];
    this.#serveBatch(batch, ids).catch((error: unknown) => {
      if (sharedFailure(error)) {
        for (const waiter of batch.waiters) waiter.reject(error);
        return;
      }
      // Something in the batch failed: serve each id on its own, so a failure reaches only its callers.
      const waiters = batch.waiters as Waiter<unknown>[];
      for (const id of ids) {
        void this.#serveAlone(
          batch,
          id,
          waiters.filter((w) => w.id === id),
        );
      }
    });
  }

  /** Serves `waiters` (all asking for `id`) with the per-call statement, or rejects them with its error. */
  #serveAlone(batch: Batch, id: string, waiters: Waiter<unknown>[]): Promise<void> {
    const fail = (error: unknown) => {
      for (const w of waiters) w.reject(error);
    };
    try {
      if (batch.kind === 'load') {
        return this.#rows.loadRow(id).then((row) => {
          // Callers own what they get: a second caller of one id gets its own copy.
          for (let i = 0; i < waiters.length; i++) {
            waiters[i]!.resolve(i === 0 || row === null ? row : structuredClone(row));
          }
        }, fail);
      }
      if (batch.kind === 'exists') {
        return this.#rows.existsRow(id, batch.now).then((present) => {
          for (const w of waiters) w.resolve(present);
        }, fail);
      }
      return this.#rows.deleteRows([id]).then((n) => {
        // Two deletes of one id: the row existed once, so exactly one of them deleted it.
        for (let i = 0; i < waiters.length; i++) waiters[i]!.resolve(n > 0 && i === 0);
      }, fail);
    } catch (error) {
      fail(error);
      return Promise.resolve();
    }
  }

  async #serveBatch(batch: Batch, ids: string[]): Promise<void> {
    const waiters = batch.waiters as Waiter<unknown>[];
    const driver = this.#driver;
    if (batch.kind === 'load') {
      const found = new Map<string, RecordRow>();
      for (const row of await driver.loadRows!(ids)) found.set(row.id, row);
      // Callers own what they get: a second caller of one id gets its own copy.
      const handed = new Set<string>();
      for (const w of waiters) {
        const row = found.get(w.id) ?? null;
        if (row === null) w.resolve(null);
        else if (handed.has(w.id)) w.resolve(structuredClone(row));
        else {
          handed.add(w.id);
          w.resolve(row);
        }
      }
      return;
    }
    if (batch.kind === 'exists') {
      const live = new Set(await driver.existsRows!(ids, batch.now));
      for (const w of waiters) w.resolve(live.has(w.id));
      return;
    }
    const deleted = new Set(await driver.deleteRowsReturning!(ids));
    for (const w of waiters) w.resolve(deleted.delete(w.id));
  }
}
