// Measures importRecords (COPY into a temporary table + one upsert per batch) against saveMany for
// 100,000 records of about 500 bytes, interleaved rounds on fresh schemas (read the ratio, not the
// absolute numbers: the machine is shared). Build first (pnpm --filter @recordstore/postgres build).
// Usage: [MEASURE_BATCH=1000] RS_PG_URL=postgres://postgres@127.0.0.1:5432/postgres node scripts/measure-import.mjs [rounds]
import { PostgreSQLStorageBackend } from '../dist/index.js';

const url = process.env.RS_PG_URL;
if (!url) throw new Error('Set RS_PG_URL to a PostgreSQL database the script may create schemas in.');
const rounds = Number(process.argv[2] ?? 3);
const COUNT = 100_000;
// Records per transaction for both (importRecords' default is 10 × batch_size = 10,000); MEASURE_BATCH=1000
// gives the copy engine's batch size.
const CHUNK = Number(process.env.MEASURE_BATCH ?? 10_000);

function record(i) {
  return {
    id: `m-${String(i).padStart(7, '0')}`,
    type: i % 3 === 0 ? 'message' : 'event',
    session_id: `s-${i % 500}`,
    thread_id: `t-${i % 2000}`,
    role: i % 2 === 0 ? 'user' : 'assistant',
    content: `Message ${i}: ${'lorem ipsum dolor sit amet '.repeat(14)}`,
    tokens: i % 900,
    metadata: { source: 'bench', attempt: i % 4 },
  };
}
const records = Array.from({ length: COUNT }, (_, i) => record(i));

async function run(kind, round) {
  const store = new PostgreSQLStorageBackend({
    url,
    schema_name: `measure_${kind.toLowerCase()}_${process.pid}_${round}`,
  });
  await store.connect();
  const started = performance.now();
  if (kind === 'import') {
    await store.importRecords(records, { batchSize: CHUNK });
  } else {
    for (let i = 0; i < COUNT; i += CHUNK) await store.saveMany(records.slice(i, i + CHUNK));
  }
  const seconds = (performance.now() - started) / 1000;
  if ((await store.count()) !== COUNT) throw new Error(`${kind}: wrong count`);
  await store.pool.query(`DROP SCHEMA measure_${kind.toLowerCase()}_${process.pid}_${round} CASCADE`);
  await store.close();
  return COUNT / seconds;
}

const results = { import: [], saveMany: [] };
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? ['import', 'saveMany'] : ['saveMany', 'import'];
  for (const kind of order) {
    const rate = await run(kind, round);
    results[kind].push(rate);
    console.log(`round ${round + 1} ${kind.padEnd(8)} ${Math.round(rate)} records/s`);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ratios = results.import.map((r, i) => (r / results.saveMany[i]).toFixed(2));
console.log(
  `median importRecords ${Math.round(median(results.import))}/s, saveMany ${Math.round(median(results.saveMany))}/s; ` +
    `per-round ratio ${ratios.join(', ')}`,
);
