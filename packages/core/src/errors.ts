/**
 * The kinds of failure every backend maps its native errors onto, so callers can react the same way
 * whatever database sits underneath.
 */
export type StorageErrorKind =
  | 'validation'
  | 'not_found'
  | 'conflict'
  | 'connection'
  | 'timeout'
  | 'config'
  | 'unsupported'
  /** An AbortSignal stopped the call (`list`, `stream`, `saveMany`, copies, backups); nothing half-written remains. */
  | 'aborted'
  | 'internal';

/** Options of a {@link StorageError}. */
export interface StorageErrorOptions {
  /** The driver's original error, kept for debugging. Never shown by the CLI without `--verbose`. */
  cause?: unknown;
  /** Whether retrying the same call may succeed (connection drops, serialization failures, timeouts). */
  retryable?: boolean;
  /** Where the problem is: a config key path, a filter path, a record key. */
  path?: string;
  /** The backend that raised it (`sqlite`, `postgresql`, ...). */
  backend?: string;
  /** The driver's native code (`23505`, `SQLITE_BUSY`, ...), when there is one. */
  code?: string;
}

const RETRYABLE_BY_DEFAULT: ReadonlySet<StorageErrorKind> = new Set(['connection', 'timeout']);

/**
 * The mark every StorageError carries. `Symbol.for` gives the same symbol in every copy of core loaded in
 * a process (an adapter installed with its own copy beside the application's), so an error raised by one
 * copy is recognised, kind and all, by the others.
 */
const BRAND: unique symbol = Symbol.for('recordstore.StorageError') as never;

/**
 * The one error type of recordstore. Every public method rejects with a `StorageError` (never a raw driver
 * error), whose `kind` says what went wrong and whose message says what to do about it.
 *
 * Errors are branded with `Symbol.for('recordstore.StorageError')`: {@link isStorageError} and
 * `instanceof StorageError` also recognise an error made by another copy of `@recordstore/core`.
 *
 * @example
 * try { await store.save(record) } catch (e) {
 *   if (e instanceof StorageError && e.retryable) retryLater();
 * }
 */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  readonly kind: StorageErrorKind;
  readonly retryable: boolean;
  readonly path: string | undefined;
  readonly backend: string | undefined;
  readonly code: string | undefined;

  constructor(kind: StorageErrorKind, message: string, options: StorageErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(kind);
    this.path = options.path;
    this.backend = options.backend;
    this.code = options.code;
  }

  /** A plain object for `--json` output and structured logs (no cause, which may carry driver internals). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      kind: this.kind,
      message: this.message,
      retryable: this.retryable,
      ...(this.path === undefined ? {} : { path: this.path }),
      ...(this.backend === undefined ? {} : { backend: this.backend }),
      ...(this.code === undefined ? {} : { code: this.code }),
    };
  }
}

Object.defineProperty(StorageError.prototype, BRAND, { value: true });

// `instanceof StorageError` by brand too, so an error from another copy of core passes. A subclass keeps
// the ordinary prototype check (`e instanceof MyError` must not accept every StorageError).
Object.defineProperty(StorageError, Symbol.hasInstance, {
  value: function hasInstance(this: abstract new (...args: never) => unknown, value: unknown): boolean {
    return this === StorageError
      ? isBranded(value)
      : Function.prototype[Symbol.hasInstance].call(this, value);
  },
});

function isBranded(value: unknown): value is StorageError {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    (value as { [BRAND]?: unknown })[BRAND] === true
  );
}

/**
 * True when `error` is a {@link StorageError}, optionally of the given kind. Checks the brand, not the
 * class, so an error from any copy of `@recordstore/core` in the process counts.
 */
export function isStorageError(error: unknown, kind?: StorageErrorKind): error is StorageError {
  return isBranded(error) && (kind === undefined || error.kind === kind);
}

/** Shorthand for a validation error that names the offending path. */
export function validationError(message: string, path?: string): StorageError {
  return new StorageError('validation', message, path === undefined ? {} : { path });
}
