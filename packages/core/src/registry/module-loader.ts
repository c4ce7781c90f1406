import { existsSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { moduleResolve } from 'import-meta-resolve';
import { maskSecretsInString } from '../config/secrets.js';
import { StorageError } from '../errors.js';

export function isPathLike(spec: string): boolean {
  return spec.startsWith('.') || spec.startsWith('file:') || isAbsolute(spec);
}

/** Node's conditions for `import`: what an application's own `import('pkg')` would match in `exports`. */
const IMPORT_CONDITIONS = new Set(['node', 'import']);

/** A resolution or import failure that means "this package is not installed" (not "it broke"). */
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

/** "looked from <dir>, <dir> and <dir>" for messages: every folder a package is resolved from, each once. */
export function lookedFrom(baseDir: string | undefined): string {
  // The folder the reader thinks of first (the config file's, else the working directory) leads.
  const folders = [baseDir ?? process.cwd(), ...searchFolders(baseDir), CORE_DIR];
  const list = folders.filter(unique);
  const last = list.pop();
  return `looked from ${list.length === 0 ? last : `${list.join(', ')} and ${last}`}`;
}

function unique<T>(value: T, index: number, all: readonly T[]): boolean {
  return all.indexOf(value) === index;
}

/** This module's file, and the folder of the copy of core it belongs to (its package root). */
const HERE = safeFileOf(import.meta.url);
const CORE_DIR = packageRootOf(HERE ?? process.cwd());

function safeFileOf(url: string): string | undefined {
  try {
    return url.startsWith('file:') ? fileURLToPath(url) : undefined;
  } catch {
    return undefined;
  }
}

/** The nearest folder at or above `file` holding a package.json (a package's root), else the file's folder. */
function packageRootOf(file: string): string {
  let dir = dirname(file);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return dirname(file);
    dir = parent;
  }
}

function realFolder(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}

/**
 * The folders of the application's entry script (`process.argv[1]`): as started (a bin shim in
 * `node_modules/.bin` sees the whole installation) and with symlinks resolved (the real file, which is where
 * Node itself resolves the entry's own imports from: `npx recordstore` runs the CLI's `dist/bin.js`).
 */
function entryFolders(): string[] {
  const entry = process.argv[1];
  if (entry === undefined || entry === '') return [];
  const file = resolve(entry);
  const folders = [dirname(file)];
  try {
    folders.push(dirname(realpathSync(file)));
  } catch {
    // The entry is not a file (node -e, a REPL): its folder is all there is.
  }
  return folders;
}

/**
 * The folder of the module that called into core, read from the stack: the first file outside this copy of
 * core (the application module or library that called `createStorage`) is where an `import` written in that
 * module would resolve from. Async frames count: `await createStorage(...)` leaves `at async main`.
 */
function callerFolders(): string[] {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 50;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  const coreRoot = realFolder(CORE_DIR) + sep;
  // "    at main (file:///srv/app/server.mjs:3:15)", "    at async file:///srv/app/server.mjs:3:1",
  // "    at Object.<anonymous> (/srv/app/server.cjs:3:15)"; node:internal frames do not match.
  for (const match of stack.matchAll(/(?:\(|at )((?:file:\/\/)?\/[^()]+?):\d+:\d+\)?$/gm)) {
    const location = match[1]!;
    const file = location.startsWith('file:') ? safeFileOf(location) : location;
    if (file === undefined) continue;
    const real = realFolder(dirname(file));
    if ((real + sep).startsWith(coreRoot) || (dirname(file) + sep).startsWith(CORE_DIR + sep)) continue;
    // The immediate caller only: a library installed in the application's node_modules resolves upwards
    // through the application's folders anyway.
    return [dirname(file)];
  }
  return [];
}

/**
 * Where a bare specifier is looked for, in order: `baseDir` (the config file's folder), the calling
 * module's folder, the entry script's folders, the working directory. Core's own location comes last (see
 * {@link importModule}). Resolving from the application's installation rather than only the working
 * directory is what lets `node /srv/app/server.js`, started from `/`, find `@recordstore/sqlite`.
 */
export function searchFolders(baseDir: string | undefined): string[] {
  return [
    ...(baseDir === undefined ? [] : [baseDir]),
    ...callerFolders(),
    ...entryFolders(),
    process.cwd(),
  ].filter(unique);
}

export function packageOf(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? spec);
}

/** The module a bare specifier is resolved from: a file name in the application's folder (never read). */
const RESOLVE_FROM = '__recordstore_resolve__.mjs';

function cannotLoad(spec: string, error: unknown, url?: string): StorageError {
  // "imported from /app/__recordstore_resolve__.mjs" would name a file that does not exist: name the folder.
  const message = (error instanceof Error ? error.message : String(error)).replaceAll(`/${RESOLVE_FROM}`, '');
  const where = url?.startsWith('file:') ? ` (${fileURLToPath(url)})` : '';
  return new StorageError(
    'config',
    `Module "${spec}" was found${where} but cannot be loaded: ${maskSecretsInString(message)}`,
    { cause: error },
  );
}

/**
 * Resolves a bare specifier from `dir` exactly as Node's ESM loader does for a module in that folder:
 * `node_modules` lookup upwards, then the package's `exports` with the `node` and `import` conditions (so a
 * package whose `exports` has only `import` and `types` resolves, which `require.resolve` cannot do).
 *
 * @returns the module's URL, or null when the package is not installed under `dir`.
 * @throws StorageError(config) when the package is there but cannot be loaded (no matching export, a
 *   missing entry file, a broken package.json).
 */
export function resolveFrom(spec: string, dir: string): string | null {
  const parent = pathToFileURL(join(dir, RESOLVE_FROM));
  try {
    return moduleResolve(spec, parent, IMPORT_CONDITIONS, false).href;
  } catch (error) {
    if (isPackageNotFound(error, spec)) return null;
    throw cannotLoad(spec, error);
  }
}

/**
 * Imports a module by specifier the way an application would: relative paths against `baseDir` (the config
 * file's folder) or the working directory; packages as Node resolves an `import` from each of
 * {@link searchFolders} (`baseDir`, the caller's folder, the entry script's folders, the working directory),
 * then from core's own location. Core declares no dependency on any backend package, so resolving from the
 * application's folders is what finds `@recordstore/postgres` when the application installed it, wherever
 * the process was started from.
 *
 * @returns the module namespace, or null when the package is not installed / the file does not exist.
 * @throws StorageError(config) "found but cannot be loaded: <why>" when the module exists but fails to load.
 */
export async function importModule(
  spec: string,
  baseDir: string | undefined,
): Promise<{ module: Record<string, unknown>; url: string } | null> {
  let url: string | undefined;
  if (spec.startsWith('file:') || isPathLike(spec)) {
    const file = spec.startsWith('file:') ? fileURLToPath(spec) : resolve(baseDir ?? process.cwd(), spec);
    if (!existsSync(file)) return null;
    url = pathToFileURL(file).href;
  } else {
    const bases = [...searchFolders(baseDir), CORE_DIR].filter(unique);
    for (const dir of bases) {
      const found = resolveFrom(spec, dir);
      if (found !== null) {
        url = found;
        break;
      }
    }
    // Node's CommonJS lookup also honours NODE_PATH (package managers' bin shims and some deployments set it
    // to the installation's node_modules); the ESM resolver does not, so ask it last.
    for (const dir of url === undefined ? bases : []) {
      try {
        url = pathToFileURL(createRequire(join(dir, RESOLVE_FROM)).resolve(spec)).href;
        break;
      } catch {
        // Not installed there either (or exports only an `import` entry, which the ESM resolver handled).
      }
    }
  }
  const target = url ?? spec;
  try {
    return { module: (await import(target)) as Record<string, unknown>, url: target };
  } catch (error) {
    if (url === undefined && isPackageNotFound(error, spec)) return null;
    throw cannotLoad(spec, error, url);
  }
}
