import { type InlineSpecCapability, StorageError } from '@recordstore/core';
import { isMemoryPath, type SQLiteConfig, sqliteFilePath } from './sqlite-config.js';

const SCHEME = /^sqlite:/i;

/**
 * Where a SQLite store's data lives, credential-free: `sqlite:<absolute path>` or `sqlite::memory:`. Two
 * spellings of one file (`./data/x.db`, `/work/data/x.db`) give one identity, and tuning keys
 * (`batch_size`, `busy_timeout_ms`, ...) never change it. Copies key their resume state on it.
 *
 * @example
 * sqliteIdentity(sqliteConfigSchema.parse({ path: './x.db' })) // 'sqlite:/current/dir/x.db'
 */
export function sqliteIdentity(config: Pick<SQLiteConfig, 'path'>): string {
  return isMemoryPath(config.path) ? 'sqlite::memory:' : `sqlite:${sqliteFilePath(config.path)}`;
}

/**
 * Reads a store named inline: `sqlite:./x.db`, `sqlite:/abs/x.db`, `sqlite:///abs/x.db` (URL style) and
 * `sqlite::memory:` give `{ path }`.
 *
 * @throws StorageError(config) when the spec names no file or is not a `sqlite:` spec.
 */
export function parseSQLiteSpec(text: string): { path: string } {
  const spec = typeof text === 'string' ? text.trim() : '';
  if (!SCHEME.test(spec)) {
    throw new StorageError(
      'config',
      `"${spec}" is not a SQLite store: write sqlite:./path/to/file.db (or sqlite::memory:).`,
      { backend: 'sqlite' },
    );
  }
  let path = spec.slice('sqlite:'.length);
  // sqlite:///abs/x.db (URL style) names /abs/x.db; sqlite://./x.db names ./x.db.
  if (path.startsWith('//')) path = path.slice(2);
  if (path === '') {
    throw new StorageError(
      'config',
      `"${spec}" names no file: write sqlite:./path/to/file.db (or sqlite::memory:).`,
      {
        backend: 'sqlite',
      },
    );
  }
  return { path };
}

/** How a SQLite store is named on a command line (`recordstore copy --from sqlite:./x.db`). */
export const sqliteInlineSpec: InlineSpecCapability = {
  schemes: ['sqlite'],
  parse: parseSQLiteSpec,
};
