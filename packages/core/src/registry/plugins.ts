import { resolve } from 'node:path';
import { describeType, describeValue } from '../describe-value.js';
import { isStorageError, StorageError } from '../errors.js';
import { isBackendExport, registerBackend } from './backend-registry.js';
import { importModule, isPathLike, lookedFrom, packageOf } from './module-loader.js';

/** The export a plugin module declares its backends in. */
export const PLUGIN_EXPORT = 'recordstoreBackends';

/** What loading one plugin module did. */
export interface LoadedPlugin {
  /** The specifier as written (`recordstore-adapter-lmdb`, `./adapters/kv.mjs`). */
  spec: string;
  /** The URL the module was imported from. */
  url: string;
  /** The names it registered (each backend's definition name). */
  backends: string[];
}

function problem(at: string, spec: string, message: string, cause?: unknown): StorageError {
  return new StorageError('config', `${at}: plugin "${spec}": ${message}`, {
    path: at,
    ...(cause === undefined ? {} : { cause }),
  });
}

function notFound(spec: string, baseDir: string | undefined): string {
  if (isPathLike(spec)) {
    return (
      `the file ${resolve(baseDir ?? process.cwd(), spec)} does not exist (relative paths are resolved ` +
      `against ${baseDir === undefined ? 'the working directory' : "the config file's folder"})`
    );
  }
  return (
    `unknown plugin: package "${packageOf(spec)}" is not installed (${lookedFrom(baseDir)}); ` +
    `install it beside the application, e.g. \`pnpm add ${packageOf(spec)}\``
  );
}

async function loadOne(spec: unknown, at: string, baseDir: string | undefined): Promise<LoadedPlugin> {
  if (typeof spec !== 'string' || spec.trim() === '') {
    throw new StorageError(
      'config',
      `${at}: expected a module specifier such as "recordstore-adapter-lmdb" or "./adapters/kv.mjs", got ${describeValue(spec)}.`,
      { path: at },
    );
  }
  const name = spec.trim();
  let loaded: Awaited<ReturnType<typeof importModule>>;
  try {
    loaded = await importModule(name, baseDir);
  } catch (error) {
    if (!isStorageError(error)) throw error;
    throw problem(at, name, error.message.replace(/^Module "[^"]*" was /, 'the module was '), error);
  }
  if (loaded === null) throw problem(at, name, `${notFound(name, baseDir)}.`);
  const list = loaded.module[PLUGIN_EXPORT];
  if (!Array.isArray(list)) {
    throw problem(
      at,
      name,
      `the module (${loaded.url}) ${list === undefined ? 'has no' : `has a ${describeType(list)} as its`} ` +
        `"${PLUGIN_EXPORT}" export; a plugin exports \`${PLUGIN_EXPORT}\`, an array of backend definitions ` +
        '(made with defineBackend) or store classes with a static `definition`.',
    );
  }
  const backends: string[] = [];
  list.forEach((item: unknown, i) => {
    if (!isBackendExport(item)) {
      throw problem(
        at,
        name,
        `${PLUGIN_EXPORT}[${i}] is ${describeType(item)}, not a backend definition (made with defineBackend) ` +
          'or a store class with a static `definition`.',
      );
    }
    const definitionName = typeof item === 'function' ? item.definition.name : item.name;
    registerBackend(definitionName, item);
    backends.push(definitionName);
  });
  return { spec: name, url: loaded.url, backends };
}

/**
 * Imports plugin modules and registers the backends each one exports as `recordstoreBackends`, under
 * their definitions' names and aliases, so a config can then say `class: lmdb`. Specifiers are resolved
 * as Node resolves an `import` from `baseDir` (the config file's folder): relative paths against it,
 * packages from its `node_modules` (then the working directory's). Importing a plugin again is cheap (the
 * module is cached) and registers the same names again.
 *
 * @param specs the `plugins:` list of a config file
 * @param options.path the key path of the list in messages (default `plugins`)
 * @throws StorageError(config) naming `plugins[i]` for a plugin that is not installed, cannot be loaded or
 *   exports no backends; all problems at once.
 *
 * @example
 * // recordstore-adapter-lmdb/src/index.ts
 * export const recordstoreBackends = [lmdbBackend];
 * // application
 * await loadPlugins(['recordstore-adapter-lmdb'], { baseDir: process.cwd() });
 * const store = await createStorage({ class: 'lmdb', config: { path: './data' } });
 */
export async function loadPlugins(
  specs: readonly unknown[],
  options: { baseDir?: string; path?: string } = {},
): Promise<LoadedPlugin[]> {
  const path = options.path ?? 'plugins';
  const loaded: LoadedPlugin[] = [];
  const problems: StorageError[] = [];
  for (const [i, spec] of specs.entries()) {
    try {
      loaded.push(await loadOne(spec, `${path}[${i}]`, options.baseDir));
    } catch (error) {
      if (!isStorageError(error, 'config')) throw error;
      problems.push(error);
    }
  }
  if (problems.length === 1) throw problems[0]!;
  if (problems.length > 1) {
    throw new StorageError(
      'config',
      `${problems.length} plugins cannot be loaded:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`,
      { ...(problems[0]!.path === undefined ? {} : { path: problems[0]!.path }), cause: problems[0] },
    );
  }
  return loaded;
}
