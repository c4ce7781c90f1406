import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The `version` of the package a module belongs to, read at run time from the nearest package.json named
 * `name` above the module's file (`import.meta.url`). Read rather than written into the code so that a
 * release (changesets bumps package.json) cannot leave a stale version behind; found by walking up because
 * the module is `src/...` under test and the bundled `dist/index.js` once published.
 *
 * @returns the version, or '0.0.0-unknown' when no such package.json is found (a bundled application that
 *   did not ship it): a version string is informational and must never stop a backup or `--version`.
 */
export function packageVersion(moduleUrl: string, name: string): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
        if (pkg.name === name && typeof pkg.version === 'string') return pkg.version;
      } catch {
        // An unreadable package.json on the way up is not ours: keep looking.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return '0.0.0-unknown';
    dir = parent;
  }
}
