import type { StorageOperations } from '../backend.js';
import { StorageError } from '../errors.js';

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
