// 16-way concurrent point loads through SQLiteStorageBackend, raw better-sqlite3 (get + JSON.parse) and, when
// the repository bench's dependencies are installed, Keyv with @keyv/sqlite: interleaved rounds, median
// ops/s of each. For a CPU profile of the store alone: node --cpu-prof packages/sqlite/bench/concurrent-load.mjs 3 store
// Run after building: node packages/sqlite/bench/concurrent-load.mjs [rounds] [store|all] [coalesce on|off]

import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { SQLiteStorageBackend } from '../dist/index.js';

const rounds = Number(process.argv[2] ?? 5);
const only = process.argv[3] ?? 'all';
const coalesce = (process.argv[4] ?? 'on') === 'on';
const N = 20_000;
const OPS = 40_000;
const CONCURRENCY = Number(process.env.RS_CONCURRENCY ?? 16);
const dir = mkdtempSync(join(tmpdir(), 'rs-cload-'));
const store = new SQLiteStorageBackend({ path: join(dir, 'store.db'), coalesce });
await store.connect();
const words = 'the agent called a tool to look up the order status and summarised the answer'.split(' ');
const record = (i) => ({
  id: `base-${i}`,
  type: 'message',
  session_id: `s${i % 200}`,
  thread_id: `t${i % 50}`,
  role: i % 2 ? 'user' : 'assistant',
  content: Array.from({ length: 40 }, (_, k) => words[(i + k) % words.length]).join(' '),
  user_id: `u${i % 1000}`,
  tokens: i % 4000,
  metadata: { source: 'web', model: 'm1' },
});
const records = Array.from({ length: N }, (_, i) => record(i));
await store.saveMany(records);
const ids = records.map((r) => r.id);

const raw = new Database(join(dir, 'store.db'));
const rawLoad = raw.prepare('SELECT * FROM storage_records WHERE id = ?');

let keyv = null;
if (only === 'all') {
  try {
    const require = createRequire('/work/main/bench/package.json');
    const { Keyv } = await import(pathToFileURL(require.resolve('keyv')).href);
    const { KeyvSqlite } = await import(pathToFileURL(require.resolve('@keyv/sqlite')).href);
    keyv = new Keyv({ store: new KeyvSqlite({ uri: `sqlite://${join(dir, 'keyv.db')}` }) });
    for (let i = 0; i < N; i += 500)
      await Promise.all(records.slice(i, i + 500).map((r) => keyv.set(r.id, r)));
  } catch (error) {
    console.log(`keyv-sqlite not measured: ${error.message.split('\n')[0]}`);
  }
}

async function timeOps(op) {
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= OPS) return;
      await op(ids[(i * 7919) % N]);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return OPS / ((performance.now() - started) / 1000);
}

const contenders = {
  store: (id) => store.load(id),
  ...(only === 'all'
    ? {
        raw: async (id) => {
          const row = rawLoad.get(id);
          return JSON.parse(row.data);
        },
      }
    : {}),
  ...(keyv ? { keyv: (id) => keyv.get(id) } : {}),
};
const profileTo = process.env.RS_PROFILE;
let session = null;
if (profileTo) {
  const { Session } = await import('node:inspector/promises');
  session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
const results = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
for (let r = 0; r < rounds; r++) {
  for (const [name, op] of Object.entries(contenders)) results[name].push(await timeOps(op));
}
if (session) {
  const { profile } = await session.post('Profiler.stop');
  (await import('node:fs')).writeFileSync(profileTo, JSON.stringify(profile));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const line = Object.entries(results)
  .map(([name, xs]) => `${name} ${Math.round(median(xs))}/s`)
  .join(', ');
const ratio = (a, b) =>
  results[a] && results[b] ? (median(results[a]) / median(results[b])).toFixed(2) : '-';
console.log(`16-way load: ${line}; store/raw ${ratio('store', 'raw')}, store/keyv ${ratio('store', 'keyv')}`);
await store.close();
raw.close();
rmSync(dir, { recursive: true, force: true });
