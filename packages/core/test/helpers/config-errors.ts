import { expect } from 'vitest';
import { StorageError, type StorageErrorKind } from '../../src/index.js';

/** Runs `fn` expecting a StorageError (of `kind`, when given) and returns it. */
export async function storageError(
  fn: () => Promise<unknown> | unknown,
  kind?: StorageErrorKind,
): Promise<StorageError> {
  try {
    await fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StorageError);
    if (kind !== undefined) expect((error as StorageError).kind).toBe(kind);
    return error as StorageError;
  }
  throw new Error('expected a StorageError, but the call succeeded');
}

/** The third-party adapter fixture as a temp app names it: by relative path, as a package, by definition. */
export const ADAPTER_PATH = './adapters/notebook/index.mjs#NotebookStorageBackend';
export const ADAPTER_PACKAGE = 'recordstore-adapter-notebook#NotebookStorageBackend';
export const ADAPTER_DEFINITION = './adapters/notebook/index.mjs#notebookBackend';
