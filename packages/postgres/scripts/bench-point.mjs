#!/usr/bin/env node
/**
 * Point operations: PostgreSQLStorageBackend vs raw pg with named prepared statements (the ceiling).
 * Usage: node scripts/bench-point.mjs postgres://... [rounds]   (uses schema bench_point; drops it after)
 * Contenders run interleaved in rounds; read the ratios, not the absolute numbers.
 */
import pg from 'pg';
import { PostgreSQLStorageBackend } from '../dist/index.js';

const url = process.argv[2] ?? process.env.RECORDSTORE_TEST_POSTGRES_URL;
const rounds = Number(process.argv[3] ?? 5);
const N = 2000;
const schema = 'bench_point';
const store = new PostgreSQLStorageBackend({ url, schema_name: schema, connection_pool_size: 1 });
await store.connect();
const raw = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
await raw.connect();
const rawPool = new pg.Pool({ connectionString: url, options: `-c search_path=${schema}`, max: 1 });
const payload = { type: 'message', session_id: 's1', text: 'x'.repeat(400), n: 1, tags: ['a', 'b'] };
const ids = Array.from({ length: N }, (_, i) => `bench-${i}`);
await store.saveMany(ids.map((id) => ({ id, ...payload })));

async function time(fn) {
  const t = performance.now();
  for (let i = 0; i < N; i++) await fn(ids[i]);
  return N / ((performance.now() - t) / 1000);
}
const rawLoad = (id) =>
  raw.query({
    name: 'raw_load',
    text: 'SELECT id, data, created_at, updated_at, expires_at, type, session_id, thread_id, metadata FROM storage_records WHERE id = $1',
    values: [id],
  });
const rawPoolLoad = (id) =>
  rawPool.query({
    name: 'raw_load',
    text: 'SELECT id, data, created_at, updated_at, expires_at, type, session_id, thread_id, metadata FROM storage_records WHERE id = $1',
    values: [id],
  });
const rawSave = (id) =>
  raw.query({
    name: 'raw_save',
    text: `INSERT INTO storage_records (id, data, created_at, updated_at, type, session_id) VALUES ($1, $2, now(), now(), $3, $4)
           ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data, updated_at = EXCLUDED.updated_at, type = EXCLUDED.type, session_id = EXCLUDED.session_id`,
    values: [id, JSON.stringify({ text: payload.text, n: 2, tags: payload.tags }), 'message', 's1'],
  });
// Warm-up: JIT, statement preparation and the server cache.
for (const id of ids) {
  await rawLoad(id);
  await store.load(id);
}
const results = { rawLoad: [], rawPoolLoad: [], load: [], rawSave: [], save: [] };
for (let r = 0; r < rounds; r++) {
  results.rawLoad.push(await time(rawLoad));
  results.rawPoolLoad.push(await time(rawPoolLoad));
  results.load.push(await time((id) => store.load(id)));
  results.rawSave.push(await time(rawSave));
  results.save.push(await time((id) => store.save({ id, ...payload, n: 2 })));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const m = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, Math.round(median(v))]));
console.log(
  JSON.stringify({
    opsPerSecond: m,
    loadRatio: +(m.load / m.rawLoad).toFixed(2),
    loadRatioVsRawPool: +(m.load / m.rawPoolLoad).toFixed(2),
    saveRatio: +(m.save / m.rawSave).toFixed(2),
  }),
);
await raw.query(`DROP SCHEMA ${schema} CASCADE`);
await raw.end();
await rawPool.end();
await store.close();
