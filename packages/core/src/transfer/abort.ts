import { isStorageError, StorageError } from '../errors.js';

/**
 * An error of kind `aborted` for a call an AbortSignal stopped. It also carries `aborted: true`, which
 * callers that predate the kind (the CLI's Ctrl-C handling) test.
 */
export function abortError(signal: AbortSignal, what: string): StorageError {
  const reason = signal.reason instanceof Error ? signal.reason.message : 'aborted';
  const error = new StorageError('aborted', `${what} stopped: ${reason}.`, { retryable: false });
  (error as { aborted?: boolean }).aborted = true;
  return error;
}

/** True for an error made by {@link abortError}. */
export function isAbort(error: unknown): boolean {
  return isStorageError(error, 'aborted') || (error as { aborted?: boolean } | null)?.aborted === true;
}

/**
 * Throws the `aborted` error when `signal` has fired: called between batches, so work stops at a point
 * where what was written is whole (a committed batch, or a transaction that rolls back).
 */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw abortError(signal, what);
}

/**
 * Settles with `promise`, or rejects with the `aborted` error as soon as `signal` fires (a read whose
 * result is no longer wanted: the statement finishes in the background and its result is dropped).
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(abortError(signal, what));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal, what));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
