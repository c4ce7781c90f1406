import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { maskSecretsInString } from '../config/secrets.js';
import { StorageError } from '../errors.js';

export function isPathLike(spec: string): boolean {
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

export function packageOf(spec: string): string {
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
