import { isStorageError, StorageError } from '@recordstore/core';

const BACKEND = 'sqlite';

/** What the error mapping needs to know to say what to do. */
export interface SQLiteErrorContext {
  /** The database file (never a secret: it is a local path). */
  path: string;
  busyTimeoutMs: number;
}

function nativeCode(error: unknown): string | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/**
 * Maps a better-sqlite3 error to a {@link StorageError}: the kind callers react to, whether retrying can
 * help, and a message that says what to do. The native error stays as `cause` and its code as `code`.
 */
export function toSQLiteStorageError(error: unknown, context: SQLiteErrorContext): StorageError {
  if (isStorageError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = nativeCode(error);
  const make = (kind: StorageError['kind'], text: string, retryable?: boolean) =>
    new StorageError(kind, `sqlite: ${text}`, {
      cause: error,
      backend: BACKEND,
      ...(code === undefined ? {} : { code }),
      ...(retryable === undefined ? {} : { retryable }),
    });
  if (code === undefined) {
    // better-sqlite3 throws a TypeError once the handle is closed.
    if (/database connection is not open/i.test(message)) {
      return make('connection', 'the database is closed; call connect() again.', false);
    }
    return make('internal', message, false);
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return make(
      'timeout',
      `${context.path} stayed locked by another connection for longer than busy_timeout_ms ` +
        `(${context.busyTimeoutMs} ms) (${code}: ${message}). Retry, raise busy_timeout_ms, or keep other ` +
        'processes\u2019 transactions short.',
      true,
    );
  }
  if (code.startsWith('SQLITE_CONSTRAINT')) {
    return make('conflict', `a write broke a constraint (${code}: ${message}).`, false);
  }
  if (code.startsWith('SQLITE_CANTOPEN')) {
    return make(
      'connection',
      `cannot open the database file ${context.path} (${code}: ${message}). Check that its folder exists ` +
        'and is writable by this process, or set path to a writable location.',
      false,
    );
  }
  if (code === 'SQLITE_NOTADB') {
    return make(
      'connection',
      `${context.path} is not an SQLite database (${message}). Point path at an SQLite file, or at a new ` +
        'file name to create one.',
      false,
    );
  }
  if (code.startsWith('SQLITE_CORRUPT')) {
    return make(
      'internal',
      `the database file ${context.path} is corrupt (${code}: ${message}). Stop writers, run ` +
        '`PRAGMA integrity_check`, and restore from a backup or recover with `sqlite3 .recover`.',
      false,
    );
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return make(
      'connection',
      `the database file ${context.path} is read-only (${code}: ${message}). Give this process write ` +
        'permission on the file and its folder (WAL needs to create -wal and -shm files beside it).',
      false,
    );
  }
  if (code === 'SQLITE_FULL') {
    return make('internal', `the disk holding ${context.path} is full (${message}); free space.`, false);
  }
  if (code === 'SQLITE_TOOBIG') {
    return make(
      'validation',
      `a value is larger than SQLite accepts (${message}); store smaller records.`,
      false,
    );
  }
  if (code.startsWith('SQLITE_IOERR')) {
    return make(
      'internal',
      `an I/O error on ${context.path} (${code}: ${message}); check the disk and filesystem.`,
      false,
    );
  }
  return make('internal', `${message} (${code}).`, false);
}
