import { type AdminTask, parseBackendConfig, StorageError } from '@recordstore/core';
import { describe, expect, it } from 'vitest';
import {
  PostgreSQLStorageBackend,
  type PostgresConfig,
  type PostgresConfigInput,
  postgresBackend,
  postgresPartitionStatus,
} from '../src/index.js';
import { indexAdminTasks } from '../src/indexes/index.js';
import { partitionAdminTasks } from '../src/partitions/index.js';
import { useSuiteDatabase } from './helpers.js';

// partitionAdminTasks / indexAdminTasks on a real throwaway database: each task's report, its option
// validation, and that every run closes the client it opened.

const db = useSuiteDatabase();
/** Every admin client of this file reports this application_name, so leftovers can be counted. */
const APP = `rs_admin_tasks_${process.pid}`;
let schemaSeq = 0;

function newSchema(prefix: string): string {
  return `${prefix}_${process.pid}_${++schemaSeq}`;
}

/** A config as core's one parse produces it (the tasks take a parsed config). */
function configOf(schema: string, extra: PostgresConfigInput = {}): PostgresConfig {
  return parseBackendConfig(postgresBackend, {
    url: db.url,
    schema_name: schema,
    application_name: APP,
    ...extra,
  }).config;
}

function taskNamed(tasks: readonly AdminTask[], name: string): AdminTask {
  const task = tasks.find((t) => t.name === name);
  if (task === undefined) throw new Error(`no task ${name} in ${tasks.map((t) => t.name).join(', ')}`);
  return task;
}

/** A migrated schema holding `rows` records (score 0..rows-1), written by a store that is closed again. */
async function seed(schema: string, rows: number): Promise<void> {
  const store = new PostgreSQLStorageBackend({ url: db.url, schema_name: schema, connection_pool_size: 1 });
  await store.connect();
  try {
    await store.saveMany(Array.from({ length: rows }, (_, i) => ({ id: `r${i}`, type: 'm', score: i })));
  } finally {
    await store.close();
  }
}

/** Runs a task and checks that its report survives JSON as it is (what `--json` prints). */
async function runJson<T>(task: AdminTask, options: Record<string, unknown> = {}): Promise<T> {
  const report = await task.run(options);
  expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  return report as T;
}

async function failure(promise: Promise<unknown>): Promise<StorageError> {
  const error = await promise.then(
    () => {
      throw new Error('expected the task to fail');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StorageError);
  return error as StorageError;
}

/** Sessions of this file's admin clients still open (a closed client's backend exits within moments). */
async function openAdminSessions(): Promise<number> {
  let n = 0;
  for (let i = 0; i < 20; i++) {
    const r = await db.sql<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
      [APP],
    );
    n = r.rows[0]!.n;
    if (n === 0) return 0;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return n;
}

const RANGE: PostgresConfigInput = {
  partitioning_enabled: true,
  partition_strategy: 'range',
  partition_premake: 2,
};

describe('partitionAdminTasks(config)', () => {
  it('offers one task per `recordstore partitions` command, each with a summary', () => {
    const tasks = partitionAdminTasks(configOf('unused'));
    expect(tasks.map((t) => t.name)).toEqual([
      'partitions.status',
      'partitions.maintain',
      'partitions.enable',
      'partitions.disable',
    ]);
    for (const t of tasks) expect(t.summary.length).toBeGreaterThan(10);
  });

  it('status, enable, maintain and disable on a table with rows report what they did and close their client', async () => {
    const schema = newSchema('atpart');
    await seed(schema, 30);
    const tasks = partitionAdminTasks(configOf(schema, RANGE));

    const before = await runJson(taskNamed(tasks, 'partitions.status'), { exact: true });
    expect(before).toEqual({
      layout: 'unpartitioned',
      strategy: 'none',
      column: null,
      partitions: [],
      totalRows: 30,
      totalSizeBytes: expect.any(Number),
    });

    const enabled = await runJson<Record<string, unknown>>(taskNamed(tasks, 'partitions.enable'), {
      batchSize: 7,
    });
    expect(enabled).toMatchObject({
      from: 'unpartitioned',
      to: 'range on created_at (monthly)',
      changed: true,
      rowsCopied: 30,
      keptAs: null,
    });
    expect(enabled.partitionsCreated).toContain('storage_records_default');
    expect(enabled.indexesCreated).toEqual(
      expect.arrayContaining(['storage_records_id_idx', 'storage_records_created_at_idx']),
    );

    const status = await runJson<{
      strategy: string;
      totalRows: number;
      partitions: Array<{ name: string; rows: number; rowsExact: boolean; from: string | null }>;
    }>(taskNamed(tasks, 'partitions.status'), { exact: true });
    expect(status).toMatchObject({ layout: 'range on created_at', strategy: 'range', totalRows: 30 });
    expect(status.partitions.every((p) => p.rowsExact)).toBe(true);
    expect(status.partitions.reduce((sum, p) => sum + p.rows, 0)).toBe(30);
    expect(status.partitions.find((p) => p.name === 'storage_records_default')).toMatchObject({
      rows: 0,
      from: null,
    });

    expect(await runJson(taskNamed(tasks, 'partitions.maintain'))).toEqual({
      ran: true,
      created: [],
      dropped: [],
      detached: [],
      rowsMoved: 0,
      durationMs: expect.any(Number),
    });
    expect(await runJson(taskNamed(tasks, 'partitions.enable'))).toMatchObject({ changed: false });

    const disabled = await runJson<Record<string, unknown>>(taskNamed(tasks, 'partitions.disable'), {
      keepOld: true,
    });
    expect(disabled).toMatchObject({
      from: 'range on created_at',
      to: 'unpartitioned',
      changed: true,
      rowsCopied: 30,
      indexesCreated: expect.arrayContaining(['storage_records_pkey']),
    });
    expect(disabled.keptAs).toMatch(/^storage_records_before_\d{14}$/);

    // The table is no longer in the configured layout: maintenance refuses and says what to run.
    const refused = await failure(taskNamed(tasks, 'partitions.maintain').run({}));
    expect(refused.kind).toBe('config');
    expect(refused.message).toMatch(/is unpartitioned, the config asks for range.*partitions enable/);
    expect(await openAdminSessions()).toBe(0);
  });

  it('enable carries row-level security, its policy, the audit trigger and grants over to the new table', async () => {
    const schema = newSchema('atextras');
    await seed(schema, 4);
    const inSchema = (text: string) => db.sql(`SET search_path = ${schema}; ${text}`);
    await inSchema(
      'ALTER TABLE storage_records ENABLE ROW LEVEL SECURITY; ALTER TABLE storage_records FORCE ROW LEVEL SECURITY; ' +
        'GRANT SELECT ON storage_records TO PUBLIC',
    );
    const extras = async () => {
      const [, result] = (await inSchema(
        `SELECT c.relkind::text AS kind, c.relrowsecurity AS rls, c.relforcerowsecurity AS force,
                (SELECT array_agg(polname::text ORDER BY polname) FROM pg_policy WHERE polrelid = c.oid) AS policies,
                (SELECT array_agg(tgname::text || ':' || tgenabled::text ORDER BY tgname) FROM pg_trigger
                  WHERE tgrelid = c.oid AND NOT tgisinternal) AS triggers,
                has_table_privilege('public', c.oid, 'SELECT') AS public_select
         FROM pg_class c WHERE c.oid = to_regclass('storage_records')`,
      )) as unknown as [unknown, { rows: Array<Record<string, unknown>> }];
      return result.rows[0]!;
    };
    const before = await extras();
    expect(before).toMatchObject({ kind: 'r', rls: true, force: true, public_select: true });
    const tasks = partitionAdminTasks(configOf(schema, RANGE));
    expect(await taskNamed(tasks, 'partitions.enable').run({})).toMatchObject({
      changed: true,
      rowsCopied: 4,
    });
    expect(await extras()).toEqual({ ...before, kind: 'p' });
  });

  it('enable refuses a config that does not enable partitioning, naming the key', async () => {
    const schema = newSchema('atnoparts');
    await seed(schema, 1);
    const error = await failure(
      taskNamed(partitionAdminTasks(configOf(schema)), 'partitions.enable').run({}),
    );
    expect(error.kind).toBe('config');
    expect(error.path).toBe('config.partitioning_enabled');
  });

  it('a schema that was never migrated is refused with the command to run, not an SQL error', async () => {
    const tasks = partitionAdminTasks(configOf(newSchema('atnotable')));
    const error = await failure(taskNamed(tasks, 'partitions.status').run({}));
    expect(error.kind).toBe('config');
    expect(error.message).toMatch(/storage_records does not exist in schema atnotable_.*migrate up/);
    expect(await openAdminSessions()).toBe(0);
  });

  it('the standalone entry points run the same commands on a parsed config', async () => {
    const schema = newSchema('atlegacy');
    await seed(schema, 3);
    const config = configOf(schema);
    const direct = await postgresPartitionStatus({ config, exact: true });
    const task = await taskNamed(partitionAdminTasks(config), 'partitions.status').run({ exact: true });
    expect(direct).toEqual(task);
    expect(direct.totalRows).toBe(3);
  });
});

describe('indexAdminTasks(config)', () => {
  const DECLARED = { indexes: [{ path: 'score', type: 'numeric' as const }] };

  it('offers indexes.analyze and indexes.ensure', () => {
    expect(indexAdminTasks(configOf('unused')).map((t) => t.name)).toEqual([
      'indexes.analyze',
      'indexes.ensure',
    ]);
  });

  it('analyze reports a missing declared index, ensure creates it once, analyze then EXPLAINs filters with it', async () => {
    const schema = newSchema('atidx');
    await seed(schema, 20);
    const tasks = indexAdminTasks(configOf(schema, DECLARED));
    const analyze = taskNamed(tasks, 'indexes.analyze');

    const before = await runJson<{ indexes: Array<{ name: string; verdict: string }>; verdict: string[] }>(
      analyze,
    );
    const declared = before.indexes.find((i) => i.verdict === 'missing');
    expect(declared?.name).toMatch(/^storage_records_d_score_[0-9a-f]{8}_idx$/);
    expect(before.indexes.find((i) => i.name === 'storage_records_pkey')?.verdict).toBe('essential');
    expect(before.verdict.join('\n')).toMatch(/declared index .* does not exist/);

    const ensure = taskNamed(tasks, 'indexes.ensure');
    expect(await runJson(ensure)).toEqual({ created: [declared!.name], rebuilt: [], statistics: [] });
    expect(await runJson(ensure, {})).toEqual({ created: [], rebuilt: [], statistics: [] });

    // A filter as the command line passes it (JSON text), then a list of filter objects.
    const one = await runJson<{
      indexes: Array<{ name: string; verdict: string; declared: boolean }>;
      filters: Array<{ filter: unknown; sequentialScan: boolean; nodes: string[] }>;
    }>(analyze, { filter: '{"score":{"$gt":3}}' });
    expect(one.indexes.find((i) => i.name === declared!.name)).toMatchObject({ declared: true });
    expect(one.indexes.some((i) => i.verdict === 'missing')).toBe(false);
    expect(one.filters).toEqual([
      {
        filter: { score: { $gt: 3 } },
        sequentialScan: expect.any(Boolean),
        indexes: expect.any(Array),
        nodes: expect.any(Array),
      },
    ]);
    expect(one.filters[0]!.nodes.length).toBeGreaterThan(0);
    const two = await runJson<{ filters: Array<{ filter: unknown }> }>(analyze, {
      filter: [{ score: { $lt: 2 } }, { type: 'm' }],
    });
    expect(two.filters.map((f) => f.filter)).toEqual([{ score: { $lt: 2 } }, { type: 'm' }]);
    expect(await openAdminSessions()).toBe(0);
  });
});

describe('admin task options', () => {
  // Nothing listens on port 1: a task that connected before validating would fail with a connection error.
  const unreachable = parseBackendConfig(postgresBackend, {
    url: 'postgres://nobody@127.0.0.1:1/none',
    connect_timeout: 1,
  }).config;
  const tasks = [...partitionAdminTasks(unreachable), ...indexAdminTasks(unreachable)];

  it.each([
    [
      'partitions.status',
      { exact: 'yes' },
      'exact',
      /partitions\.status: option exact must be true or false, got "yes"/,
    ],
    [
      'partitions.enable',
      { batchSize: 0 },
      'batchSize',
      /option batchSize must be a positive integer, got 0/,
    ],
    ['partitions.disable', { batchSize: 2.5 }, 'batchSize', /must be a positive integer, got 2\.5/],
    ['partitions.disable', { keepOld: 1 }, 'keepOld', /option keepOld must be true or false/],
    ['partitions.enable', { log: 'verbose' }, 'log', /option log must be a function/],
    [
      'partitions.status',
      { exactt: true },
      'exactt',
      /option exactt is not an option of partitions\.status; it takes exact\./,
    ],
    [
      'partitions.maintain',
      { force: true },
      'force',
      /not an option of partitions\.maintain; it takes no options/,
    ],
    [
      'indexes.analyze',
      { filter: '{"score":' },
      'filter',
      /option filter must be a filter object or its JSON text.*is not JSON/,
    ],
    [
      'indexes.analyze',
      { filter: [{ score: { $near: 1 } }] },
      'filter',
      /option filter must be a filter or a list of filters; filter\[0\]/,
    ],
    ['indexes.ensure', { concurrently: true }, 'concurrently', /not an option of indexes\.ensure/],
  ] as const)(
    '%s refuses %o before connecting, naming options.%s',
    async (name, options, option, message) => {
      const error = await failure(taskNamed(tasks, name).run(options));
      expect(error.kind).toBe('validation');
      expect(error.path).toBe(`options.${option}`);
      expect(error.message).toMatch(message);
    },
  );

  it('accepts the values a command line gives (strings of digits, "true")', async () => {
    // Valid options get as far as connecting: the failure is then the connection's, not the options'.
    const error = await failure(
      taskNamed(tasks, 'partitions.enable').run({ batchSize: '500', keepOld: 'true', log: () => {} }),
    );
    expect(error.kind).toBe('connection');
  });

  it('refuses options that are not an object', async () => {
    const error = await failure(
      taskNamed(tasks, 'partitions.status').run('exact' as unknown as Record<string, unknown>),
    );
    expect(error).toMatchObject({ kind: 'validation', path: 'options' });
  });
});
