import { describeValue } from '../describe-value.js';
import { isStorageError, StorageError } from '../errors.js';
import { isPlainObject } from '../json-value.js';
import { unknownKeyMessage } from './config-issues.js';
import { type EnvSource, interpolateValue, joinPath } from './interpolate.js';

const TYPE_KEYS = ['class', 'description', 'metadata', 'config'];

/** Throws a config error naming the file (when there is one) and the key path. */
export function fail(file: string | null, path: string, message: string): never {
  throw new StorageError('config', `${file ? `${file}: ` : ''}${message}`, path === '' ? {} : { path });
}

/** Interpolates with the file named in errors (interpolation itself only knows key paths). */
export function interpolateIn<T>(file: string | null, value: T, env: EnvSource, path: string): T {
  try {
    return interpolateValue(value, env, path);
  } catch (error) {
    if (file === null || !isStorageError(error)) throw error;
    throw new StorageError('config', `${file}: ${error.message}`, {
      ...(error.path === undefined ? {} : { path: error.path }),
    });
  }
}

/** A section that must be a mapping (null or missing reads as empty): returns it, or fails naming `what`. */
export function checkMapping(
  file: string | null,
  path: string,
  value: unknown,
  what: string,
): Record<string, unknown> {
  if (value === null || value === undefined) return {};
  if (!isPlainObject(value)) {
    fail(file, path, `${path}: expected ${what}, got ${describeValue(value)}`);
  }
  return value;
}

/** Fails on the first key of `body` not in `known`, naming the nearest known key or listing them. */
export function checkKeys(
  file: string | null,
  path: string,
  body: Record<string, unknown>,
  known: string[],
): void {
  for (const key of Object.keys(body)) {
    if (!known.includes(key)) {
      const full = joinPath(path, key);
      fail(file, full, unknownKeyMessage(full, key, known));
    }
  }
}

/** Checks the shape of one storage type definition and interpolates it. */
export function readDefinition(
  file: string | null,
  path: string,
  raw: unknown,
  env: EnvSource,
): {
  class?: string;
  description?: string;
  metadata?: Record<string, unknown>;
  config: Record<string, unknown>;
} {
  const body = checkMapping(file, path, raw, 'a mapping with class, description, metadata and config');
  checkKeys(file, path, body, TYPE_KEYS);
  const value = interpolateIn(file, body, env, path);
  const out: ReturnType<typeof readDefinition> = {
    config: checkMapping(file, joinPath(path, 'config'), value.config, 'a mapping of backend settings'),
  };
  if (value.class !== undefined) {
    if (typeof value.class !== 'string' || value.class.trim() === '') {
      fail(
        file,
        joinPath(path, 'class'),
        `${joinPath(path, 'class')}: expected a backend name or class reference such as "sqlite" or ` +
          `"./adapters/x.mjs#XBackend", got ${describeValue(value.class)}`,
      );
    }
    out.class = value.class.trim();
  }
  if (value.description !== undefined && value.description !== null) {
    if (typeof value.description !== 'string') {
      const at = joinPath(path, 'description');
      fail(file, at, `${at}: expected a string, got ${describeValue(value.description)}`);
    }
    out.description = value.description;
  }
  if (value.metadata !== undefined && value.metadata !== null) {
    out.metadata = checkMapping(file, joinPath(path, 'metadata'), value.metadata, 'a mapping');
  }
  return out;
}

/**
 * Reads the top-level `plugins:` list: module specifiers (interpolated) of adapter packages or files to
 * import before any storage type is resolved. Null or missing reads as none.
 */
export function readPlugins(file: string | null, raw: unknown, env: EnvSource): string[] {
  if (raw === null || raw === undefined) return [];
  if (!Array.isArray(raw)) {
    fail(
      file,
      'plugins',
      `plugins: expected a list of module specifiers (e.g. [recordstore-adapter-lmdb, ./adapters/kv.mjs]), got ${describeValue(raw)}`,
    );
  }
  return raw.map((entry: unknown, i) => {
    const at = joinPath('plugins', i);
    const value = interpolateIn(file, entry, env, at);
    if (typeof value !== 'string' || value.trim() === '') {
      fail(
        file,
        at,
        `${at}: expected a module specifier such as "recordstore-adapter-lmdb" or "./adapters/kv.mjs", got ${describeValue(value)}`,
      );
    }
    return value.trim();
  });
}
