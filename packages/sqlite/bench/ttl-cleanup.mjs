// TTL cleanup under a writer, like the repository bench's TTL row but smaller: a writer saves one record at a
// time (yielding a turn of the event loop between saves) before and during cleanupExpired(); prints the
// writer's p99 before and during, the cleanup's wall time and how many rows it deleted.
// Run after building: node packages/sqlite/bench/ttl-cleanup.mjs [expiredRows]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SQLiteStorageBackend } from '../dist/index.js';

const expired = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'rs-ttl-'));
const path = join(dir, 'ttl.db');
const store = new SQLiteStorageBackend({ path });
await store.connect();
// Loaded raw (one transaction per 10,000) so the load is quick; the table and indexes are the store's.
const raw = new Database(path);
const insert = raw.prepare(`INSERT INTO storage_records
  (id, data, type, session_id, thread_id, created_at, updated_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
const text = 'lorem ipsum '.repeat(30);
const now = Date.now();
const load = raw.transaction((from, n, expiresAt, prefix) => {
  for (let i = from; i < from + n; i++) {
    const data = JSON.stringify({ text, user_id: `u${i % 1000}`, tokens: i % 5000 });
    insert.run(
      `${prefix}${i}`,
      data,
      'message',
      `s${i % 500}`,
      `t${i % 2000}`,
      now - 1e6 + i,
      now,
      expiresAt,
    );
  }
});
for (let done = 0; done < expired; done += 10_000) {
  load(done, Math.min(10_000, expired - done), now - 3_600_000, 'exp');
  load(done, Math.ceil(Math.min(10_000, expired - done) / 10), null, 'live');
}
raw.exec('ANALYZE');
raw.close();

const p99 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)];
const record = (i) => ({ type: 'message', session_id: `w${i % 50}`, text, n: i });
for (let i = 0; i < 50; i++) await store.save(record(i));
const before = [];
for (let i = 0; i < 2000; i++) {
  const t0 = performance.now();
  await store.save(record(i));
  before.push(performance.now() - t0);
}
const during = [];
let done = false;
const c0 = performance.now();
const cleanup = store.cleanupExpired().then((n) => {
  done = true;
  return n;
});
let i = 0;
while (!done) {
  const t0 = performance.now();
  await store.save(record(i++));
  during.push(performance.now() - t0);
  await new Promise((r) => setImmediate(r));
}
const deleted = await cleanup;
const ms = performance.now() - c0;
console.log(
  `cleanup ${Math.round(ms)} ms, deleted ${deleted} (expected ${expired}); writer p99 ${p99(before).toFixed(2)} -> ` +
    `${p99(during).toFixed(2)} ms (${(p99(during) / p99(before)).toFixed(2)}x, ${during.length} saves during)`,
);
await store.close();
rmSync(dir, { recursive: true, force: true });
