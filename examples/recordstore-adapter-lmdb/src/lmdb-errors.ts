import { isStorageError, StorageError } from '@recordstore/core';

/** File system codes, and LMDB's own words for them, that mean "the store's folder cannot be opened". */
const ACCESS_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EISDIR', 'ENOENT']);
const ACCESS_MESSAGES = /not a directory|permission denied|read-only file system|no such file/i;

/**
 * Maps an error of the lmdb package to a StorageError: a folder that cannot be opened or written and a
 * closed environment are `connection` problems (retrying after fixing them works); a full disk or map and
 * anything else are `internal`, with the original error kept as `cause`.
 */
export function toLmdbStorageError(error: unknown, path: string): StorageError {
  if (isStorageError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code =
    typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : undefined;
  const options = { cause: error, backend: 'lmdb', ...(code === undefined ? {} : { code }) };
  if ((code !== undefined && ACCESS_CODES.has(code)) || ACCESS_MESSAGES.test(message)) {
    return new StorageError(
      'connection',
      `lmdb: cannot open the store at ${path} (${message}); check that the folder can be created and that this user may write it.`,
      { ...options, retryable: false },
    );
  }
  if (/closed/i.test(message)) {
    return new StorageError(
      'connection',
      `lmdb: the store at ${path} is closed; connect() it again.`,
      options,
    );
  }
  if (code === 'ENOSPC' || /MDB_MAP_FULL/.test(message)) {
    return new StorageError(
      'internal',
      `lmdb: the store at ${path} is full (${message}); free disk space.`,
      options,
    );
  }
  return new StorageError('internal', `lmdb: ${message}`, options);
}
