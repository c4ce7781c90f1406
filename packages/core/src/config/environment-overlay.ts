import { isPlainObject, setOwn } from '../json-value.js';
import { didYouMean } from './config-issues.js';
import { checkKeys, checkMapping, fail, readDefinition } from './config-shape.js';
import { type EnvSource, joinPath } from './interpolate.js';
import { type LoadConfigOptions, provenance, type StorageTypeConfig } from './loaded-config.js';

const ENVIRONMENT_KEYS = ['storage_types', 'default'];

function mergeDeep(base: Record<string, unknown>, overlay: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    const current = out[key];
    setOwn(out, key, isPlainObject(current) && isPlainObject(value) ? mergeDeep(current, value) : value);
  }
  return out;
}

/**
 * The environment whose overlay applies: `options.environment` (which must exist); else the one named by
 * `RECORDSTORE_ENV`, else by `NODE_ENV`, when the file defines it; null for none.
 */
export function chooseEnvironment(
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
 * Applies the overlay of `environment` to `storageTypes`, in place: each type it names is deep-merged over
 * the base definition, or defined when the base has none. Returns the overlay's `default`, or null.
 */
export function applyEnvironmentOverlay(
  file: string | null,
  environments: Record<string, unknown>,
  environment: string,
  storageTypes: Record<string, StorageTypeConfig>,
  env: EnvSource,
): { name: unknown; path: string } | null {
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
    return { name: overlay.default, path: joinPath(envPath, 'default') };
  }
  return null;
}
