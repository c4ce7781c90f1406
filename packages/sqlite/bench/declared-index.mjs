// list({ user_id }) and list({ tokens: range }) on the same file with and without declared indexes
// (two stores on one file: the declared indexes exist, only the compiled filter differs), median ms.
// Run after building: node packages/sqlite/bench/declared-index.mjs [rows]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQLiteStorageBackend } from '../dist/index.js';

const rows = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'rs-didx-'));
const path = join(dir, 'x.db');
const indexes = [
  { path: 'user_id', type: 'text' },
  { path: 'tokens', type: 'numeric' },
];
const indexed = new SQLiteStorageBackend({ path, indexes });
await indexed.connect();
const plain = new SQLiteStorageBackend({ path });
await plain.connect();
const text = 'lorem ipsum '.repeat(30);
for (let i = 0; i < rows; i += 5_000) {
  await indexed.saveMany(
    Array.from({ length: Math.min(5_000, rows - i) }, (_, k) => ({
      text,
      user_id: `u${(i + k) % 1000}`,
      tokens: (i + k) % 4000,
      session_id: `s${(i + k) % 500}`,
    })),
  );
}
const queries = {
  'user_id = u7': { user_id: 'u7' },
  '2000 <= tokens < 2004': { tokens: { $gte: 2000, $lt: 2004 } },
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [label, filter] of Object.entries(queries)) {
  const t = { indexed: [], plain: [] };
  let n = 0;
  for (let r = 0; r < 7; r++) {
    for (const [name, s] of [
      ['indexed', indexed],
      ['plain', plain],
    ]) {
      const t0 = performance.now();
      n = (await s.list(filter, { limit: 100 })).length;
      t[name].push(performance.now() - t0);
    }
  }
  console.log(
    `${label} (${n} rows): declared ${median(t.indexed).toFixed(2)} ms, undeclared ${median(t.plain).toFixed(2)} ms`,
  );
}
await indexed.close();
await plain.close();
rmSync(dir, { recursive: true, force: true });
