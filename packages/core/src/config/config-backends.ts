import { dirname } from 'node:path';
import type { StorageBackend } from '../backend.js';
import { isStorageError, StorageError } from '../errors.js';
import {
  createPreparedStorage,
  type LoadedPlugin,
  loadPlugins,
  prepareBackend,
  resolveBackend,
} from '../registry/index.js';
import type { BackendOptions } from '../runtime/storage-runtime.js';
import type { UntypedRecord } from '../typing/record-types.js';
import type { LocateKey } from './backend-config.js';
import { didYouMean } from './config-issues.js';
import { joinPath } from './interpolate.js';
import { type LoadedConfig, type Provenance, provenance, type StorageTypeConfig } from './loaded-config.js';

function locatorFor(type: StorageTypeConfig): { locateKey: LocateKey; info: Provenance } {
  const info = provenance.get(type) ?? {
    path: joinPath('storage_types', type.name),
    classPath: joinPath(joinPath('storage_types', type.name), 'class'),
    configKeys: new Map<string, string>(),
  };
  const fallback = joinPath(info.path, 'config');
  return {
    info,
    locateKey: (key) => (key === '' ? fallback : joinPath(info.configKeys.get(key) ?? fallback, key)),
  };
}

function baseDirOf(config: LoadedConfig, baseDir: string | undefined): string | undefined {
  return baseDir ?? (config.file ? dirname(config.file) : undefined);
}

async function resolveType(type: StorageTypeConfig, info: Provenance, baseDir: string | undefined) {
  try {
    return await resolveBackend(type.class, baseDir === undefined ? {} : { baseDir });
  } catch (error) {
    if (!isStorageError(error, 'config')) throw error;
    throw new StorageError('config', `${info.classPath}: ${error.message}`, {
      path: info.classPath,
      cause: error,
    });
  }
}

/**
 * Imports the config's `plugins:` (resolved against the config file's folder, or `options.baseDir`) and
 * registers the backends they export, so their names work in `class:` and in inline store specs.
 * {@link validateLoadedConfig} and {@link createStorageFromConfig} call it first; call it yourself before
 * resolving names from the config some other way (a `copy --to lmdb:./x`).
 *
 * @throws StorageError(config) naming the file and `plugins[i]` for a plugin that is not installed, cannot
 *   be loaded or exports no `recordstoreBackends`.
 */
export async function loadConfigPlugins(
  config: LoadedConfig,
  options: { baseDir?: string } = {},
): Promise<LoadedPlugin[]> {
  const plugins = config.plugins ?? [];
  if (plugins.length === 0) return [];
  const baseDir = baseDirOf(config, options.baseDir);
  try {
    return await loadPlugins(plugins, baseDir === undefined ? {} : { baseDir });
  } catch (error) {
    if (!isStorageError(error, 'config') || !config.file) throw error;
    throw new StorageError('config', `${config.file}: ${error.message}`, {
      ...(error.path === undefined ? {} : { path: error.path }),
      cause: error,
    });
  }
}

/** One validated storage type, as {@link validateLoadedConfig} returns it. */
export interface ValidatedStorageType {
  name: string;
  /** The registered backend name (`sqlite`, `postgresql`), or the module reference of a third-party one. */
  backend: string;
  /** The parsed config, values coerced and defaults filled in. */
  config: Record<string, unknown>;
  mappedKeys: Array<{ from: string; to: string }>;
}

/**
 * Validates every storage type of a loaded config against its backend's schema (loading the config's
 * plugins and each backend's module, connecting nothing). All problems of all types are reported together.
 *
 * @param options.baseDir folder for relative module paths (default: the config file's folder)
 * @param options.only validate only these storage types
 * @throws StorageError(config) naming each key path, the value seen (secrets masked) and what was expected.
 */
export async function validateLoadedConfig(
  config: LoadedConfig,
  options: { baseDir?: string; only?: readonly string[] } = {},
): Promise<ValidatedStorageType[]> {
  const baseDir = baseDirOf(config, options.baseDir);
  await loadConfigPlugins(config, baseDir === undefined ? {} : { baseDir });
  const results: ValidatedStorageType[] = [];
  const problems: StorageError[] = [];
  for (const [name, type] of Object.entries(config.storageTypes)) {
    if (options.only && !options.only.includes(name)) continue;
    const { info, locateKey } = locatorFor(type);
    try {
      await resolveType(type, info, baseDir);
      const prepared = await prepareBackend(type.class, type.config, {
        ...(baseDir === undefined ? {} : { baseDir }),
        locateKey,
      });
      results.push({
        name,
        backend: prepared.name,
        config: prepared.config,
        mappedKeys: prepared.mappedKeys,
      });
    } catch (error) {
      if (!isStorageError(error, 'config')) throw error;
      problems.push(error);
    }
  }
  const where = config.file ? `${config.file}: ` : '';
  if (problems.length === 1) {
    const [problem] = problems as [StorageError];
    throw new StorageError('config', `${where}${problem.message}`, {
      ...(problem.path === undefined ? {} : { path: problem.path }),
      cause: problem,
    });
  }
  if (problems.length > 1) {
    throw new StorageError(
      'config',
      `${where}${problems.length} storage types have problems:\n${problems
        .map((p) => `  - ${p.message.replace(/\n/g, '\n    ')}`)
        .join('\n')}`,
      { ...(problems[0]?.path === undefined ? {} : { path: problems[0].path }), cause: problems[0] },
    );
  }
  return results;
}

/**
 * Creates and connects the storage type `name` (default: the config's default) of a loaded config, after
 * loading its `plugins:`. Error messages name the key paths as written in the file, environment overlays
 * included.
 *
 * @example
 * const store = await createStorageFromConfig(await loadConfig('recordstore.yaml'));
 * const typed = await createStorageFromConfig<AgentRecord>(config, 'main', { schemas: { message: MessageSchema } });
 */
export async function createStorageFromConfig<R extends object = UntypedRecord>(
  config: LoadedConfig,
  name?: string,
  options: BackendOptions<R> & { baseDir?: string } = {},
): Promise<StorageBackend<R>> {
  const chosen = name ?? config.defaultStorage;
  const type = Object.hasOwn(config.storageTypes, chosen) ? config.storageTypes[chosen] : undefined;
  if (!type) {
    const names = Object.keys(config.storageTypes);
    const suggestion = didYouMean(chosen, names);
    throw new StorageError(
      'config',
      `${config.file ? `${config.file}: ` : ''}no storage type "${chosen}"; defined: ${names.join(', ')}` +
        `${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`}.`,
    );
  }
  const { baseDir: givenBaseDir, ...backendOptions } = options;
  const baseDir = baseDirOf(config, givenBaseDir);
  await loadConfigPlugins(config, baseDir === undefined ? {} : { baseDir });
  const { info, locateKey } = locatorFor(type);
  await resolveType(type, info, baseDir);
  try {
    return (await createPreparedStorage(
      { class: type.class, config: type.config },
      { ...(backendOptions as BackendOptions), ...(baseDir === undefined ? {} : { baseDir }), locateKey },
    )) as StorageBackend<R>;
  } catch (error) {
    if (isStorageError(error, 'config') && config.file) {
      throw new StorageError('config', `${config.file}: ${error.message}`, {
        ...(error.path === undefined ? {} : { path: error.path }),
        cause: error,
      });
    }
    throw error;
  }
}
