import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import YAML from 'yaml';
import type { StorageBackend } from '../backend.js';
import type { BackendOptions } from '../base-backend.js';
import { isStorageError, StorageError } from '../errors.js';
import { describeValue, isPlainObject, setOwn } from '../record.js';
import { createPreparedStorage, type LocateKey, prepareBackend, resolveBackend } from '../registry.js';
import { type EnvSource, interpolateValue, joinPath } from './interpolate.js';
import { maskSecretsInString } from './secrets.js';
import { didYouMean, unknownKeyMessage } from './zod-issues.js';

/** One storage type of a config file, after the environment overlay and interpolation. */
export interface StorageTypeConfig {
  /** Its name under `storage_types:` (or its top-level key). */
  name: string;
  /** The backend class reference (see `resolveBackend`). */
  class: string;
  description?: string;
  /** Free-form descriptive data (features, categories); not read by the backend. */
  metadata?: Record<string, unknown>;
  /** The backend's `config:` block, not yet validated (values may still be strings such as "5432"). */
  config: Record<string, unknown>;
}

/** A parsed config file. */
export interface LoadedConfig {
  /** Absolute path of the file, or null for text parsed without a file. */
  file: string | null;
  /** The environment whose overlay was applied, or null when none was. */
  environment: string | null;
  /** The storage type used when none is named. */
  defaultStorage: string;
  storageTypes: Record<string, StorageTypeConfig>;
}

/** Options of {@link loadConfig} and {@link parseConfigText}. */
export interface LoadConfigOptions {
  /** Variables for `${VAR}` interpolation and environment selection (default `process.env`). */
  env?: EnvSource;
  /**
   * The environment overlay to apply (the CLI's `--env`); it must exist in the file. Without it,
   * `RECORDSTORE_ENV`, else `NODE_ENV`, chooses one, and a name the file does not define applies nothing.
   */
  environment?: string;
}

/** Where each part of a storage type was written, so errors point at the line the user must fix. */
interface Provenance {
  /** Key path of the definition that introduced the type (`storage_types.pg`, `postgresql`, `environments.x...`). */
  path: string;
  /** Key path of the `class` value (or of the definition when the class comes from the name). */
  classPath: string;
  /** For each top-level config key, the key path of the `config:` mapping that set it last. */
  configKeys: Map<string, string>;
}

// Kept beside the objects rather than in them, so printing a LoadedConfig shows only the config.
const provenance = new WeakMap<StorageTypeConfig, Provenance>();

const TOP_LEVEL_KEYS = ['storage_types', 'environments', 'default'];
const TYPE_KEYS = ['class', 'description', 'metadata', 'config'];
const ENVIRONMENT_KEYS = ['storage_types', 'default'];

function fail(file: string | null, path: string, message: string): never {
  throw new StorageError('config', `${file ? `${file}: ` : ''}${message}`, path === '' ? {} : { path });
}

/** Interpolates with the file named in errors (interpolation itself only knows key paths). */
function interpolateIn<T>(file: string | null, value: T, env: EnvSource, path: string): T {
  try {
    return interpolateValue(value, env, path);
  } catch (error) {
    if (file === null || !isStorageError(error)) throw error;
    throw new StorageError('config', `${file}: ${error.message}`, {
      ...(error.path === undefined ? {} : { path: error.path }),
    });
  }
}

function mergeDeep(base: Record<string, unknown>, overlay: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    const current = out[key];
    setOwn(out, key, isPlainObject(current) && isPlainObject(value) ? mergeDeep(current, value) : value);
  }
  return out;
}

interface Definition {
  path: string;
  body: Record<string, unknown>;
}

function checkMapping(
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

function checkKeys(file: string | null, path: string, body: Record<string, unknown>, known: string[]): void {
  for (const key of Object.keys(body)) {
    if (!known.includes(key)) {
      const full = joinPath(path, key);
      fail(file, full, unknownKeyMessage(full, key, known));
    }
  }
}

/** Checks the shape of one storage type definition and interpolates it. */
function readDefinition(
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

function chooseEnvironment(
  file: string | null,
  environments: Record<string, unknown>,
  options: LoadConfigOptions,
  env: EnvSource,
): string | null {
  const names = Object.keys(environments);
  if (options.environment !== undefined && options.environment !== '') {
    if (!Object.hasOwn(environments, options.environment)) {
      const suggestion = didYouMean(options.environment, names);
      fail(
        file,
        'environments',
        names.length === 0
          ? `environment "${options.environment}" was requested, but the config defines no environments: section.`
          : `environment "${options.environment}" is not defined; the config defines: ${names.join(', ')}` +
              `${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`}.`,
      );
    }
    return options.environment;
  }
  // Chosen by the process environment: a name this file does not define just means "no overlay", since the
  // same NODE_ENV drives many tools that know nothing of this file.
  const chosen = env.RECORDSTORE_ENV || env.NODE_ENV;
  return chosen && Object.hasOwn(environments, chosen) ? chosen : null;
}

/**
 * Parses config text (YAML): the synchronous core of {@link loadConfig}. See that function for the format.
 *
 * @param options.file the file the text came from: named in errors and recorded in the result.
 * @throws StorageError(config) naming the key path for malformed YAML, unknown keys, unset variables and
 *   undefined defaults or environments.
 */
export function parseConfigText(
  text: string,
  options: LoadConfigOptions & { file?: string } = {},
): LoadedConfig {
  const file = options.file ?? null;
  const env = options.env ?? process.env;
  let doc: unknown;
  try {
    // merge: YAML anchors with `<<:` are common in config files that share settings between environments.
    doc = YAML.parse(text, { merge: true, prettyErrors: true });
  } catch (error) {
    // Only the first line ("... at line 4, column 17"): yaml's pretty errors append the offending source
    // line, which may be `password: ...`.
    const message = (error instanceof Error ? error.message : String(error))
      .split('\n')[0]!
      .replace(/:$/, '');
    throw new StorageError('config', `${file ?? 'config'}: invalid YAML: ${maskSecretsInString(message)}`, {
      cause: error,
    });
  }
  if (doc === null || doc === undefined) {
    fail(file, '', 'the config is empty; define storage_types: (see the README config reference).');
  }
  const top = checkMapping(
    file,
    '',
    doc,
    'a mapping with storage_types, environments and default at the top',
  );

  const definitions = new Map<string, Definition>();
  const define = (name: string, path: string, body: unknown) => {
    const existing = definitions.get(name);
    if (existing) {
      fail(
        file,
        path,
        `${path}: storage type "${name}" is defined twice (also at ${existing.path}); keep one.`,
      );
    }
    definitions.set(name, { path, body: body as Record<string, unknown> });
  };
  for (const [key, value] of Object.entries(top)) {
    if (key === 'storage_types') {
      const types = checkMapping(file, key, value, 'a mapping of storage type names to definitions');
      for (const [name, body] of Object.entries(types)) define(name, joinPath(key, name), body);
    } else if (key === 'environments' || key === 'default' || key.startsWith('x-')) {
      // environments and default are read below; `x-` keys hold YAML anchors to share (compose's convention).
    } else if (isPlainObject(value) && Object.hasOwn(value, 'class')) {
      // The design document's form: a storage type written at the top level, e.g. `postgresql: { class: ... }`.
      define(key, key, value);
    } else {
      const suggestion = didYouMean(key, TOP_LEVEL_KEYS);
      fail(
        file,
        key,
        `${key}: unknown top-level key "${key}"${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`}. ` +
          'The top level holds storage_types, environments, default, storage types that have a class:, ' +
          'and x-* keys for YAML anchors.',
      );
    }
  }

  const environments = checkMapping(file, 'environments', top.environments, 'a mapping of environment names');
  const environment = chooseEnvironment(file, environments, options, env);

  const storageTypes: Record<string, StorageTypeConfig> = {};
  for (const [name, def] of definitions) {
    const read = readDefinition(file, def.path, def.body, env);
    const type: StorageTypeConfig = { name, class: read.class ?? name, config: read.config };
    if (read.description !== undefined) type.description = read.description;
    if (read.metadata !== undefined) type.metadata = read.metadata;
    setOwn(storageTypes, name, type);
    const configPath = joinPath(def.path, 'config');
    provenance.set(type, {
      path: def.path,
      classPath: read.class === undefined ? def.path : joinPath(def.path, 'class'),
      configKeys: new Map(Object.keys(read.config).map((key) => [key, configPath])),
    });
  }

  let defaultName: unknown = top.default;
  let defaultPath = 'default';
  if (environment !== null) {
    const envPath = joinPath('environments', environment);
    const overlay = checkMapping(
      file,
      envPath,
      environments[environment],
      'a mapping with storage_types and default',
    );
    checkKeys(file, envPath, overlay, ENVIRONMENT_KEYS);
    const typesPath = joinPath(envPath, 'storage_types');
    const types = checkMapping(file, typesPath, overlay.storage_types, 'a mapping of storage type names');
    for (const [name, body] of Object.entries(types)) {
      const path = joinPath(typesPath, name);
      const read = readDefinition(file, path, body, env);
      const configPath = joinPath(path, 'config');
      const existing = Object.hasOwn(storageTypes, name) ? storageTypes[name] : undefined;
      const info = existing ? provenance.get(existing) : undefined;
      // A type only the overlay defines takes its class from its name (`postgresql:` means the postgresql backend).
      const type: StorageTypeConfig = existing
        ? { ...existing, config: mergeDeep(existing.config, read.config) }
        : { name, class: read.class ?? name, config: read.config };
      if (existing && read.class !== undefined) type.class = read.class;
      if (read.description !== undefined) type.description = read.description;
      if (read.metadata !== undefined) type.metadata = mergeDeep(existing?.metadata ?? {}, read.metadata);
      const configKeys = new Map(info?.configKeys ?? []);
      for (const key of Object.keys(read.config)) configKeys.set(key, configPath);
      provenance.set(type, {
        path: info?.path ?? path,
        classPath: read.class !== undefined ? joinPath(path, 'class') : (info?.classPath ?? path),
        configKeys,
      });
      setOwn(storageTypes, name, type);
    }
    if (overlay.default !== undefined && overlay.default !== null) {
      defaultName = overlay.default;
      defaultPath = joinPath(envPath, 'default');
    }
  }

  const names = Object.keys(storageTypes);
  let defaultStorage: string;
  if (defaultName !== undefined && defaultName !== null) {
    const value = interpolateIn(file, defaultName, env, defaultPath);
    if (typeof value !== 'string' || !Object.hasOwn(storageTypes, value)) {
      fail(
        file,
        defaultPath,
        `${defaultPath}: expected the name of a storage type (${names.join(', ') || 'none defined'}), got ${describeValue(value)}`,
      );
    }
    defaultStorage = value;
  } else if (names.length === 1) {
    defaultStorage = names[0]!;
  } else if (Object.hasOwn(storageTypes, 'sqlite')) {
    defaultStorage = 'sqlite';
  } else if (names.length === 0) {
    const envNames = Object.keys(environments);
    fail(
      file,
      'storage_types',
      envNames.length > 0
        ? `no storage types are defined outside environments; the environments ${envNames.join(', ')} define them: ` +
            'choose one with --env or RECORDSTORE_ENV.'
        : 'no storage types are defined; add storage_types: with at least one entry (e.g. sqlite: { class: sqlite }).',
    );
  } else {
    fail(
      file,
      'default',
      `several storage types (${names.join(', ')}) and no default: add "default: ${names[0]}".`,
    );
  }
  return { file, environment, defaultStorage, storageTypes };
}

/**
 * Loads a YAML config file.
 *
 * Format: `storage_types: { <name>: { class, description?, metadata?, config } }`, optional
 * `default: <name>` (else the only storage type, else `sqlite` when present), and
 * `environments: { <env>: { storage_types: { <name>: { config: {...} } }, default? } }` deep-merged over
 * the base for the selected environment (`options.environment`, else `RECORDSTORE_ENV`, else `NODE_ENV`).
 * A top-level key whose value has a `class` is a storage type too (the design document's form), and a type
 * defined only in an overlay takes its class from its name. Top-level keys starting with `x-` are ignored
 * (a place for YAML anchors shared with `<<:`). Every string scalar of the base and of the
 * selected overlay is interpolated: `${VAR}`, `${VAR:default}`, `${VAR:}` (may be empty), `$${` for a
 * literal; other environments are not interpolated, so their variables need not be set. Values stay
 * strings; backends' schemas coerce them (see {@link validateLoadedConfig}).
 *
 * @example
 * const loaded = await loadConfig('./recordstore.yaml', { environment: 'production' });
 * const store = await createStorageFromConfig(loaded);
 */
export async function loadConfig(file: string, options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new StorageError(
      'config',
      code === 'ENOENT'
        ? `Config file not found: ${path}. Create it, or pass another file with --config.`
        : `Cannot read config file ${path}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  return parseConfigText(text, { ...options, file: path });
}

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
 * Validates every storage type of a loaded config against its backend's schema (loading each backend's
 * module, connecting nothing). All problems of all types are reported together.
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
 * Creates and connects the storage type `name` (default: the config's default) of a loaded config.
 * Error messages name the key paths as written in the file, environment overlays included.
 *
 * @example
 * const store = await createStorageFromConfig(await loadConfig('recordstore.yaml'));
 */
export async function createStorageFromConfig(
  config: LoadedConfig,
  name?: string,
  options: BackendOptions & { baseDir?: string } = {},
): Promise<StorageBackend> {
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
  const { info, locateKey } = locatorFor(type);
  await resolveType(type, info, baseDir);
  try {
    return await createPreparedStorage(
      { class: type.class, config: type.config },
      { ...backendOptions, ...(baseDir === undefined ? {} : { baseDir }), locateKey },
    );
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
