import { StorageError } from '../errors.js';

/** An error raised when an AbortSignal stops a transfer. */
export function abortError(signal: AbortSignal, what: string): Error {
  const reason = signal.reason instanceof Error ? signal.reason.message : 'aborted';
  const error = new StorageError('internal', `${what} stopped: ${reason}.`);
  (error as { aborted?: boolean }).aborted = true;
  return error;
}

/** True for an error made by {@link abortError}. */
export function isAbort(error: unknown): boolean {
  return (error as { aborted?: boolean } | null)?.aborted === true;
}
