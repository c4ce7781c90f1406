import { resolve } from 'node:path';
import type { StorageBackend } from '../backend.js';
import { describeType, describeValue } from '../describe-value.js';
import {
  type AnyBackendDefinition,
  type BackendDefinition,
  isBackendDefinition,
} from '../driver/definition.js';
import { StorageError } from '../errors.js';
import { MemoryStorageBackend } from '../memory/memory-backend.js';
import type { BackendOptions } from '../runtime/storage-runtime.js';
import { importModule, isPathLike, lookedFrom, packageOf } from './module-loader.js';

/**
 * A store class built on a definition (`SQLiteStorageBackend`): what `new` gives applications that
 * construct a store directly. The registry uses its `definition` and constructs it, so both ways of making a
 * store give the same object.
 */
export interface BackendClass {
  new (config: never, options?: BackendOptions): StorageBackend;
  readonly definition: AnyBackendDefinition;
}

/** What a registered loader, or a `"pkg#Export"` reference, may give: a definition or a store class. */
export type BackendExport = AnyBackendDefinition | BackendClass;

/** A resolved backend: its registered name, definition and (when it has one) store class. */
export interface ResolvedBackend {
  name: string;
  definition: BackendDefinition<unknown>;
  Backend: BackendClass | undefined;
}

/** Options of {@link registerBackend}. */
export interface RegisterBackendOptions {
  /** Other names the backend answers to (class names, short forms); default: the definition's aliases. */
  aliases?: string[];
  /** Module specifier used in error hints, e.g. '@recordstore/sqlite'. */
  packageName?: string;
}

type Loader = (context: { baseDir: string | undefined }) => Promise<unknown>;

interface Entry {
  name: string;
  aliases: string[];
  packageName: string | undefined;
  loader: Loader;
  loaded: Promise<ResolvedBackend> | undefined;
}

/**
 * The registry lives on `globalThis` under a `Symbol.for` key, not in this module: an adapter installed
 * with its own copy of `@recordstore/core` registers into the same map the application's copy reads, so a
 * backend registered through either copy is found by both. Insertion order is the order names are listed
 * in messages: built-ins first.
 */
const REGISTRY = Symbol.for('recordstore.registry');
const shared = globalThis as { [REGISTRY]?: Map<string, Entry> };
shared[REGISTRY] ??= new Map<string, Entry>();
const entries: Map<string, Entry> = shared[REGISTRY];

function isBackendClass(value: unknown): value is BackendClass {
  return typeof value === 'function' && isBackendDefinition((value as { definition?: unknown }).definition);
}

/** True for what a registry entry may hold: a backend definition, or a store class with a static one. */
export function isBackendExport(value: unknown): value is BackendExport {
  return isBackendClass(value) || isBackendDefinition(value);
}

/** The definition and class of a loaded export, or null when it is neither. */
function asResolved(name: string, value: unknown): ResolvedBackend | null {
  if (isBackendClass(value))
    return { name, definition: value.definition as BackendDefinition<unknown>, Backend: value };
  if (isBackendDefinition(value)) return { name, definition: value, Backend: undefined };
  return null;
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

function isModuleLike(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

/**
 * Registers a backend under a name: its definition (or store class), or a loader called lazily the first
 * time the name is used, so an application that never uses a backend never imports its driver.
 * Registering a name again replaces its loader (keeping its aliases unless `options.aliases` is given); an
 * alias claimed by a new registration moves to it.
 *
 * @example
 * registerBackend('sqlite', () => import('@recordstore/sqlite').then((m) => m.sqliteBackend), {
 *   aliases: ['SQLiteStorageBackend'],
 * });
 */
export function registerBackend(
  name: string,
  load: BackendExport | (() => unknown),
  options: RegisterBackendOptions = {},
): void {
  const eager = asResolved(name, load);
  const loader: Loader = async () => {
    let value: unknown = eager ? load : await (load as () => unknown)();
    // Be lenient with `() => import('pkg')`: a module whose default export is the backend.
    if (asResolved(name, value) === null && isModuleLike(value) && asResolved(name, value.default)) {
      value = value.default;
    }
    const resolved = asResolved(name, value);
    if (resolved === null) {
      throw new StorageError(
        'config',
        `Backend "${name}": its loader returned ${describeType(value)}, not a backend definition ` +
          '(made with defineBackend) or a store class with a static `definition`. Return one of those from the registerBackend loader.',
      );
    }
    return value;
  };
  // Re-registering a name (an application overriding how a built-in is loaded) keeps its aliases unless
  // new ones are given, so `SQLiteStorageBackend` and dotted paths still resolve after the override.
  const previous = entries.get(name);
  const definitionAliases = eager ? [...(eager.definition.aliases ?? [])] : undefined;
  addEntry(
    name,
    options.aliases ?? definitionAliases ?? previous?.aliases ?? [],
    options.packageName ?? eager?.definition.packageName ?? previous?.packageName,
    loader,
  );
}

/** The names of the registered backends (not their aliases), built-ins first. */
export function registeredBackendNames(): string[] {
  return [...entries.keys()];
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

function exportedBackends(module: Record<string, unknown>): string[] {
  return Object.keys(module).filter((key) => asResolved(key, module[key]) !== null);
}

async function loadModuleExport(spec: string, exportName: string, baseDir: string | undefined, name: string) {
  const loaded = await importModule(spec, baseDir);
  if (!loaded) {
    const where = isPathLike(spec)
      ? `file ${resolve(baseDir ?? process.cwd(), spec)} does not exist (relative paths are resolved against ${
          baseDir === undefined ? 'the working directory' : "the config file's folder"
        })`
      : `package "${packageOf(spec)}" is not installed (${lookedFrom(baseDir)}); install it, e.g. \`pnpm add ${packageOf(spec)}\``;
    throw new StorageError('config', `Cannot load backend module "${spec}": ${where}.`);
  }
  const value = loaded.module[exportName];
  const resolved = asResolved(name, value);
  if (resolved === null) {
    const found = exportedBackends(loaded.module);
    const offer =
      found.length > 0 ? `it exports these backends: ${found.join(', ')}` : 'it exports no backend';
    throw new StorageError(
      'config',
      `Module "${spec}" has no backend export "${exportName}"` +
        `${value === undefined ? '' : ` (that export is ${describeType(value)})`}: ${offer}. ` +
        'A backend export is a definition made with defineBackend, or a store class with a static `definition`.',
    );
  }
  return resolved;
}

function unknownClassError(classRef: string): StorageError {
  return new StorageError(
    'config',
    `Unknown storage class "${classRef}". Registered backends: ${registeredList()}. ` +
      'A dotted class path resolves by its last segment. For a third-party adapter write ' +
      '"package-or-path#ExportName", e.g. "./adapters/my-backend.mjs#myBackend" (a relative path is ' +
      'resolved against the config file\'s folder) or "recordstore-adapter-x#xBackend".',
  );
}

async function loadEntry(entry: Entry, baseDir: string | undefined): Promise<ResolvedBackend> {
  entry.loaded ??= entry.loader({ baseDir }).then((value) => asResolved(entry.name, value)!);
  try {
    return await entry.loaded;
  } catch (error) {
    // Forget the failure so that installing the package and retrying works in a long-lived process.
    entry.loaded = undefined;
    throw error;
  }
}

/**
 * Resolves a class reference to a backend: an alias ('memory', 'sqlite', 'postgresql', 'postgres', 'pg'), a
 * class name ('SQLiteStorageBackend'), the existing layer's dotted path (by its last segment), or a module
 * specifier 'package-or-path#ExportName' loaded with dynamic import (relative paths resolved against
 * `baseDir`, normally the config file's folder, else the working directory).
 *
 * @returns the registered name (for a module specifier: the reference itself), definition and class.
 * @throws StorageError(config) for an unknown class or a module that is missing or broken.
 */
export async function resolveBackend(
  classRef: string,
  options: { baseDir?: string } = {},
): Promise<ResolvedBackend> {
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
        `class "${ref}": name the export after "#", e.g. "${spec}#myBackend".`,
      );
    }
    return loadModuleExport(spec, exportName, options.baseDir, ref);
  }
  const entry = findEntry(ref);
  if (entry) return loadEntry(entry, options.baseDir);
  if (isPathLike(ref)) return loadModuleExport(ref, 'default', options.baseDir, ref);
  throw unknownClassError(ref);
}

/**
 * Registers a backend that lives in a package, loaded from the application's folders on first use. The
 * export may be a definition or a store class.
 */
export function registerPackageBackend(
  name: string,
  packageName: string,
  exportName: string,
  aliases: string[],
) {
  addEntry(name, aliases, packageName, async ({ baseDir }) => {
    const loaded = await importModule(packageName, baseDir);
    if (!loaded) {
      throw new StorageError(
        'config',
        `Backend "${name}" lives in the package ${packageName}, which is not installed ` +
          `(${lookedFrom(baseDir)}). ` +
          `Install it with \`pnpm add ${packageName}\` (or npm install ${packageName}), or register it ` +
          `yourself: registerBackend('${name}', () => import('${packageName}').then((m) => m.${exportName})). ` +
          `Registered backends: ${registeredList()}.`,
      );
    }
    const value = loaded.module[exportName];
    if (asResolved(name, value) === null) {
      throw new StorageError(
        'config',
        `Package ${packageName} was loaded from ${loaded.url} but has no backend export "${exportName}"; ` +
          'is it an older version? Reinstall it so it matches @recordstore/core.',
      );
    }
    return value;
  });
}

/**
 * Registers the built-ins unless a name is already taken: a second copy of core loading later must not
 * undo what the application registered (an override of how `sqlite` is loaded, say) through the first.
 */
function registerBuiltins(): void {
  if (!entries.has('memory')) {
    registerBackend('memory', MemoryStorageBackend, {
      aliases: ['MemoryStorageBackend', 'InMemoryStorageBackend'],
      packageName: '@recordstore/core',
    });
  }
  if (!entries.has('sqlite')) {
    registerPackageBackend('sqlite', '@recordstore/sqlite', 'SQLiteStorageBackend', ['SQLiteStorageBackend']);
  }
  if (!entries.has('postgresql')) {
    registerPackageBackend('postgresql', '@recordstore/postgres', 'PostgreSQLStorageBackend', [
      'postgres',
      'pg',
      'PostgreSQLStorageBackend',
    ]);
  }
}

registerBuiltins();
