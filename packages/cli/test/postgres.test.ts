import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ProvisionedPostgres, provisionPostgres } from '@recordstore/testkit/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, requireBuild, runCliProcess, tempDir } from './helpers.js';

interface MigrateJson {
  backend: string;
  changed: string[];
  pending: number;
  migrations: { name: string; applied: boolean }[];
  details: Record<string, unknown>;
}

// A real PostgreSQL server (testkit: RECORDSTORE_TEST_POSTGRES_URL, Testcontainers, or a local cluster).
describe('recordstore against PostgreSQL', () => {
  const tmp = tempDir();
  let server: ProvisionedPostgres;
  let env: Record<string, string>;

  beforeAll(async () => {
    requireBuild();
    server = await provisionPostgres();
    env = { DATABASE_URL: await server.createDatabase() };
    // auto_migrate off, so the migrate commands are what creates the schema.
    writeFileSync(
      join(tmp.dir, 'recordstore.yaml'),
      `default: pg
storage_types:
  pg:
    class: postgresql
    config:
      url: "\${DATABASE_URL}"
      auto_migrate: false
`,
    );
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    tmp.cleanup();
  });

  const run = (...args: string[]) => runCliProcess(args, { cwd: tmp.dir, env: { ...env, NO_COLOR: '1' } });

  it('migrate status lists the pending migration; health says the database is not migrated (exit 1)', async () => {
    const status = await run('migrate', 'status', '--json');
    expect(status.code).toBe(0);
    const report = parseJson<MigrateJson>(status);
    expect(report).toMatchObject({ backend: 'postgresql', details: { schema: 'public' } });
    expect(report.pending).toBeGreaterThan(0);
    const health = await run('health');
    expect(health.code).toBe(1);
    expect(health.stdout).toContain('postgresql: unhealthy');
    expect(health.stdout).toContain('recordstore migrate up');
  });

  it('migrate up --dry-run changes nothing; migrate up applies, and a second up has nothing to do', async () => {
    const dry = parseJson<MigrateJson>(await run('migrate', 'up', '--dry-run', '--json'));
    expect(dry.changed.length).toBeGreaterThan(0);
    expect(parseJson<MigrateJson>(await run('migrate', 'status', '--json')).pending).toBe(dry.changed.length);

    const up = await run('migrate', 'up', '--json');
    expect(up.code).toBe(0);
    expect(parseJson<MigrateJson>(up)).toMatchObject({ changed: dry.changed, pending: 0 });
    expect(parseJson<MigrateJson>(await run('migrate', 'up', '--json')).changed).toEqual([]);
    const health = await run('health', '--json');
    expect(health.code).toBe(0);
    expect(parseJson(health)).toMatchObject({ status: 'healthy', backend: 'postgresql' });
  });

  it('put / get / list / delete and the tour work on the migrated database', async () => {
    const id = (
      await run('put', '{"type":"message","session_id":"pg-1","metadata":{"tokens":700}}')
    ).stdout.trim();
    expect(JSON.parse((await run('get', id)).stdout)).toMatchObject({ id, session_id: 'pg-1' });
    const list = parseJson<{ records: { id: string }[] }>(
      await run('list', '--json', '--filter', '{"metadata.tokens":{"$gt":500}}'),
    );
    expect(list.records.map((r) => r.id)).toContain(id);
    expect((await run('delete', id)).code).toBe(0);
    expect((await run('get', id)).code).toBe(3);
    const tour = await run('tour', '--json');
    expect(tour.code).toBe(0);
    expect(parseJson(tour)).toMatchObject({ ok: true, store: { backend: 'postgresql' } });
  });

  it('migrate down --count 1 reverts the last migration', async () => {
    const down = await run('migrate', 'down', '--count', '1', '--json');
    expect(down.code).toBe(0);
    const report = parseJson<MigrateJson>(down);
    expect(report.changed).toHaveLength(1);
    expect(report.pending).toBe(1);
    expect((await run('health')).code).toBe(1);
    expect(parseJson<MigrateJson>(await run('migrate', 'up', '--json')).pending).toBe(0);
  });

  it('an unreachable server is unhealthy (exit 1) and its password is never printed', async () => {
    const result = await runCliProcess(['health'], {
      cwd: tmp.dir,
      env: { DATABASE_URL: 'postgres://app:pw-s3cret-42@127.0.0.1:1/nowhere' },
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('unhealthy');
    expect(`${result.stdout}${result.stderr}`).not.toContain('pw-s3cret-42');
    const list = await runCliProcess(['list', '--json', '--verbose'], {
      cwd: tmp.dir,
      env: { DATABASE_URL: 'postgres://app:pw-s3cret-42@127.0.0.1:1/nowhere' },
    });
    expect(list.code).toBe(1);
    expect(parseJson<{ error: { kind: string } }>(list).error.kind).toBe('connection');
    expect(`${list.stdout}${list.stderr}`).not.toContain('pw-s3cret-42');
  });
});
