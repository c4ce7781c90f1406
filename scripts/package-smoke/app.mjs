// The smoke application of scripts/package-check.sh: installed from the packed tarballs with npm into a
// folder outside the repository, and started from ANOTHER working directory (`cd / && node <app>/app.mjs`),
// so every package it names must be found from the application's installation, not from the working
// directory. Prints one "ok ..." line per check; exits non-zero on the first failure.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  createBackup,
  createStorage,
  createStorageFromConfig,
  loadConfig,
  MemoryStorageBackend,
  RECORDSTORE_VERSION,
} from '@recordstore/core';
import { createKeyv } from '@recordstore/keyv';
import { RecordStoreSaver, RecordStoreStore } from '@recordstore/langgraph';
import { provisionPostgres } from '@recordstore/testkit/postgres';

const app = dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);
const require = createRequire(import.meta.url);
const versionOf = (pkg) => require(`${pkg}/package.json`).version;
const work = mkdtempSync(join(tmpdir(), 'recordstore-smoke-'));

function check(condition, what, detail) {
  if (!condition) {
    console.error(`FAILED: ${what}${detail === undefined ? '' : `\n${JSON.stringify(detail, null, 2)}`}`);
    process.exit(1);
  }
  console.log(`  ok  ${what}`);
}

check(process.cwd() !== app, `started from another working directory (${process.cwd()})`);
check(
  RECORDSTORE_VERSION === versionOf('@recordstore/core'),
  `core's RECORDSTORE_VERSION is its package.json version (${RECORDSTORE_VERSION})`,
);

// --- createStorage by name: '@recordstore/sqlite' is found from the application's installation ---------
const sqlite = await createStorage({ class: 'sqlite', config: { path: join(work, 'smoke.db') } });
await sqlite.saveMany([
  { id: 's1', type: 'message', session_id: 'a', metadata: { tokens: 5 } },
  { id: 's2', type: 'message', session_id: 'a', metadata: { tokens: 500 } },
]);
const big = await sqlite.list({ 'metadata.tokens': { $gt: 100 } });
check(
  sqlite.name === 'sqlite' && big.length === 1 && big[0].id === 's2',
  "createStorage({ class: 'sqlite' }) by name: save, filter",
  big,
);
const backup = await createBackup(sqlite, join(work, 'backups'));
const header = JSON.parse(
  (await import('node:zlib')).gunzipSync(readFileSync(backup.file)).toString('utf8').split('\n')[0],
);
check(
  header.recordstore_version === versionOf('@recordstore/core'),
  `a backup header carries core's version (${header.recordstore_version})`,
);
await sqlite.close();

// --- createStorageFromConfig from YAML, a PostgreSQL store on a throwaway local cluster ----------------
const server = await provisionPostgres({ provider: 'local' });
try {
  const url = await server.createDatabase();
  const yaml = join(work, 'config', 'recordstore.yaml');
  (await import('node:fs')).mkdirSync(dirname(yaml), { recursive: true });
  writeFileSync(
    yaml,
    `storage_types:
  main:
    class: postgresql
    config:
      url: \${SMOKE_DATABASE_URL}
      connection_pool_size: 2
default: main
`,
  );
  process.env.SMOKE_DATABASE_URL = url;
  const pg = await createStorageFromConfig(await loadConfig(yaml));
  const id = await pg.save({ type: 'note', session_id: 'p', text: 'from the smoke app' });
  const loaded = await pg.load(id);
  const health = await pg.healthCheck();
  check(
    pg.name === 'postgresql' && loaded?.text === 'from the smoke app' && health.status === 'healthy',
    'createStorageFromConfig(loadConfig(yaml)) with class: postgresql: save, load, healthy',
    { name: pg.name, loaded, health },
  );
  await pg.close();

  // --- the CLI, through the application's bin shim, from `/` ----------------------------------------
  const bin = join(app, 'node_modules', '.bin', 'recordstore');
  const cli = async (...args) => {
    const { stdout } = await run(bin, ['--config', yaml, ...args], { cwd: '/', env: process.env });
    return stdout.trim();
  };
  check(
    (await cli('--version')) === versionOf('@recordstore/cli'),
    `recordstore --version is @recordstore/cli's package.json version (${versionOf('@recordstore/cli')})`,
  );
  const cliHealth = JSON.parse(await cli('health', '--json'));
  check(
    cliHealth.status === 'healthy' && cliHealth.backend === 'postgresql',
    'recordstore health --json on the PostgreSQL store (cwd /)',
    cliHealth,
  );
  const got = JSON.parse(await cli('get', id, '--json'));
  check(got.text === 'from the smoke app', 'recordstore get reads what the application saved', got);
  const listed = JSON.parse(await cli('list', '--json', '--filter', '{"type":"note"}'));
  check(listed.count === 1, 'recordstore list --filter', listed);
} finally {
  await server.stop();
}

// --- the integrations, over the memory backend --------------------------------------------------------
const memory = new MemoryStorageBackend();
await memory.connect();
const keyv = createKeyv(memory, { namespace: 'sessions' });
await keyv.set('user:1', { name: 'Ada' });
const fromKeyv = await keyv.get('user:1');
check(fromKeyv?.name === 'Ada', '@recordstore/keyv: createKeyv(store) set/get', fromKeyv);
const saver = new RecordStoreSaver(memory);
check(
  (await saver.getTuple({ configurable: { thread_id: 'none' } })) === undefined,
  '@recordstore/langgraph: RecordStoreSaver on the store (no checkpoint yet)',
);
const memories = new RecordStoreStore(memory);
await memories.put(['user', 'ada'], 'likes', { food: 'tea' });
const item = await memories.get(['user', 'ada'], 'likes');
check(item?.value?.food === 'tea', '@recordstore/langgraph: RecordStoreStore put/get', item);
await memory.close();

rmSync(work, { recursive: true, force: true });
console.log('smoke application: passed');
