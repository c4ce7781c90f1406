import { resolve } from 'node:path';
import { type InlineSpecCapability, StorageError } from '@recordstore/core';
import type { LmdbConfig } from './lmdb-config.js';

const SCHEME = /^lmdb:/i;

/**
 * Where an LMDB store's data lives: `lmdb:<absolute folder>`. Tuning keys (`batch_size`, TTL settings)
 * never change it, so a resumable copy keyed on it survives a config change.
 *
 * @example
 * lmdbIdentity({ path: './data/main.lmdb' }) // 'lmdb:/srv/app/data/main.lmdb'
 */
export function lmdbIdentity(config: Pick<LmdbConfig, 'path'>): string {
  return `lmdb:${resolve(config.path)}`;
}

/**
 * Reads a store named on a command line: `lmdb:./data/main.lmdb` or `lmdb:/abs/folder` give `{ path }`.
 *
 * @throws StorageError(config) when the spec names no folder.
 */
export function parseLmdbSpec(text: string): { path: string } {
  const spec = typeof text === 'string' ? text.trim() : '';
  const path = SCHEME.test(spec) ? spec.slice('lmdb:'.length) : '';
  if (path === '') {
    throw new StorageError(
      'config',
      `"${spec}" names no LMDB store: write lmdb:<folder>, e.g. lmdb:./data/main.lmdb.`,
      { backend: 'lmdb' },
    );
  }
  return { path };
}

/** How an LMDB store is named inline (`recordstore copy --to lmdb:./data/main.lmdb`). */
export const lmdbInlineSpec: InlineSpecCapability = { schemes: ['lmdb'], parse: parseLmdbSpec };
