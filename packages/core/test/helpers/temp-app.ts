import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** packages/core */
export const CORE_DIR = resolve(here, '../..');
export const CORE_DIST = join(CORE_DIR, 'dist', 'index.js');
export const FIXTURES = join(CORE_DIR, 'test', 'fixtures');

/** A temporary folder, removed by `cleanup()`. */
export function tempDir(prefix = 'recordstore-core-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes `files` (relative path -> content) under `dir`. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

/**
 * A throwaway application outside the monorepo's packages, laid out as a real one: `node_modules` holds
 * `@recordstore/core` (linked to this package, so it imports the built dist) and the third-party adapter
 * installed as the package `recordstore-adapter-notebook`; `adapters/notebook/` holds a copy of the same
 * adapter as a local file.
 */
export function createTempApp(): { dir: string; cleanup: () => void } {
  const app = tempDir('recordstore-app-');
  const modules = join(app.dir, 'node_modules');
  mkdirSync(join(modules, '@recordstore'), { recursive: true });
  symlinkSync(CORE_DIR, join(modules, '@recordstore', 'core'), 'dir');
  cpSync(join(FIXTURES, 'third-party-adapter'), join(modules, 'recordstore-adapter-notebook'), {
    recursive: true,
  });
  cpSync(join(FIXTURES, 'third-party-adapter'), join(app.dir, 'adapters', 'notebook'), { recursive: true });
  return app;
}
