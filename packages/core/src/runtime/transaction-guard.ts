import { AsyncLocalStorage } from 'node:async_hooks';
import type { StorageOperations } from '../backend.js';
import { isStorageError, StorageError } from '../errors.js';

/** One running `transaction(fn)` callback: whose it is, and whether it is still running. */
interface Scope {
  owner: object;
  open: boolean;
  parent: Scope | undefined;
}

/**
 * Which transaction callbacks the current async context runs inside. A callback that calls its own
 * store (not `tx`) would wait for the transaction it is part of (memory, SQLite) or write outside it
 * (pools): the runtime looks here once per call and refuses at once instead.
 */
const scopes = new AsyncLocalStorage<Scope>();
let running = 0;

/** True when the current async context is inside a still-running transaction callback of `owner`. */
export function insideTransactionOf(owner: object): boolean {
  for (let scope = scopes.getStore(); scope !== undefined; scope = scope.parent) {
    if (scope.owner === owner && scope.open) return true;
  }
  return false;
}

const TX_OPERATIONS = new Set([
  'save',
  'load',
  'update',
  'delete',
  'exists',
  'count',
  'list',
  'getBySession',
  'getByThread',
  'saveMany',
  'deleteMany',
]);

/** The error for a call on the store from inside its own transaction callback. */
export function outerCallError(name: string, operation: string): StorageError {
  const fix = TX_OPERATIONS.has(operation)
    ? `use the tx argument (tx.${operation}()) for work inside the transaction, or call the store after the transaction returns`
    : operation === 'transaction'
      ? 'transactions do not nest: do the work on the tx argument'
      : 'call it after the transaction returns';
  return new StorageError(
    'validation',
    `${name}: store.${operation}() was called inside store.transaction(fn) on the same store; ${fix}.`,
    { backend: name, retryable: false },
  );
}

/**
 * Runs a transaction callback marked as `owner`'s, so {@link insideTransactionOf} sees it. The mark closes
 * when the callback settles: work the callback left running may use the store once the transaction is over.
 * The async-context tracking is switched off while no transaction runs, so stores that never use
 * transactions pay nothing for it.
 */
export async function inTransactionScope<T>(owner: object, fn: () => Promise<T>): Promise<T> {
  const scope: Scope = { owner, open: true, parent: scopes.getStore() };
  running++;
  try {
    return await scopes.run(scope, fn);
  } finally {
    scope.open = false;
    if (--running === 0) scopes.disable();
  }
}

/**
 * The operations a transaction callback gets: driver failures become StorageErrors (so the caller can
 * tell them from its own errors and retry), and a `tx` kept past its transaction is refused instead of
 * running on a connection that may already serve someone else.
 */
export function guardTransaction(
  name: string,
  operations: StorageOperations,
  isOpen: () => boolean,
  toStorageError: (error: unknown) => StorageError,
): StorageOperations {
  const guarded: Record<string, unknown> = {};
  for (const [key, operation] of Object.entries(operations) as [
    string,
    (...args: unknown[]) => Promise<unknown>,
  ][]) {
    guarded[key] = async (...args: unknown[]) => {
      if (!isOpen()) {
        throw new StorageError(
          'validation',
          `${name}: tx.${key}() was called after its transaction ended; use tx only inside the transaction callback.`,
          { backend: name, retryable: false },
        );
      }
      try {
        return await operation(...args);
      } catch (error) {
        throw toStorageError(error);
      }
    };
  }
  return guarded as unknown as StorageOperations;
}

/** What {@link runTransaction} needs from the runtime. */
export interface TransactionHost {
  readonly name: string;
  /** Runs the whole transaction as one public operation (connection check, counting, error mapping). */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** The driver's transaction with the operations on its rows: commit on resolve, roll back on throw. */
  transaction<T>(fn: (operations: StorageOperations) => Promise<T>): Promise<T>;
  toStorageError(error: unknown): StorageError;
}

/**
 * `store.transaction(fn)`: runs `fn` on a guarded `tx` inside the driver's transaction, marked as the
 * store's (`owner`) so an outer call from inside is refused. The caller's own error comes back unchanged
 * after the rollback; only database failures are converted.
 */
export function runTransaction<T>(
  owner: object,
  host: TransactionHost,
  fn: (tx: StorageOperations) => Promise<T>,
): Promise<T> {
  let callerError: { error: unknown } | null = null;
  return host
    .run(() =>
      host.transaction(async (operations) => {
        let open = true;
        try {
          const tx = guardTransaction(host.name, operations, () => open, host.toStorageError);
          return await inTransactionScope(owner, () => fn(tx));
        } catch (error) {
          callerError = { error };
          throw error;
        } finally {
          open = false;
        }
      }),
    )
    .catch((error: unknown) => {
      const own = callerError as { error: unknown } | null;
      throw own !== null && !isStorageError(own.error) ? own.error : error;
    });
}
