import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import YAML from 'yaml';
import { describeValue } from '../describe-value.js';
import { StorageError } from '../errors.js';
import { isPlainObject, setOwn } from '../json-value.js';
import { didYouMean } from './config-issues.js';
import { checkMapping, fail, interpolateIn, readDefinition, readPlugins } from './config-shape.js';
import { applyEnvironmentOverlay, chooseEnvironment } from './environment-overlay.js';
import { type EnvSource, joinPath } from './interpolate.js';
import {
  type LoadConfigOptions,
  type LoadedConfig,
  provenance,
  type StorageTypeConfig,
} from './loaded-config.js';
import { maskSecretsInString } from './secrets.js';

const TOP_LEVEL_KEYS = ['plugins', 'storage_types', 'environments', 'default'];

interface Definition {
  path: string;
  body: Record<string, unknown>;
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
    } else if (key === 'plugins' || key === 'environments' || key === 'default' || key.startsWith('x-')) {
      // Read below; `x-` keys hold YAML anchors to share (compose's convention).
    } else if (isPlainObject(value) && Object.hasOwn(value, 'class')) {
      // The design document's form: a storage type written at the top level, e.g. `postgresql: { class: ... }`.
      define(key, key, value);
    } else {
      const suggestion = didYouMean(key, TOP_LEVEL_KEYS);
      fail(
        file,
        key,
        `${key}: unknown top-level key "${key}"${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`}. ` +
          'The top level holds plugins, storage_types, environments, default, storage types that have a class:, ' +
          'and x-* keys for YAML anchors.',
      );
    }
  }

  const plugins = readPlugins(file, top.plugins, env);
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
    const overlayDefault = applyEnvironmentOverlay(file, environments, environment, storageTypes, env);
    if (overlayDefault !== null) {
      defaultName = overlayDefault.name;
      defaultPath = overlayDefault.path;
    }
  }
  const defaultStorage = chooseDefaultStorage(
    file,
    storageTypes,
    environments,
    defaultName,
    defaultPath,
    env,
  );
  return { file, environment, defaultStorage, storageTypes, plugins };
}

/**
 * The storage type used when none is named: the `default` given (base or overlay), else the only type,
 * else `sqlite` when defined. Fails when none of these applies.
 */
function chooseDefaultStorage(
  file: string | null,
  storageTypes: Record<string, StorageTypeConfig>,
  environments: Record<string, unknown>,
  defaultName: unknown,
  defaultPath: string,
  env: EnvSource,
): string {
  const names = Object.keys(storageTypes);
  if (defaultName !== undefined && defaultName !== null) {
    const value = interpolateIn(file, defaultName, env, defaultPath);
    if (typeof value !== 'string' || !Object.hasOwn(storageTypes, value)) {
      fail(
        file,
        defaultPath,
        `${defaultPath}: expected the name of a storage type (${names.join(', ') || 'none defined'}), got ${describeValue(value)}`,
      );
    }
    return value;
  }
  if (names.length === 1) return names[0]!;
  if (Object.hasOwn(storageTypes, 'sqlite')) return 'sqlite';
  if (names.length === 0) {
    const envNames = Object.keys(environments);
    fail(
      file,
      'storage_types',
      envNames.length > 0
        ? `no storage types are defined outside environments; the environments ${envNames.join(', ')} define them: ` +
            'choose one with --env or RECORDSTORE_ENV.'
        : 'no storage types are defined; add storage_types: with at least one entry (e.g. sqlite: { class: sqlite }).',
    );
  }
  fail(
    file,
    'default',
    `several storage types (${names.join(', ')}) and no default: add "default: ${names[0]}".`,
  );
}

/**
 * Loads a YAML config file.
 *
 * Format: optional `plugins: [<module specifier>, ...]` (adapter packages or files, resolved against the
 * config file's folder and imported before any class is looked up; each exports `recordstoreBackends`),
 * `storage_types: { <name>: { class, description?, metadata?, config } }`, optional
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
