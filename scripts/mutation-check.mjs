#!/usr/bin/env node
// Mutation check of the conformance suite: plants each known bug of scripts/mutation/mutants.mjs into a
// copy of the memory driver, one at a time, runs the whole conformance suite on every mutant (and on the
// unmutated copy, which must pass) in one vitest run, and prints which tests caught each bug. Exits
// non-zero when a mutant survives, a pattern no longer applies, or the unmutated copy fails.
//
//   pnpm mutation-check            # the table
//   pnpm mutation-check --verbose  # and the name of every test that caught each mutant
//
// Needs no build: core and the testkit are imported from their sources.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MUTANTS } from './mutation/mutants.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CORE_SRC = join(ROOT, 'packages/core/src');
const DRIVER = join(CORE_SRC, 'memory/memory-driver.ts');
const VITEST = join(ROOT, 'node_modules/vitest/vitest.mjs');
const CONTROL = 'unmutated';
const verbose = process.argv.includes('--verbose');
// The differential and fuzz groups compare with the reference on random input: fewer runs keep the check
// fast, and every planted bug is also caught by a hand-written test.
const PROPERTY_RUNS = process.env.RECORDSTORE_PROPERTY_RUNS ?? '25';
const TIMEOUT_MS = 5 * 60_000;

/** Applies a mutant to the driver source; throws when a pattern does not match exactly once. */
function plant(source, mutant) {
  let out = source;
  for (const [from, to] of mutant.replace ?? []) {
    const at = out.indexOf(from);
    if (at === -1 || out.indexOf(from, at + 1) !== -1) {
      throw new Error(
        `mutant ${mutant.name}: its pattern matches ${at === -1 ? 'nothing' : 'more than once'} in ` +
          `${DRIVER}; update scripts/mutation/mutants.mjs to the driver's current code:\n  ${from}`,
      );
    }
    out = out.slice(0, at) + to + out.slice(at + from.length);
  }
  return out + (mutant.append ?? '');
}

/** The driver's relative imports of core modules, made absolute so the copy can live anywhere. */
function absolutise(source) {
  return source
    .replace(/from '\.\.\/([^']+)'/g, (_m, path) => `from '${join(CORE_SRC, path)}'`)
    .replace(/from '\.\/([^']+)'/g, (_m, path) => `from '${join(CORE_SRC, 'memory', path)}'`);
}

function testFile(name) {
  return `import { defineBackend, memoryBackend, StorageRuntime } from '@recordstore/core';
import { runConformanceSuite } from '@recordstore/testkit';
import { MemoryDriver } from './${name}.driver.ts';

const definition = defineBackend({
  ...memoryBackend,
  createDriver: (_config, context) => new MemoryDriver(context.settings),
});
runConformanceSuite({
  name: ${JSON.stringify(name)},
  createBackend: ({ config, clock }) => new StorageRuntime(definition, config, { clock }),
});
`;
}

function writeWorkspace(dir) {
  const source = readFileSync(DRIVER, 'utf8');
  const runs = [{ name: CONTROL, bug: 'none: the driver as it is', source }];
  for (const mutant of MUTANTS) runs.push({ ...mutant, source: plant(source, mutant) });
  for (const run of runs) {
    writeFileSync(join(dir, `${run.name}.driver.ts`), absolutise(run.source));
    writeFileSync(join(dir, `${run.name}.test.ts`), testFile(run.name));
  }
  const config = {
    resolve: {
      alias: {
        '@recordstore/core': join(CORE_SRC, 'index.ts'),
        '@recordstore/testkit': join(ROOT, 'packages/testkit/src/index.ts'),
      },
    },
    test: {
      include: ['*.test.ts'],
      testTimeout: 15_000,
      hookTimeout: 30_000,
      maxWorkers: Math.max(2, availableParallelism()),
    },
  };
  writeFileSync(join(dir, 'vitest.config.mjs'), `export default ${JSON.stringify(config, null, 2)};\n`);
  return runs;
}

function runVitest(dir, report) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [
        VITEST,
        'run',
        '--root',
        dir,
        '--config',
        join(dir, 'vitest.config.mjs'),
        '--reporter=json',
        `--outputFile=${report}`,
      ],
      {
        cwd: dir,
        env: { ...process.env, RECORDSTORE_PROPERTY_RUNS: PROPERTY_RUNS },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal) reject(new Error(`vitest was stopped (${signal}) after ${TIMEOUT_MS / 1000} s`));
      else resolvePromise({ code, stderr });
    });
  });
}

async function main() {
  if (!existsSync(VITEST)) throw new Error(`vitest is not installed at ${VITEST}: run pnpm install first`);
  const dir = mkdtempSync(join(tmpdir(), 'recordstore-mutants-'));
  const started = Date.now();
  try {
    const runs = writeWorkspace(dir);
    const report = join(dir, 'report.json');
    const { stderr } = await runVitest(dir, report);
    if (!existsSync(report)) throw new Error(`vitest wrote no report:\n${stderr.slice(-4000)}`);
    const results = JSON.parse(readFileSync(report, 'utf8')).testResults;
    const byName = new Map();
    for (const file of results) {
      const name = file.name
        .split('/')
        .pop()
        .replace(/\.test\.ts$/, '');
      const failed = file.assertionResults.filter((t) => t.status === 'failed').map((t) => t.title);
      byName.set(name, { failed, total: file.assertionResults.length, message: file.message });
    }
    const width = Math.max(...runs.map((r) => r.name.length)) + 2;
    const problems = [];
    console.log(
      `mutation check: ${MUTANTS.length} known bugs planted one at a time into a copy of ` +
        'packages/core/src/memory/memory-driver.ts; the conformance suite run on each\n',
    );
    console.log(`  ${'mutant'.padEnd(width)}caught by`);
    for (const run of runs) {
      const result = byName.get(run.name);
      const failed = result?.failed ?? [];
      let verdict;
      if (result === undefined || result.total === 0) {
        verdict = `NOT RUN ${result?.message ?? ''}`.trim();
        problems.push(`${run.name}: its suite did not run`);
      } else if (run.name === CONTROL) {
        verdict =
          failed.length === 0
            ? `0 of ${result.total} tests fail (as it must)`
            : `${failed.length} tests FAIL`;
        if (failed.length > 0) problems.push(`the unmutated driver fails: ${failed.slice(0, 3).join('; ')}`);
      } else if (failed.length === 0) {
        verdict = 'NOTHING: survived';
        problems.push(`${run.name} survived: ${run.bug}`);
      } else {
        verdict = `${failed.length} test${failed.length === 1 ? '' : 's'}  (e.g. "${failed[0]}")`;
      }
      console.log(`  ${run.name.padEnd(width)}${verdict}`);
      if (verbose && run.name !== CONTROL)
        for (const title of failed) console.log(`  ${''.padEnd(width)}  - ${title}`);
    }
    const seconds = Math.round((Date.now() - started) / 1000);
    if (problems.length > 0) {
      console.error(`\nmutation check FAILED (${seconds} s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
      process.exitCode = 1;
    } else {
      console.log(`\n${MUTANTS.length}/${MUTANTS.length} mutants caught (${seconds} s)`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`mutation check: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
