import { resolve } from 'node:path';
import { maskSecrets, maskSecretsInString } from '../config/secrets.js';
import { StorageError } from '../errors.js';

/** A store named inline on a command line: the registry's `{ class, config }`. */
export interface InlineStoreSpec {
  kind: 'inline';
  class: string;
  config: Record<string, unknown>;
}

/** A store named by its key under `storage_types:` in the config file; the caller resolves it. */
export interface NamedStoreSpec {
  kind: 'named';
  name: string;
}

/** What {@link parseStoreSpec} returns. */
export type StoreSpec = InlineStoreSpec | NamedStoreSpec;

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * Parses the `--from` / `--to` forms of `recordstore copy` (and `backup restore --to`):
 * - `sqlite:./x.db`, `sqlite:/abs/x.db`, `sqlite:///abs/x.db`, `sqlite::memory:` -> `{ class: 'sqlite', config: { path } }`
 * - `postgres://...` or `postgresql://...` -> `{ class: 'postgresql', config: { url } }`
 * - `memory:` -> `{ class: 'memory', config: {} }`
 * - anything else that looks like a name (`production`, `local_sqlite`) -> a named config to look up.
 *
 * @example
 * parseStoreSpec('sqlite:./data/app.db') // { kind: 'inline', class: 'sqlite', config: { path: './data/app.db' } }
 * @throws StorageError(config) for an empty or unrecognized form.
 */
export function parseStoreSpec(text: string): StoreSpec {
  const spec = typeof text === 'string' ? text.trim() : '';
  if (spec === '') {
    throw new StorageError(
      'config',
      'A store must be given as sqlite:<path>, postgres://<url> or the name of a storage_types entry; got an empty value.',
    );
  }
  if (/^postgres(?:ql)?:\/\//i.test(spec)) {
    return { kind: 'inline', class: 'postgresql', config: { url: spec } };
  }
  if (/^sqlite:/i.test(spec)) {
    let path = spec.slice('sqlite:'.length);
    // sqlite:///abs/x.db (URL style) names /abs/x.db; sqlite://./x.db names ./x.db.
    if (path.startsWith('//')) path = path.slice(2);
    if (path === '') {
      throw new StorageError(
        'config',
        `"${spec}" names no file: write sqlite:./path/to/file.db (or sqlite::memory:).`,
      );
    }
    return { kind: 'inline', class: 'sqlite', config: { path } };
  }
  if (/^memory:?$/i.test(spec)) return { kind: 'inline', class: 'memory', config: {} };
  if (NAME.test(spec)) return { kind: 'named', name: spec };
  throw new StorageError(
    'config',
    `Cannot read the store "${maskSecretsInString(spec)}": write sqlite:<path>, postgres://user@host:5432/db, ` +
      'memory:, or the name of a storage_types entry in the config file.',
  );
}

/**
 * A stable identity of a store for copy watermarks: the backend class plus where its data lives, without
 * credentials (`sqlite:/abs/path.db`, `postgresql://host:5432/db?schema=public`). Two spellings of the same
 * SQLite file give the same key. Safe to log.
 */
export function storeKey(spec: { class: string; config: Record<string, unknown> }): string {
  const cls = spec.class.toLowerCase();
  const config = spec.config;
  if ((cls === 'sqlite' || cls.endsWith('sqlitestoragebackend')) && typeof config.path === 'string') {
    return config.path === ':memory:' ? 'sqlite::memory:' : `sqlite:${resolve(config.path)}`;
  }
  if (cls === 'postgresql' || cls === 'postgres' || cls.endsWith('postgresqlstoragebackend')) {
    let host = typeof config.host === 'string' ? config.host : undefined;
    let port = config.port === undefined ? undefined : String(config.port);
    let database = typeof config.database === 'string' ? config.database : undefined;
    if (typeof config.url === 'string') {
      try {
        const url = new URL(config.url);
        host ??= url.hostname;
        port ??= url.port || undefined;
        database ??= decodeURIComponent(url.pathname.replace(/^\//, '')) || undefined;
      } catch {
        // An unparsable URL fails later, when the backend validates it; the key just carries less.
      }
    }
    const schema = typeof config.schema_name === 'string' ? config.schema_name : 'public';
    return `postgresql://${host ?? 'localhost'}:${port ?? '5432'}/${database ?? ''}?schema=${schema}`;
  }
  return maskSecretsInString(`${spec.class}:${JSON.stringify(maskSecrets(config))}`);
}
