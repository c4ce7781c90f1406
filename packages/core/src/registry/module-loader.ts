import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
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

/** "looked from <dir> and <cwd>" for messages, each folder once. */
export function lookedFrom(baseDir: string | undefined): string {
  return `looked from ${[...new Set([baseDir ?? process.cwd(), process.cwd()])].join(' and ')}`;
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
 * file's folder) or the working directory; packages as Node resolves an `import` from `baseDir`, then from
 * the working directory, then from core's own location. Core declares no dependency on any backend
 * package, so resolving from the application's folders is what finds `@recordstore/postgres` when the
 * application installed it.
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
    const bases = [...new Set([baseDir, process.cwd()].filter((d): d is string => d !== undefined))];
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
