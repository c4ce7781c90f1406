// Point load/save through SQLiteStorageBackend vs raw better-sqlite3 on the same file, interleaved.
// Run after building: node packages/sqlite/bench/point-ops.mjs [rounds]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SQLiteStorageBackend } from '../dist/index.js';

const rounds = Number(process.argv[2] ?? 5);
const N = 20_000;
const dir = mkdtempSync(join(tmpdir(), 'rs-bench-'));
const path = join(dir, 'bench.db');
const store = new SQLiteStorageBackend({ path });
await store.connect();
const raw = new Database(path);
const payload = { text: 'x'.repeat(400), n: 5, tags: ['a', 'b'], nested: { k: 'v' } };
const ids = [];
for (let i = 0; i < N; i++)
  ids.push(await store.save({ ...payload, type: 'message', session_id: `s${i % 100}` }));

const rawLoad = raw.prepare('SELECT * FROM storage_records WHERE id = ?');
const rawSave = raw.prepare(`INSERT INTO storage_records (id, data, type, session_id, created_at, updated_at)
  VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`);

async function measure(fn, ops) {
  const t = performance.now();
  for (let i = 0; i < ops; i++) await fn(i);
  return ops / ((performance.now() - t) / 1000);
}
const results = { load: { raw: [], backend: [] }, save: { raw: [], backend: [] } };
for (let r = 0; r < rounds; r++) {
  results.load.raw.push(
    await measure((i) => {
      const row = rawLoad.get(ids[(i * 7919) % N]);
      JSON.parse(row.data);
    }, 50_000),
  );
  results.load.backend.push(await measure((i) => store.load(ids[(i * 7919) % N]), 50_000));
  results.save.raw.push(
    await measure((i) => {
      const now = Date.now();
      rawSave.run(ids[i % N], JSON.stringify({ ...payload, i }), 'message', 's1', now, now);
    }, 5_000),
  );
  results.save.backend.push(
    await measure(
      (i) => store.save({ ...payload, i, id: ids[i % N], type: 'message', session_id: 's1' }),
      5_000,
    ),
  );
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const op of ['load', 'save']) {
  const rawOps = median(results[op].raw);
  const ours = median(results[op].backend);
  console.log(
    `${op}: raw better-sqlite3 ${Math.round(rawOps)}/s, SQLiteStorageBackend ${Math.round(ours)}/s, ratio ${(ours / rawOps).toFixed(2)}`,
  );
}
raw.close();
await store.close();
rmSync(dir, { recursive: true, force: true });
