import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ProvisionedPostgres, provisionPostgres } from '@recordstore/testkit/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, requireBuild, runCliProcess, tempDir } from './helpers.js';

// `recordstore partitions status|maintain|enable|disable` and `recordstore indexes [create]` (aliases of the
// backend's admin tasks) and `recordstore task` against a real PostgreSQL server, as separate processes.
describe('recordstore partitions and indexes against PostgreSQL', () => {
  const tmp = tempDir();
  let server: ProvisionedPostgres;
  let env: Record<string, string>;

  beforeAll(async () => {
    requireBuild();
    server = await provisionPostgres();
    env = { DATABASE_URL: await server.createDatabase(), NO_COLOR: '1' };
    const yaml = (extra: string) => `default: pg
storage_types:
  pg:
    class: postgresql
    config:
      url: "\${DATABASE_URL}"
${extra}`;
    writeFileSync(join(tmp.dir, 'plain.yaml'), yaml(''));
    writeFileSync(
      join(tmp.dir, 'parted.yaml'),
      yaml(`      partitioning_enabled: true
      partition_strategy: range
      partition_interval: monthly
      partition_premake: 2
      indexes:
        - { path: score, type: numeric }
`),
    );
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    tmp.cleanup();
  });

  const run = (config: string, ...args: string[]) =>
    runCliProcess(['-c', config, ...args], { cwd: tmp.dir, env });

  it('enable converts a table with rows; status, maintain, indexes and disable work on it', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await run('plain.yaml', 'put', JSON.stringify({ type: 'm', score: i }))).code).toBe(0);
    }
    const before = parseJson<{ layout: string; totalRows: number }>(
      await run('plain.yaml', 'partitions', 'status', '--exact', '--json'),
    );
    expect(before).toMatchObject({ layout: 'unpartitioned', totalRows: 5 });

    // The partitioned config refuses the table with rows, naming the command.
    const refused = await run('parted.yaml', 'health');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('recordstore partitions enable');

    const enable = await run('parted.yaml', 'partitions', 'enable', '--batch-size', '2', '--json');
    expect(enable.code).toBe(0);
    expect(parseJson(enable)).toMatchObject({
      from: 'unpartitioned',
      to: 'range on created_at (monthly)',
      changed: true,
      rowsCopied: 5,
    });
    const status = await run('parted.yaml', 'partitions', 'status', '--exact');
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('layout: range on created_at');
    expect(status.stdout).toMatch(/- name: storage_records_default\n(?:\s+\w+: .*\n)*?\s+rows: 0\n/);
    // The generic command runs the same task.
    const viaTask = parseJson<{ layout: string }>(
      await run('parted.yaml', 'task', 'partitions.status', '--exact', '--json'),
    );
    expect(viaTask.layout).toMatch(/^range on created_at/);
    const maintain = parseJson<{ ran: boolean; created: string[] }>(
      await run('parted.yaml', 'partitions', 'maintain', '--json'),
    );
    expect(maintain).toMatchObject({ ran: true, created: [] });

    const missing = parseJson<{ verdict: string[] }>(
      await run('parted.yaml', 'indexes', '--json', '--filter', '{"score":{"$gt":3}}'),
    );
    expect(missing.verdict.join('\n')).toMatch(/declared index .* does not exist/);
    const created = parseJson<{ created: string[] }>(await run('parted.yaml', 'indexes', 'create', '--json'));
    expect(created.created).toHaveLength(1);
    const human = await run('parted.yaml', 'indexes');
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('verdict:');
    expect(human.stdout).toContain(created.created[0]);
    const tasks = parseJson<{ tasks: { name: string }[] }>(
      await run('parted.yaml', 'task', '--list', '--json'),
    );
    expect(tasks.tasks.map((t) => t.name)).toEqual(
      expect.arrayContaining(['partitions.status', 'partitions.enable', 'indexes.analyze', 'indexes.ensure']),
    );
    expect((await run('parted.yaml', 'health')).code).toBe(0);

    const disable = parseJson(await run('plain.yaml', 'partitions', 'disable', '--json'));
    expect(disable).toMatchObject({ to: 'unpartitioned', rowsCopied: 5 });
    expect(parseJson<{ records: unknown[] }>(await run('plain.yaml', 'list', '--json')).records).toHaveLength(
      5,
    );
  });

  it('maintain refuses a table that is not in the configured layout, and other backends', async () => {
    const maintain = await run('parted.yaml', 'partitions', 'maintain');
    expect(maintain.code).not.toBe(0);
    expect(maintain.stderr).toContain('run `recordstore partitions enable` first');
    writeFileSync(
      join(tmp.dir, 'sqlite.yaml'),
      'default: s\nstorage_types:\n  s:\n    class: sqlite\n    config:\n      path: ./x.db\n',
    );
    const sqlite = await run('sqlite.yaml', 'partitions', 'status');
    expect(sqlite.code).toBe(2);
    expect(sqlite.stderr).toContain('partitions status (storage "s"): the sqlite backend');
  });
});
