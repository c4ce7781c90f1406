import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { z } from 'zod';
import type { StorageBackend } from './backend.js';
import type { BackendOptions } from './base-backend.js';
import { COMMON_KEY_ALIASES, coreSettingsFrom } from './config/common-config.js';
import { joinPath } from './config/interpolate.js';
import { maskSecretsInString } from './config/secrets.js';
import { configProblemsError, formatZodIssues, joinIssuePath, shapeOf } from './config/zod-issues.js';
import { isStorageError, StorageError } from './errors.js';
import { MemoryStorageBackend } from './memory/memory-backend.js';
import { describeType, describeValue, isPlainObject } from './record.js';

/** A backend class as the registry loads it. */
export interface BackendClass {
  new (config: Record<string, unknown>, options?: BackendOptions): StorageBackend;
  /** The zod schema of the backend's `config:` block; `validateBackendConfig` parses with it. */
  readonly configSchema?: z.ZodType;
  /**
   * Extra accepted spellings of config keys (`{ old_name: 'new_name' }`), added to core's
   * {@link COMMON_KEY_ALIASES}. Mapped before validation and reported in `mappedKeys`.
   */
  readonly keyAliases?: Readonly<Record<string, string>>;
}

/** Options of {@link registerBackend}. */
export interface RegisterBackendOptions {
  /** Other names the backend answers to (class names, short forms). */
  aliases?: string[];
  /** Module specifier used in error hints, e.g. '@recordstore/sqlite'. */
  packageName?: string;
}

type BackendLoad = BackendClass | (() => BackendClass | Promise<BackendClass>);
type Loader = (context: { baseDir: string | undefined }) => Promise<BackendClass>;

interface Entry {
  name: string;
  aliases: string[];
  packageName: string | undefined;
  loader: Loader;
  loaded: Promise<BackendClass> | undefined;
}

// Insertion order is the order names are listed in messages: built-ins first.
const entries = new Map<string, Entry>();

function isBackendClass(value: unknown): value is BackendClass {
  return (
    typeof value === 'function' &&
    typeof (value as { prototype?: { connect?: unknown } }).prototype?.connect === 'function'
  );
}

function checkName(name: unknown, what: string): asserts name is string {
  if (typeof name !== 'string' || name.trim() === '' || name.includes('#')) {
    throw new StorageError(
      'config',
      `registerBackend: ${what} must be a non-empty string without "#", got ${describeValue(name)}.`,
    );
  }
}

function addEntry(name: string, aliases: readonly string[], packageName: string | undefined, loader: Loader) {
  checkName(name, 'the name');
  for (const alias of aliases) checkName(alias, 'an alias');
  // A new registration takes over its names from older ones (the CLI overrides built-in resolution).
  const taken = new Set([name, ...aliases]);
  for (const other of entries.values()) other.aliases = other.aliases.filter((a) => !taken.has(a));
  entries.delete(name);
  entries.set(name, {
    name,
    aliases: aliases.filter((a) => a !== name),
    packageName,
    loader,
    loaded: undefined,
  });
}

/**
 * Registers a backend under a name; `load` is called lazily the first time the name is used, so an
 * application that never uses a backend never imports its driver. Registering a name again replaces its
 * loader (keeping its aliases unless `options.aliases` is given); an alias claimed by a new registration
 * moves to it.
 *
 * @example
 * registerBackend('sqlite', () => import('@recordstore/sqlite').then((m) => m.SQLiteStorageBackend), {
 *   aliases: ['SQLiteStorageBackend'],
 * });
 */
export function registerBackend(name: string, load: BackendLoad, options: RegisterBackendOptions = {}): void {
  const loader: Loader = async () => {
    let value: unknown = isBackendClass(load) ? load : await (load as () => unknown)();
    // Be lenient with `() => import('pkg')`: a module whose default export is the class.
    if (!isBackendClass(value) && isModuleLike(value) && isBackendClass(value.default)) value = value.default;
    if (!isBackendClass(value)) {
      throw new StorageError(
        'config',
        `Backend "${name}": its loader returned ${describeType(value)}, not a StorageBackend class ` +
          '(a class whose instances have connect()). Return the class itself from the registerBackend loader.',
      );
    }
    return value;
  };
  // Re-registering a name (an application overriding how a built-in is loaded) keeps its aliases unless
  // new ones are given, so `SQLiteStorageBackend` and dotted paths still resolve after the override.
  const previous = entries.get(name);
  addEntry(
    name,
    options.aliases ?? previous?.aliases ?? [],
    options.packageName ?? previous?.packageName,
    loader,
  );
}

/** The names of the registered backends (not their aliases), built-ins first. */
export function registeredBackendNames(): string[] {
  return [...entries.keys()];
}

function isModuleLike(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

function registeredList(): string {
  return [...entries.values()]
    .map((e) => (e.aliases.length > 0 ? `${e.name} (${e.aliases.join(', ')})` : e.name))
    .join(', ');
}

function findEntry(ref: string): Entry | undefined {
  const lookup = (key: string): Entry | undefined => {
    const direct = entries.get(key);
    if (direct) return direct;
    for (const entry of entries.values()) if (entry.aliases.includes(key)) return entry;
    const lower = key.toLowerCase();
    for (const entry of entries.values()) {
      if (entry.name.toLowerCase() === lower || entry.aliases.some((a) => a.toLowerCase() === lower)) {
        return entry;
      }
    }
    return undefined;
  };
  const found = lookup(ref);
  if (found || isPathLike(ref) || !ref.includes('.')) return found;
  // The existing layer's dotted class path: its last segment is the class name.
  return lookup(ref.slice(ref.lastIndexOf('.') + 1));
}

function isPathLike(spec: string): boolean {
  return spec.startsWith('.') || spec.startsWith('file:') || isAbsolute(spec);
}

/** A bare-specifier import failure that means "this package is not installed" (not "it broke"). */
function isPackageNotFound(error: unknown, spec: string): boolean {
  const message = error instanceof Error ? error.message : String(error);
  const pkg = packageOf(spec);
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
    // "Cannot find package 'x' imported from ...": only when x is the package asked for, not one of its
    // own dependencies (a backend installed without its driver must say so, not "not installed").
    return message.includes(`'${pkg}'`) || message.includes(`"${pkg}"`);
  }
  // Vite-based runners (vitest) report unresolvable imports in their own words.
  return message.includes(`Failed to load url ${spec}`) || message.includes(`Cannot find package '${pkg}'`);
}

function packageOf(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? spec);
}

function loadFailure(spec: string, error: unknown): StorageError {
  const message = error instanceof Error ? error.message : String(error);
  return new StorageError(
    'config',
    `Module "${spec}" was found but failed to load: ${maskSecretsInString(message)}`,
    { cause: error },
  );
}

/**
 * Imports a module by specifier the way an application would: relative paths against `baseDir` (the config
 * file's folder) or the working directory; packages from `baseDir`, then the working directory, then from
 * core's own location. Core declares no dependency on any backend package, so resolving from the
 * application's folders is what finds `@recordstore/postgres` when the application installed it.
 *
 * @returns the module namespace, or null when the package is not installed / the file does not exist.
 * @throws StorageError(config) when the module exists but fails to load.
 */
async function importModule(
  spec: string,
  baseDir: string | undefined,
): Promise<{ module: Record<string, unknown>; url: string } | null> {
  let url: string | undefined;
  if (spec.startsWith('file:') || isPathLike(spec)) {
    const file = spec.startsWith('file:') ? fileURLToPath(spec) : resolve(baseDir ?? process.cwd(), spec);
    if (!existsSync(file)) return null;
    url = pathToFileURL(file).href;
  } else {
    const bases = [...new Set([baseDir, process.cwd()].filter((d): d is string => d !== undefined))];
    for (const dir of bases) {
      try {
        url = pathToFileURL(createRequire(join(dir, '__recordstore_resolve__.js')).resolve(spec)).href;
        break;
      } catch {
        // Not installed under this folder (or ESM-only exports require.resolve cannot read): try the next.
      }
    }
  }
  const target = url ?? spec;
  try {
    return { module: (await import(target)) as Record<string, unknown>, url: target };
  } catch (error) {
    if (url === undefined && isPackageNotFound(error, spec)) return null;
    throw loadFailure(spec, error);
  }
}

function exportedClasses(module: Record<string, unknown>): string[] {
  return Object.keys(module).filter((key) => isBackendClass(module[key]));
}

async function loadModuleExport(spec: string, exportName: string, baseDir: string | undefined) {
  const loaded = await importModule(spec, baseDir);
  if (!loaded) {
    const where = isPathLike(spec)
      ? `file ${resolve(baseDir ?? process.cwd(), spec)} does not exist (relative paths are resolved against ${
          baseDir === undefined ? 'the working directory' : "the config file's folder"
        })`
      : `package "${packageOf(spec)}" is not installed (looked from ${[baseDir, process.cwd()]
          .filter(Boolean)
          .join(' and ')}); install it, e.g. \`pnpm add ${packageOf(spec)}\``;
    throw new StorageError('config', `Cannot load backend module "${spec}": ${where}.`);
  }
  const value = loaded.module[exportName];
  if (!isBackendClass(value)) {
    const classes = exportedClasses(loaded.module);
    const offer =
      classes.length > 0
        ? `it exports these backend classes: ${classes.join(', ')}`
        : 'it exports no backend class';
    throw new StorageError(
      'config',
      `Module "${spec}" has no backend class export "${exportName}"` +
        `${value === undefined ? '' : ` (that export is ${describeType(value)})`}: ${offer}. ` +
        'A backend class is a class whose instances have connect(), usually extending BaseStorageBackend.',
    );
  }
  return value;
}

function unknownClassError(classRef: string): StorageError {
  return new StorageError(
    'config',
    `Unknown storage class "${classRef}". Registered backends: ${registeredList()}. ` +
      'A dotted class path resolves by its last segment. For a third-party adapter write ' +
      '"package-or-path#ExportName", e.g. "./adapters/my-backend.mjs#MyStorageBackend" (a relative path is ' +
      'resolved against the config file\'s folder) or "recordstore-adapter-x#XStorageBackend".',
  );
}

async function loadEntry(entry: Entry, baseDir: string | undefined): Promise<BackendClass> {
  entry.loaded ??= entry.loader({ baseDir });
  try {
    return await entry.loaded;
  } catch (error) {
    // Forget the failure so that installing the package and retrying works in a long-lived process.
    entry.loaded = undefined;
    throw error;
  }
}

/**
 * Resolves a class reference to a backend class: an alias ('memory', 'sqlite', 'postgresql', 'postgres',
 * 'pg'), a class name ('SQLiteStorageBackend'), the existing layer's dotted path (by its last segment,
 * e.g. 'src.adapters.storage.backends.sqlite_backend.SQLiteStorageBackend'), or a module specifier
 * 'package-or-path#ExportName' loaded with dynamic import (relative paths resolved against `baseDir`,
 * normally the config file's folder, else the working directory).
 *
 * @returns the registered name (for a module specifier: the reference itself) and the class.
 * @throws StorageError(config) for an unknown class or a module that is missing or broken.
 */
export async function resolveBackend(
  classRef: string,
  options: { baseDir?: string } = {},
): Promise<{ name: string; Backend: BackendClass }> {
  if (typeof classRef !== 'string' || classRef.trim() === '') {
    throw new StorageError(
      'config',
      `class: expected a backend name or class reference, got ${describeValue(classRef)}. ` +
        `Registered backends: ${registeredList()}.`,
    );
  }
  const ref = classRef.trim();
  const hash = ref.lastIndexOf('#');
  if (hash > 0) {
    const spec = ref.slice(0, hash);
    const exportName = ref.slice(hash + 1);
    if (exportName === '') {
      throw new StorageError(
        'config',
        `class "${ref}": name the export after "#", e.g. "${spec}#MyBackend".`,
      );
    }
    return { name: ref, Backend: await loadModuleExport(spec, exportName, options.baseDir) };
  }
  const entry = findEntry(ref);
  if (entry) return { name: entry.name, Backend: await loadEntry(entry, options.baseDir) };
  if (isPathLike(ref)) {
    const Backend = await loadModuleExport(ref, 'default', options.baseDir);
    return { name: ref, Backend };
  }
  throw unknownClassError(ref);
}

/** What {@link validateBackendConfig} returns. */
export interface ValidatedBackendConfig {
  /** The registered backend name (for a module specifier: the reference itself). */
  name: string;
  Backend: BackendClass;
  /** The parsed config: coerced values and defaults filled in. */
  config: Record<string, unknown>;
  /** The existing layer's key names that were renamed to the design's (`enable_ttl` -> `ttl_enabled`). */
  mappedKeys: Array<{ from: string; to: string }>;
}

/** @internal Where a config key was written, for error messages (environment overlays move keys). */
export type LocateKey = (key: string) => string;

interface Prepared extends ValidatedBackendConfig {
  /** The alias-mapped input the constructor receives (it parses it itself). */
  input: Record<string, unknown>;
}

function mapKeyAliases(
  Backend: BackendClass,
  config: Record<string, unknown>,
  locateKey: LocateKey,
): { input: Record<string, unknown>; mappedKeys: Array<{ from: string; to: string }>; aliases: string[] } {
  const shape = shapeOf(Backend.configSchema);
  const all = { ...COMMON_KEY_ALIASES, ...(Backend.keyAliases ?? {}) };
  const usable = Object.entries(all).filter(
    // An alias applies only when the backend knows the target key and does not use the alias as a key itself.
    ([from, to]) => shape === undefined || (Object.hasOwn(shape, to) && !Object.hasOwn(shape, from)),
  );
  const input: Record<string, unknown> = { ...config };
  const mappedKeys: Array<{ from: string; to: string }> = [];
  for (const [from, to] of usable) {
    if (!Object.hasOwn(input, from)) continue;
    if (Object.hasOwn(input, to)) {
      throw new StorageError(
        'config',
        `${locateKey(from)}: "${from}" is the old name of "${to}", and both are set (${locateKey(to)}); keep only "${to}".`,
        { path: locateKey(from) },
      );
    }
    input[to] = input[from];
    delete input[from];
    mappedKeys.push({ from, to });
  }
  return { input, mappedKeys, aliases: usable.map(([from]) => from) };
}

/** @internal Resolves, maps aliases and validates; shared by validateBackendConfig, createStorage and the loader. */
export async function prepareBackend(
  classRef: string,
  config: unknown,
  options: { baseDir?: string; locateKey: LocateKey; file?: string | null },
): Promise<Prepared> {
  const { name, Backend } = await resolveBackend(classRef, options);
  const { locateKey, file } = options;
  if (!isPlainObject(config)) {
    const path = locateKey('').replace(/\.$/, '');
    throw configProblemsError(
      [{ path, message: `${path}: expected a mapping of keys to values, got ${describeValue(config)}` }],
      { file },
    );
  }
  const { input, mappedKeys, aliases } = mapKeyAliases(Backend, config, locateKey);
  const renamed = new Map(mappedKeys.map(({ from, to }) => [to, from]));
  const locate = (path: readonly PropertyKey[]): string => {
    const [first, ...rest] = path;
    if (first === undefined) return locateKey('').replace(/\.$/, '');
    const shown = renamed.get(String(first)) ?? String(first);
    return joinIssuePath(locateKey(shown), rest);
  };
  const schema = Backend.configSchema;
  if (!schema) return { name, Backend, config: input, mappedKeys, input };
  const result = schema.safeParse(input);
  if (!result.success) {
    throw configProblemsError(formatZodIssues(result.error.issues, { schema, input, locate, aliases }), {
      file,
      cause: result.error,
    });
  }
  const parsed = result.data as Record<string, unknown>;
  // Keys that exclude each other (default_ttl_seconds / default_ttl_days) are checked by the constructor
  // through coreSettingsFrom; check them here too so `config check` reports them without connecting.
  if ('ttl_enabled' in parsed && 'batch_size' in parsed && 'compression_threshold' in parsed) {
    try {
      coreSettingsFrom(parsed as Parameters<typeof coreSettingsFrom>[0]);
    } catch (error) {
      if (!isStorageError(error, 'config')) throw error;
      const key = (error.path ?? '').replace(/^config\./, '');
      const path = locate([key]);
      throw configProblemsError([{ path, message: `${path}: ${error.message.replace(/^config: /, '')}` }], {
        file,
      });
    }
  }
  return { name, Backend, config: parsed, mappedKeys, input };
}

function locateUnder(path: string): LocateKey {
  return (key) => (key === '' ? path : joinPath(path, key));
}

/**
 * Validates a backend config block against the backend's schema (after mapping the existing layer's key
 * aliases) and returns the parsed config plus which aliases were mapped. Nothing is connected.
 *
 * @param options.path the key path of the block in messages (default `config`)
 * @throws StorageError(config) naming the key path, the value seen (secrets masked) and what was expected.
 */
export async function validateBackendConfig(
  classRef: string,
  config: Record<string, unknown>,
  options: { baseDir?: string; path?: string } = {},
): Promise<ValidatedBackendConfig> {
  const { input: _input, ...validated } = await prepareBackend(classRef, config ?? {}, {
    ...(options.baseDir === undefined ? {} : { baseDir: options.baseDir }),
    locateKey: locateUnder(options.path ?? 'config'),
  });
  return validated;
}

function constructionError(name: string, error: unknown, locate: LocateKey): StorageError {
  if (isStorageError(error)) return error;
  const issues = (error as { issues?: unknown } | null)?.issues;
  if (error instanceof Error && error.name === 'ZodError' && Array.isArray(issues)) {
    // A backend without a static configSchema validated in its constructor: still report key paths.
    return configProblemsError(
      formatZodIssues(issues as z.core.$ZodIssue[], {
        schema: undefined,
        input: undefined,
        locate: (path) => joinIssuePath(locate(String(path[0] ?? '')), path.slice(1)),
      }),
      { cause: error },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new StorageError(
    'config',
    `${name}: could not create the backend: ${maskSecretsInString(message)}`,
    {
      cause: error,
      backend: name,
    },
  );
}

/** @internal createStorage with a key locator (the loader passes one that knows environment overlays). */
export async function createPreparedStorage(
  spec: { class: string; config?: Record<string, unknown> },
  options: BackendOptions & { baseDir?: string; locateKey: LocateKey; file?: string | null },
): Promise<StorageBackend> {
  const { baseDir, locateKey, file, ...backendOptions } = options;
  const prepared = await prepareBackend(spec.class, spec.config ?? {}, {
    ...(baseDir === undefined ? {} : { baseDir }),
    locateKey,
    file: file ?? null,
  });
  let backend: StorageBackend;
  try {
    backend = new prepared.Backend(prepared.input, backendOptions);
  } catch (error) {
    throw constructionError(prepared.name, error, locateKey);
  }
  try {
    await backend.connect();
  } catch (error) {
    await backend.close().catch(() => undefined);
    if (isStorageError(error)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new StorageError(
      'connection',
      `${prepared.name}: connect failed: ${maskSecretsInString(message)}`,
      {
        cause: error,
        backend: prepared.name,
      },
    );
  }
  return backend;
}

/**
 * Creates AND connects a backend: resolves `spec.class` (see {@link resolveBackend}), validates
 * `spec.config` (see {@link validateBackendConfig}), constructs the backend with the alias-mapped config
 * and connects it.
 *
 * @example
 * const store = await createStorage({ class: 'sqlite', config: { path: './data/app.db' } });
 * @throws StorageError(config) for a bad class or config; the backend's connection errors as they are.
 */
export async function createStorage(
  spec: { class: string; config?: Record<string, unknown> },
  options: BackendOptions & { baseDir?: string; path?: string } = {},
): Promise<StorageBackend> {
  const { path, ...rest } = options;
  return createPreparedStorage(spec, { ...rest, locateKey: locateUnder(path ?? 'config') });
}

function registerPackageBackend(name: string, packageName: string, exportName: string, aliases: string[]) {
  addEntry(name, aliases, packageName, async ({ baseDir }) => {
    const loaded = await importModule(packageName, baseDir);
    if (!loaded) {
      throw new StorageError(
        'config',
        `Backend "${name}" lives in the package ${packageName}, which is not installed ` +
          `(looked from ${[baseDir, process.cwd()].filter(Boolean).join(' and ')}). ` +
          `Install it with \`pnpm add ${packageName}\` (or npm install ${packageName}), or register the class ` +
          `yourself: registerBackend('${name}', () => import('${packageName}').then((m) => m.${exportName})). ` +
          `Registered backends: ${registeredList()}.`,
      );
    }
    const value = loaded.module[exportName];
    if (!isBackendClass(value)) {
      throw new StorageError(
        'config',
        `Package ${packageName} was loaded from ${loaded.url} but has no backend class export "${exportName}"; ` +
          'is it an older version? Reinstall it so it matches @recordstore/core.',
      );
    }
    return value;
  });
}

function registerBuiltins(): void {
  registerBackend('memory', MemoryStorageBackend, {
    aliases: ['MemoryStorageBackend', 'InMemoryStorageBackend'],
    packageName: '@recordstore/core',
  });
  registerPackageBackend('sqlite', '@recordstore/sqlite', 'SQLiteStorageBackend', ['SQLiteStorageBackend']);
  registerPackageBackend('postgresql', '@recordstore/postgres', 'PostgreSQLStorageBackend', [
    'postgres',
    'pg',
    'PostgreSQLStorageBackend',
  ]);
}

registerBuiltins();
