#!/usr/bin/env node
/**
 * Scale figures for the README and docs/scaling.md, on 1,000,000 records of about 500 bytes of JSON:
 * - write rate through the backend: sequential save() and saveMany() in batches of batch_size;
 * - sizing of the unpartitioned table: heap, TOAST, each index, bytes per row;
 * - `partitions enable` time for 1M rows (range, monthly, 24 months of data);
 * - load(id) rate on an unpartitioned table, 24 range partitions, 8 hash partitions.
 *
 * Usage: pnpm --filter @recordstore/postgres build && node scripts/bench-scale.mjs postgres://... [rows]
 * Uses schema bench_scale (dropped first and at the end). Reads are sequential, one client: compare the
 * ratios, not the absolute numbers (the machine is shared and noisy).
 */
import pg from 'pg';
import { convertLayout, PostgreSQLStorageBackend, postgresConfigSchema } from '../dist/index.js';

const url = process.argv[2] ?? process.env.RECORDSTORE_TEST_POSTGRES_URL;
const ROWS = Number(process.argv[3] ?? 1_000_000);
const LOADS = 10_000;
const SAVES = 2_000;
const schema = 'bench_scale';
const NOW = Date.UTC(2031, 11, 15);
// 24 months of data, Jan 2030 to Dec 2031: 24 monthly partitions (+ the default).
const FIRST = Date.UTC(2030, 0, 1);
const SPAN = Date.UTC(2032, 0, 1) - FIRST - 1;

const admin = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
await admin.connect();
await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
const clock = { now: () => NOW };
const base = { url, schema_name: schema, connection_pool_size: 1 };
const log = (...a) => console.log(...a);

function record(i) {
  return {
    id: `rec-${i.toString(36).padStart(6, '0')}-${(i * 7919) % 10007}`,
    type: `type${i % 10}`,
    session_id: `s${i % 50_000}`,
    thread_id: `t${i % 100_000}`,
    created_at: Math.min(NOW, FIRST + Math.floor((i / ROWS) * SPAN)),
    user: { id: `u${i % 20_000}`, plan: i % 3 ? 'free' : 'pro' },
    score: i % 1000,
    tag: `t${i % 10}`,
    text: `message ${i} `.padEnd(380, 'lorem ipsum dolor sit amet '),
  };
}

// --- write rate and sizing (unpartitioned) ---
const store = new PostgreSQLStorageBackend(base, { clock });
await store.connect();
let t = performance.now();
const BATCH = 1000;
for (let i = 0; i < ROWS; i += BATCH) {
  const batch = [];
  for (let j = i; j < Math.min(ROWS, i + BATCH); j++) batch.push(record(j));
  await store.saveMany(batch, { preserveTimestamps: true });
}
const bulkSeconds = (performance.now() - t) / 1000;
log(
  `saveMany(${BATCH}) of ${ROWS} rows: ${bulkSeconds.toFixed(1)} s = ${(ROWS / bulkSeconds).toFixed(0)} records/s`,
);
await admin.query('VACUUM ANALYZE storage_records');
const json = await admin.query(
  'SELECT avg(octet_length(data::text))::int AS data_json, avg(pg_column_size(data))::int AS data_stored FROM storage_records',
);
const sizes = await admin.query(`
  SELECT pg_relation_size('storage_records')::float8 AS heap,
         pg_total_relation_size('storage_records')::float8 AS total,
         coalesce(pg_relation_size(reltoastrelid), 0)::float8 AS toast
  FROM pg_class WHERE oid = 'storage_records'::regclass`);
const indexes = await admin.query(`
  SELECT indexrelid::regclass::text AS name, pg_relation_size(indexrelid)::float8 AS size
  FROM pg_index WHERE indrelid = 'storage_records'::regclass ORDER BY 2 DESC`);
const mb = (b) => `${(b / 1048576).toFixed(1)} MB`;
const s = sizes.rows[0];
log(
  `JSON of data: ${json.rows[0].data_json} bytes on average, stored (jsonb, maybe compressed) ${json.rows[0].data_stored} bytes`,
);
log(
  `heap ${mb(s.heap)} (${(s.heap / ROWS).toFixed(0)} B/row), TOAST ${mb(s.toast)}, total with indexes ${mb(s.total)} (${(s.total / ROWS).toFixed(0)} B/row)`,
);
for (const r of indexes.rows) log(`  index ${r.name}: ${mb(r.size)} (${(r.size / ROWS).toFixed(0)} B/row)`);

const ids = Array.from({ length: LOADS }, () => record(Math.floor(Math.random() * ROWS)).id);
await store.close();

// --- the same rows in a range-partitioned and a hash-partitioned copy, measured interleaved ---
const layouts = [
  { label: 'unpartitioned', schema, partitioning: {} },
  {
    label: '24 range partitions (monthly)',
    schema: `${schema}_range`,
    partitioning: {
      partitioning_enabled: true,
      partition_strategy: 'range',
      partition_interval: 'monthly',
      partition_premake: 0,
    },
  },
  {
    label: '8 hash partitions',
    schema: `${schema}_hash`,
    partitioning: { partitioning_enabled: true, partition_strategy: 'hash', partition_count: 8 },
  },
];
for (const layout of layouts.slice(1)) {
  await admin.query(`DROP SCHEMA IF EXISTS ${layout.schema} CASCADE`);
  const plain = new PostgreSQLStorageBackend({ ...base, schema_name: layout.schema }, { clock });
  await plain.connect();
  await plain.close();
  const target = new pg.Client({ connectionString: url, options: `-c search_path=${layout.schema}` });
  await target.connect();
  await target.query(`INSERT INTO storage_records SELECT * FROM ${schema}.storage_records`);
  const config = postgresConfigSchema.parse({
    ...base,
    schema_name: layout.schema,
    ...layout.partitioning,
    batch_size: 10_000,
  });
  const started = performance.now();
  const report = await convertLayout(target, config, { now: NOW });
  log(
    `partitions enable -> ${report.to}: ${report.rowsCopied} rows into ${report.partitionsCreated.length} partitions in ${((performance.now() - started) / 1000).toFixed(1)} s (one transaction, batches of 10,000)`,
  );
  await target.query('VACUUM ANALYZE storage_records');
  await target.end();
}
for (const layout of layouts) {
  layout.store = new PostgreSQLStorageBackend(
    { ...base, schema_name: layout.schema, ...layout.partitioning },
    { clock },
  );
  await layout.store.connect();
  const status = await layout.store.partitionStatus();
  log(
    `${layout.label}: ${status.partitions.filter((p) => p.rows > 0).length} partitions holding rows, ${mb(status.totalSizeBytes)}`,
  );
  layout.loads = [];
  layout.saves = [];
}
for (let round = 0; round < 3; round++) {
  for (const layout of layouts) {
    t = performance.now();
    let found = 0;
    for (const id of ids) if (await layout.store.load(id)) found++;
    if (found !== LOADS) throw new Error(`${layout.label}: found ${found} of ${LOADS}`);
    layout.loads.push(LOADS / ((performance.now() - t) / 1000));
  }
  for (const layout of layouts) {
    t = performance.now();
    for (let i = 0; i < SAVES; i++) {
      await layout.store.save({ ...record(ROWS + i), id: `single-${round}-${i % (SAVES / 2)}` });
    }
    layout.saves.push(SAVES / ((performance.now() - t) / 1000));
  }
}
const fmt = (xs) =>
  `${xs.map((x) => x.toFixed(0)).join(', ')} (median ${[...xs].sort((a, b) => a - b)[1].toFixed(0)})`;
for (const layout of layouts) {
  log(`${layout.label}: load(id)/s ${fmt(layout.loads)}; save()/s ${fmt(layout.saves)}`);
  await layout.store.close();
  await admin.query(`DROP SCHEMA IF EXISTS ${layout.schema} CASCADE`);
}
await admin.end();
