import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  createStorage,
  createStorageFromConfig,
  isPlainObject,
  type LoadedConfig,
  type Logger,
  loadConfig,
  loadConfigPlugins,
  type StorageBackend,
} from '@recordstore/core';
import { registerBuiltinBackends } from './builtins.js';
import { CliError, usageError } from './cli-error.js';
import { type CliIo, configBaseDir } from './io.js';

/** The options every command accepts (declared once on the program). */
export interface GlobalOptions {
  config?: string;
  env?: string;
  storage?: string;
  json?: boolean;
  verbose?: boolean;
}

/** The config file name looked for in the working directory when `--config` is not given. */
export const DEFAULT_CONFIG_FILE = 'recordstore.yaml';

/** The store used when there is no config file: embedded SQLite at ./data/recordstore.db. */
export const EMBEDDED_DEFAULT = { class: 'sqlite', config: {} as Record<string, unknown> } as const;

/** Which store a command works on, and where that choice came from. */
export interface StoreTarget {
  /** The config file, or null for the embedded default. */
  file: string | null;
  /** The environment overlay applied (`--env`, RECORDSTORE_ENV, NODE_ENV), or null when none was. */
  environment: string | null;
  /** The storage type's name in the file (`default` for the embedded store). */
  storageName: string;
  /** The `class:` of that storage type. */
  class: string;
  /** Its `config:` block, interpolated and overlaid, not yet validated. */
  config: Record<string, unknown>;
  /** Relative paths in the config resolve from here. */
  baseDir: string;
  /** The whole loaded file (null for the embedded default). */
  loaded: LoadedConfig | null;
  /** Secret values of the config, removed from any message the CLI prints. */
  secrets: string[];
  /** Given to the store when it is opened (backend warnings on stderr); none: the store logs nothing. */
  logger?: Logger;
}

/** The config file to use: `--config`, else ./recordstore.yaml when present, else null (embedded). */
export function configFileOf(options: GlobalOptions, io: CliIo): string | null {
  if (options.config !== undefined) return resolve(io.cwd, options.config);
  const implicit = resolve(io.cwd, DEFAULT_CONFIG_FILE);
  return existsSync(implicit) ? implicit : null;
}

/** Loads the config file named by the global options (interpolation and overlay applied), or null. */
export async function loadConfigOf(options: GlobalOptions, io: CliIo): Promise<LoadedConfig | null> {
  registerBuiltinBackends();
  const file = configFileOf(options, io);
  if (file === null) return null;
  if (!existsSync(file)) {
    throw new CliError(
      'config',
      `config file ${file} does not exist; run \`recordstore init\` to create one.`,
      {
        path: 'config',
      },
    );
  }
  // Only an explicit --env must exist in the file; RECORDSTORE_ENV / NODE_ENV naming an environment the file
  // does not define just means "no overlay" (the loader reads them from `env` itself).
  const loaded = await loadConfig(file, {
    env: io.env,
    ...(options.env === undefined || options.env === '' ? {} : { environment: options.env }),
  });
  // The file's `plugins:` register their backends before any command looks a class or inline form up.
  await loadConfigPlugins(loaded);
  return loaded;
}

/** Resolves the store a command should use from the global options. */
export async function resolveTarget(options: GlobalOptions, io: CliIo): Promise<StoreTarget> {
  const loaded = await loadConfigOf(options, io);
  if (loaded === null) {
    if (options.env !== undefined && options.env !== '') {
      throw usageError(
        `--env ${options.env}: there is no config file (looked for ./${DEFAULT_CONFIG_FILE}), so there is no environment overlay to apply; pass --config <file>.`,
        'env',
      );
    }
    if (options.storage !== undefined && options.storage !== 'default') {
      throw usageError(
        `--storage ${options.storage}: there is no config file (looked for ./${DEFAULT_CONFIG_FILE}), so the only store is the embedded default; pass --config <file>.`,
        'storage',
      );
    }
    return {
      file: null,
      environment: null,
      storageName: 'default',
      class: EMBEDDED_DEFAULT.class,
      config: { ...EMBEDDED_DEFAULT.config },
      baseDir: io.cwd,
      loaded: null,
      secrets: [],
    };
  }
  const names = Object.keys(loaded.storageTypes);
  const storageName = options.storage ?? loaded.defaultStorage;
  const storageType = storageName === undefined ? undefined : loaded.storageTypes[storageName];
  if (storageName === undefined || storageType === undefined) {
    const which = storageName === undefined ? 'no default storage type' : `no storage type "${storageName}"`;
    throw new CliError(
      options.storage === undefined ? 'config' : 'usage',
      `${loaded.file} has ${which}; it defines: ${names.join(', ') || '(none)'}. Pick one with --storage <name>.`,
      { path: options.storage === undefined ? 'storage_types' : 'storage' },
    );
  }
  return {
    file: loaded.file,
    environment: loaded.environment,
    storageName,
    class: storageType.class,
    config: storageType.config,
    baseDir: configBaseDir(loaded.file, io.cwd),
    loaded,
    secrets: collectSecrets(loaded.storageTypes),
  };
}

/** Opens (creates and connects) the target's store. */
export async function openStore(target: StoreTarget): Promise<StorageBackend> {
  registerBuiltinBackends();
  // From a loaded file, errors name the key path as written (environment overlays included).
  const logger = target.logger === undefined ? {} : { logger: target.logger };
  if (target.loaded !== null) return createStorageFromConfig(target.loaded, target.storageName, logger);
  return createStorage(
    { class: target.class, config: target.config },
    { baseDir: target.baseDir, path: 'default.config', ...logger },
  );
}

/** Opens the target's store, runs `fn`, and always closes the store. */
export async function withStore<T>(
  target: StoreTarget,
  fn: (store: StorageBackend) => Promise<T>,
): Promise<T> {
  const store = await openStore(target);
  try {
    return await fn(store);
  } finally {
    await store.close().catch(() => undefined);
  }
}

const SECRET_KEY = /password|passwd|passphrase|secret|token|credential|api[_-]?key|access[_-]?key/i;

/** Every string under a secret-named key, and every password inside a URL, anywhere in the config. */
export function collectSecrets(value: unknown, key?: string, out: string[] = []): string[] {
  if (typeof value === 'string') {
    if (key !== undefined && SECRET_KEY.test(key) && value !== '') out.push(value);
    for (const match of value.matchAll(/[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:([^@/?#\s]+)@/gi)) {
      if (match[1]) {
        out.push(match[1]);
        try {
          out.push(decodeURIComponent(match[1]));
        } catch {
          // A malformed escape: the raw form is already listed.
        }
      }
    }
  } else if (Array.isArray(value)) {
    for (const item of value) collectSecrets(item, key, out);
  } else if (isPlainObject(value)) {
    for (const [k, item] of Object.entries(value)) collectSecrets(item, k, out);
  }
  return out;
}
