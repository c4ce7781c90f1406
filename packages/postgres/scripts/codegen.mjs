#!/usr/bin/env node
/**
 * Regenerates packages/postgres/src/generated/*.queries.ts from sql/*.sql with pgtyped against a throwaway, migrated database.
 *
 *   pnpm codegen          regenerate
 *   pnpm codegen:check    regenerate, then fail if anything under sql/ or src/generated/ changed or appeared (CI)
 *
 * The server comes from @recordstore/testkit's provisionPostgres() (RECORDSTORE_TEST_POSTGRES_URL,
 * Testcontainers or a local cluster) when the testkit is built, else from RECORDSTORE_TEST_POSTGRES_URL.
 * pgtyped exits 0 even when a query fails to type, so its output is scanned for "Error".
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import pg from 'pg';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = resolve(here, '..');
const repoRoot = resolve(packageDir, '../..');
const check = process.argv.includes('--check');
const GENERATED = 'packages/postgres/src/generated';

function fail(message) {
  console.error(`codegen: ${message}`);
  process.exit(1);
}

async function provision() {
  try {
    const testkit = await import('@recordstore/testkit/postgres');
    if (typeof testkit.provisionPostgres === 'function') {
      const server = await testkit.provisionPostgres({ log: (line) => console.error(`codegen: ${line}`) });
      const url = await server.createDatabase({ name: `rs_codegen_${randomBytes(4).toString('hex')}` });
      return {
        url,
        stop: async () => {
          await server.dropDatabase(url).catch(() => {});
          await server.stop();
        },
      };
    }
  } catch (error) {
    if (!process.env.RECORDSTORE_TEST_POSTGRES_URL) {
      fail(`could not provision PostgreSQL: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const base = process.env.RECORDSTORE_TEST_POSTGRES_URL;
  if (!base) {
    fail(
      'build @recordstore/testkit (pnpm --filter @recordstore/testkit build) or set RECORDSTORE_TEST_POSTGRES_URL to a server whose role may CREATE DATABASE.',
    );
  }
  const name = `rs_codegen_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    stop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

const server = await provision();
let failed = null;
try {
  await runner({
    databaseUrl: server.url,
    dir: join(repoRoot, 'migrations'),
    direction: 'up',
    migrationsTable: 'recordstore_migrations',
    advisoryLockMode: 'wait',
    log: () => {},
  });
  // PG* variables would override the URL (and yargs maps any env variable named like a flag).
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^PG/.test(key) || ['DATABASE_URL', 'URI', 'CONFIG', 'FILE', 'WATCH'].includes(key)) delete env[key];
  }
  const result = spawnSync(
    join(packageDir, 'node_modules/.bin/pgtyped'),
    ['-c', join(repoRoot, 'pgtyped.config.json'), '--uri', server.url],
    { cwd: repoRoot, env, encoding: 'utf8' },
  );
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  process.stdout.write(output);
  if (result.status !== 0 || /\bError\b/.test(output)) failed = 'pgtyped reported an error (see above).';
} finally {
  await server.stop();
}
if (failed) fail(failed);

if (check) {
  const status = spawnSync('git', ['status', '--porcelain', '--', 'sql', GENERATED], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (status.status !== 0) fail(`git status failed: ${status.stderr}`);
  if (status.stdout.trim() !== '') {
    const diff = spawnSync('git', ['diff', '--', 'sql', GENERATED], { cwd: repoRoot, encoding: 'utf8' });
    fail(
      `generated files differ from the committed ones; run \`pnpm codegen\` and commit:\n${status.stdout}${diff.stdout}`,
    );
  }
  console.log('codegen: generated queries are up to date.');
} else {
  console.log(`codegen: generated queries regenerated into ${GENERATED}.`);
}
