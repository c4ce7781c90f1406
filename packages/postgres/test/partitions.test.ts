import { ManualClock, StorageError } from '@recordstore/core';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { convertLayout, PostgreSQLStorageBackend, postgresConfigSchema } from '../src/index.js';
import type { PostgresConfigInput } from '../src/postgres-config.js';
import { useSuiteDatabase } from './helpers.js';

const db = useSuiteDatabase();
const T0 = Date.UTC(2031, 4, 15, 12); // mid-May 2031
const DAY = 86_400_000;

let schemaSeq = 0;
const open: PostgreSQLStorageBackend[] = [];
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((s) => s.close()));
});

/** A fresh schema (migrated on first connect) and a store on it. */
function store(schema: string, config: PostgresConfigInput, clock = new ManualClock(T0)) {
  const backend = new PostgreSQLStorageBackend(
    {
      url: db.url,
      schema_name: schema,
      connection_pool_size: 2,
      connection_pool_max_overflow: 20,
      ...config,
    },
    { clock },
  );
  open.push(backend);
  return backend;
}
function newSchema(prefix: string): string {
  return `${prefix}_${process.pid}_${++schemaSeq}`;
}

async function sqlIn<R extends pg.QueryResultRow>(schema: string, text: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: db.url, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    return await client.query<R>(text, values);
  } finally {
    await client.end();
  }
}

async function rowsWithId(schema: string, id: string): Promise<number> {
  const r = await sqlIn<{ n: number }>(
    schema,
    'SELECT count(*)::int AS n FROM storage_records WHERE id = $1',
    [id],
  );
  return r.rows[0]!.n;
}

const RANGE: PostgresConfigInput = {
  partitioning_enabled: true,
  partition_strategy: 'range',
  partition_premake: 2,
};
const LIST: PostgresConfigInput = {
  partitioning_enabled: true,
  partition_strategy: 'list',
  list_partition_values: ['red', 'green', 'blue'],
};
const HASH: PostgresConfigInput = {
  partitioning_enabled: true,
  partition_strategy: 'hash',
  partition_count: 4,
};

describe('partitioned layout on connect', () => {
  it('connect() converts the empty migrated table to range partitions: premake months ahead and a default', async () => {
    const schema = newSchema('prange');
    const s = store(schema, RANGE);
    await s.connect();
    const status = await s.partitionStatus({ exact: true });
    expect(status.strategy).toBe('range');
    expect(status.column).toBe('created_at');
    expect(status.partitions.map((p) => p.name)).toEqual([
      'storage_records_p20310501',
      'storage_records_p20310601',
      'storage_records_p20310701',
      'storage_records_default',
    ]);
    const kind = await sqlIn<{ relkind: string }>(
      schema,
      "SELECT relkind::text FROM pg_class WHERE oid = 'storage_records'::regclass",
    );
    expect(kind.rows[0]!.relkind).toBe('p');
    // The migration's indexes were carried over; the key became a plain index on id.
    const indexes = await sqlIn<{ name: string }>(
      schema,
      "SELECT indexrelid::regclass::text AS name FROM pg_index WHERE indrelid = 'storage_records'::regclass ORDER BY 1",
    );
    expect(indexes.rows.map((r) => r.name)).not.toContain('storage_records_pkey');
    expect(indexes.rows.map((r) => r.name)).toEqual(
      expect.arrayContaining([
        'storage_records_created_at_idx',
        'storage_records_data_gin_idx',
        'storage_records_expires_at_idx',
        'storage_records_id_idx',
        'storage_records_session_id_created_at_idx',
        'storage_records_thread_id_created_at_idx',
        'storage_records_type_created_at_idx',
      ]),
    );
  });

  it.each([
    [
      'list',
      LIST,
      [
        'storage_records_default',
        'storage_records_l_blue_',
        'storage_records_l_green_',
        'storage_records_l_red_',
      ],
    ],
    ['hash', HASH, ['storage_records_h0', 'storage_records_h1', 'storage_records_h2', 'storage_records_h3']],
  ] as const)('connect() converts the empty table to %s partitions', async (kind, config, prefixes) => {
    const schema = newSchema(`p${kind}`);
    const s = store(schema, config);
    await s.connect();
    const status = await s.partitionStatus();
    expect(status.strategy).toBe(kind);
    const names = status.partitions.map((p) => p.name).sort();
    expect(names).toHaveLength(prefixes.length);
    for (const [i, prefix] of prefixes.entries()) expect(names[i]!.startsWith(prefix)).toBe(true);
    if (kind === 'hash') {
      const pk = await sqlIn(
        schema,
        "SELECT 1 FROM pg_constraint WHERE conrelid = 'storage_records'::regclass AND contype = 'p'",
      );
      expect(pk.rowCount).toBe(1);
    }
  });

  it('list partitions route by type: a type change moves the row, the default takes others and null', async () => {
    const schema = newSchema('plistroute');
    const s = store(schema, LIST);
    await s.connect();
    await s.save({ id: 'a', type: 'red' });
    await s.save({ id: 'b', type: 'purple' });
    await s.save({ id: 'c' });
    await s.save({ id: 'a', type: 'blue', v: 2 });
    const where = await sqlIn<{ id: string; part: string }>(
      schema,
      'SELECT id, tableoid::regclass::text AS part FROM storage_records ORDER BY id',
    );
    expect(where.rows.map((r) => [r.id, r.part.replace(/_[0-9a-f]{8}$/, '')])).toEqual([
      ['a', 'storage_records_l_blue'],
      ['b', 'storage_records_default'],
      ['c', 'storage_records_default'],
    ]);
    expect(await s.load('a')).toMatchObject({ type: 'blue', v: 2 });
  });

  it('connect() refuses a table that holds rows and is not partitioned, naming `recordstore partitions enable`', async () => {
    const schema = newSchema('prefuse');
    const plain = store(schema, {});
    await plain.connect();
    await plain.save({ id: 'keep-me' });
    await plain.close();
    const error = await store(schema, RANGE)
      .connect()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).kind).toBe('config');
    expect((error as StorageError).message).toMatch(
      /is unpartitioned, but the config asks for range on created_at.*holds rows.*recordstore partitions enable/,
    );
    // Nothing changed.
    expect(await rowsWithId(schema, 'keep-me')).toBe(1);
  });

  it('connect() with auto_migrate: false refuses even an empty unpartitioned table instead of converting it', async () => {
    const schema = newSchema('pnoauto');
    const plain = store(schema, {});
    await plain.connect();
    await plain.close();
    const error = await store(schema, { ...RANGE, auto_migrate: false })
      .connect()
      .catch((e: unknown) => e);
    expect((error as StorageError).message).toMatch(/auto_migrate is false/);
  });

  it('connect() without partitioning refuses a partitioned table, naming `recordstore partitions disable`', async () => {
    const schema = newSchema('pdisable');
    const parted = store(schema, RANGE);
    await parted.connect();
    await parted.save({ id: 'x' });
    await parted.close();
    const error = await store(schema, {})
      .connect()
      .catch((e: unknown) => e);
    expect((error as StorageError).message).toMatch(
      /is range on created_at, but the config asks for unpartitioned.*recordstore partitions disable/,
    );
  });

  it('refuses partition_column combinations that cannot work, and retention without range', () => {
    expect(() => new PostgreSQLStorageBackend({ ...RANGE, partition_column: 'type' })).toThrow(
      /partition_column: "type" cannot be used with partition_strategy range.*range on created_at, list on type, hash on id/,
    );
    expect(() => new PostgreSQLStorageBackend({ ...HASH, partition_column: 'created_at' })).toThrow(/hash/);
    expect(() => new PostgreSQLStorageBackend({ ...HASH, partition_retention_days: 30 })).toThrow(
      /partition_retention_days: applies to range partitions/,
    );
    expect(() => new PostgreSQLStorageBackend({ ...LIST, partition_column: 'type' })).not.toThrow();
  });
});

describe('one row per id on range and list partitions (no unique constraint on id)', () => {
  it.each([
    ['range', RANGE],
    ['list', LIST],
    ['hash', HASH],
  ] as const)(
    '%s: 50 concurrent saves of one id from two stores, moving it between partitions, leave exactly one row',
    async (kind, config) => {
      const schema = newSchema(`pconc${kind}`);
      const a = store(schema, config);
      const b = store(schema, config);
      await a.connect();
      await b.connect();
      const types = ['red', 'green', 'blue', 'other'];
      // Every save changes the partition key: created_at (preserveTimestamps) for range, type for list.
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          (i % 2 === 0 ? a : b).save(
            { id: 'same', i, type: types[i % 4], created_at: T0 + ((i % 3) - 1) * 40 * DAY },
            { preserveTimestamps: true },
          ),
        ),
      );
      expect(await rowsWithId(schema, 'same')).toBe(1);
      // And many ids at once, overlapping between two concurrent saveMany calls.
      const batch = (offset: number) =>
        Array.from({ length: 200 }, (_, i) => ({
          id: `m${(i + offset) % 300}`,
          type: types[(i + offset) % 4],
          n: offset,
        }))
          // The same order in every batch: hash layouts upsert with ON CONFLICT, which locks rows in batch
          // order (range/list lock ids in hash order themselves).
          .sort((x, y) => (x.id < y.id ? -1 : 1));
      await Promise.all([
        a.saveMany(batch(0)),
        b.saveMany(batch(100)),
        a.saveMany(batch(50)),
        b.saveMany(batch(150)),
      ]);
      const dupes = await sqlIn<{ n: number }>(
        schema,
        'SELECT count(*)::int AS n FROM (SELECT id FROM storage_records GROUP BY id HAVING count(*) > 1) d',
      );
      expect(dupes.rows[0]!.n).toBe(0);
      expect(await a.count()).toBe(301);
    },
  );

  it('range: without the id lock the same concurrent saves would duplicate (the test can tell)', async () => {
    // Proves the test above has teeth: the same workload through a plain INSERT-if-missing, without the
    // lock, on the same partitioned table, leaves more than one row.
    const schema = newSchema('pnolock');
    const s = store(schema, RANGE);
    await s.connect();
    const pool = s.pool!;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        // Each statement's snapshot is taken before the sleep: all see no row, all insert one.
        pool.query(
          `WITH nap AS (SELECT pg_sleep(0.3))
           INSERT INTO storage_records (id, data, created_at, updated_at)
           SELECT 'dup', '{}', now(), now() FROM nap WHERE NOT EXISTS (SELECT 1 FROM storage_records WHERE id = 'dup')`,
        ),
      ),
    );
    expect(await rowsWithId(schema, 'dup')).toBeGreaterThan(1);
  });
});

describe('maintainPartitions()', () => {
  it('creates the coming range partitions as the clock moves and drops those wholly older than the retention', async () => {
    const schema = newSchema('pmaint');
    const clock = new ManualClock(T0);
    const s = store(schema, { ...RANGE, partition_retention_days: 45 }, clock);
    await s.connect();
    await s.save({ id: 'may', type: 'x' }); // created 2031-05-15
    clock.set(Date.UTC(2031, 7, 20)); // 2031-08-20: May ends 81 days before, June 50, July 20
    const report = await s.maintainPartitions();
    expect(report.ran).toBe(true);
    expect(report.created).toEqual([
      'storage_records_p20310801',
      'storage_records_p20310901',
      'storage_records_p20311001',
    ]);
    expect(report.dropped).toEqual(['storage_records_p20310501', 'storage_records_p20310601']);
    expect(await s.load('may')).toBeNull();
    const tables = await sqlIn<{ n: number }>(
      schema,
      "SELECT count(*)::int AS n FROM unnest(ARRAY['storage_records_p20310501', 'storage_records_p20310601']) t WHERE to_regclass(t) IS NOT NULL",
    );
    expect(tables.rows[0]!.n).toBe(0); // dropped, not emptied
    // Running again changes nothing.
    const again = await s.maintainPartitions();
    expect([again.created, again.dropped]).toEqual([[], []]);
  });

  it('detaches instead of dropping with partition_retention_action: detach', async () => {
    const schema = newSchema('pdetach');
    const clock = new ManualClock(T0);
    const s = store(
      schema,
      { ...RANGE, partition_retention_days: 10, partition_retention_action: 'detach' },
      clock,
    );
    await s.connect();
    await s.save({ id: 'old' });
    clock.set(Date.UTC(2031, 6, 1));
    const report = await s.maintainPartitions();
    expect(report.detached).toContain('storage_records_p20310501');
    expect(await s.load('old')).toBeNull();
    const kept = await sqlIn<{ n: number }>(
      schema,
      'SELECT count(*)::int AS n FROM storage_records_p20310501',
    );
    expect(kept.rows[0]!.n).toBe(1);
  });

  it('moves rows that landed in the default partition into the partition created for them', async () => {
    const schema = newSchema('pmove');
    const clock = new ManualClock(T0);
    const s = store(schema, RANGE, clock);
    await s.connect();
    const future = Date.UTC(2031, 11, 3);
    await s.save({ id: 'early', note: 'from the future' }, { preserveTimestamps: true });
    await s.save({ id: 'early', created_at: future, note: 'from the future' }, { preserveTimestamps: true });
    let status = await s.partitionStatus({ exact: true });
    expect(status.partitions.find((p) => p.name === 'storage_records_default')?.rows).toBe(1);
    clock.set(Date.UTC(2031, 10, 10)); // November: premake 2 reaches December
    const report = await s.maintainPartitions();
    expect(report.created).toContain('storage_records_p20311201');
    expect(report.rowsMoved).toBe(1);
    status = await s.partitionStatus({ exact: true });
    expect(status.partitions.find((p) => p.name === 'storage_records_default')?.rows).toBe(0);
    expect(status.partitions.find((p) => p.name === 'storage_records_p20311201')?.rows).toBe(1);
    expect((await s.load('early'))?.created_at).toEqual(new Date(future));
  });

  it('list: creates the partition of a newly configured value and moves its rows out of the default', async () => {
    const schema = newSchema('plistadd');
    const s = store(schema, LIST);
    await s.connect();
    await s.saveMany([
      { id: 'p1', type: 'purple' },
      { id: 'p2', type: 'purple' },
      { id: 'o', type: 'orange' },
    ]);
    await s.close();
    const more = store(schema, { ...LIST, list_partition_values: ['red', 'green', 'blue', 'purple'] });
    await more.connect(); // maintenance runs at connect
    const status = await more.partitionStatus({ exact: true });
    const purple = status.partitions.find((p) => p.bound.includes("'purple'"));
    expect(purple?.rows).toBe(2);
    expect(status.partitions.find((p) => p.name === 'storage_records_default')?.rows).toBe(1);
    expect(await more.count({ type: 'purple' })).toBe(2);
  });

  it('partitionStatus() reports exact row counts and sizes per partition', async () => {
    const schema = newSchema('pstatus');
    const s = store(schema, HASH);
    await s.connect();
    await s.saveMany(Array.from({ length: 100 }, (_, i) => ({ id: `r${i}`, text: 'x'.repeat(100) })));
    const status = await s.partitionStatus({ exact: true });
    expect(status.partitions).toHaveLength(4);
    expect(status.totalRows).toBe(100);
    for (const p of status.partitions) {
      expect(p.rows).toBeGreaterThan(5);
      expect(p.sizeBytes).toBeGreaterThan(8192);
    }
    expect(status.totalSizeBytes).toBe(status.partitions.reduce((n, p) => n + p.sizeBytes, 0));
  });
});

describe('convertLayout() (recordstore partitions enable|disable)', () => {
  it('copies an existing table in batches into range partitions and back, keeping rows, indexes and ids unique', async () => {
    const schema = newSchema('pconvert');
    const plain = store(schema, { indexes: [{ path: 'score', type: 'numeric' }] });
    await plain.connect();
    const records = Array.from({ length: 250 }, (_, i) => ({
      id: `c${i}`,
      type: i % 2 ? 'red' : 'blue',
      score: i,
      created_at: T0 - (i % 5) * 31 * DAY,
    }));
    await plain.saveMany(records, { preserveTimestamps: true });
    await plain.close();

    const config = postgresConfigSchema.parse({ url: db.url, schema_name: schema, ...RANGE, batch_size: 40 });
    const client = new pg.Client({ connectionString: db.url, options: `-c search_path=${schema}` });
    await client.connect();
    try {
      const lines: string[] = [];
      const report = await convertLayout(client, config, { now: T0, log: (l) => lines.push(l) });
      expect(report).toMatchObject({ from: 'unpartitioned', changed: true, rowsCopied: 250, keptAs: null });
      expect(lines.filter((l) => l.startsWith('copied'))).toHaveLength(7); // 250 rows in batches of 40
      expect(report.indexesCreated).toContain('storage_records_id_idx');
      expect(report.indexesCreated.some((n) => n.startsWith('storage_records_d_score_'))).toBe(true);
      // Idempotent.
      expect((await convertLayout(client, config, { now: T0 })).changed).toBe(false);
    } finally {
      await client.end();
    }
    const parted = store(schema, { ...RANGE, indexes: [{ path: 'score', type: 'numeric' }] });
    await parted.connect();
    expect(await parted.count()).toBe(250);
    expect(await parted.load('c7')).toMatchObject({ score: 7 });
    const status = await parted.partitionStatus({ exact: true });
    expect(status.partitions.filter((p) => p.rows > 0).length).toBeGreaterThanOrEqual(5);
    await parted.save({ id: 'c7', score: 70 });
    expect(await rowsWithId(schema, 'c7')).toBe(1);
    await parted.close();

    // And back (partitions disable): the primary key on id returns.
    const back = postgresConfigSchema.parse({ url: db.url, schema_name: schema, batch_size: 1000 });
    const client2 = new pg.Client({ connectionString: db.url, options: `-c search_path=${schema}` });
    await client2.connect();
    try {
      const report = await convertLayout(client2, back, { keepOld: true });
      expect(report).toMatchObject({ from: 'range on created_at', to: 'unpartitioned', rowsCopied: 250 });
      expect(report.keptAs).toMatch(/^storage_records_before_\d{14}$/);
    } finally {
      await client2.end();
    }
    const plainAgain = store(schema, {});
    await plainAgain.connect();
    expect(await plainAgain.count()).toBe(250);
    const pk = await sqlIn(
      schema,
      "SELECT 1 FROM pg_constraint WHERE conrelid = 'storage_records'::regclass AND contype = 'p'",
    );
    expect(pk.rowCount).toBe(1);
  });
});
