#!/usr/bin/env node
// Exits 0 when every workspace package's dist/ is newer than everything it is built from (sources,
// package.json, tsup and tsconfig files), 1 otherwise (printing the first stale package). bootstrap.sh
// uses it to skip a rebuild that would produce the same files: a clean clone has no dist/ and builds.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Newest (or oldest) modification time of the files under `path`. */
function mtimes(path, pick) {
  let result = pick === 'max' ? 0 : Number.POSITIVE_INFINITY;
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return pick === 'max' ? 0 : Number.NEGATIVE_INFINITY; // a missing dist/ is always stale
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules') continue;
    const t = mtimes(join(path, entry), pick);
    result = pick === 'max' ? Math.max(result, t) : Math.min(result, t);
  }
  return result;
}

const shared = Math.max(
  mtimes(join(root, 'tsconfig.base.json'), 'max'),
  mtimes(join(root, 'pnpm-lock.yaml'), 'max'),
);
for (const name of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', name);
  const inputs = ['src', 'sql', 'package.json', 'tsup.config.ts', 'tsconfig.json', 'tsconfig.build.json'];
  const newestInput = Math.max(shared, ...inputs.map((p) => mtimes(join(dir, p), 'max')));
  const oldestOutput = mtimes(join(dir, 'dist'), 'min');
  // A build that failed half way leaves new files but not these two (tsup writes the types last).
  const complete = ['index.js', 'index.d.ts'].every((file) => mtimes(join(dir, 'dist', file), 'max') > 0);
  if (!complete || !(oldestOutput > newestInput)) {
    console.log(`dist-fresh: packages/${name} needs a build`);
    process.exit(1);
  }
}
console.log('dist-fresh: every package is built from its current sources');
