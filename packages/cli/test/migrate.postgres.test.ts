import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ProvisionedPostgres, provisionPostgres } from '@recordstore/testkit/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, requireBuild, runCliProcess, tempDir } from './helpers.js';

interface MigrateJson {
  changed: string[];
  pending: number;
  sql?: string[];
  migrations: { name: string; applied: boolean }[];
}

// Real PostgreSQL (testkit), real processes.
describe('recordstore migrate on PostgreSQL: --dry-run SQL and concurrent runs', () => {
  const tmp = tempDir();
  let server: ProvisionedPostgres;
  let env: Record<string, string>;

  beforeAll(async () => {
    requireBuild();
    server = await provisionPostgres();
    env = { DATABASE_URL: await server.createDatabase(), NO_COLOR: '1' };
    writeFileSync(
      join(tmp.dir, 'recordstore.yaml'),
      `storage_types:\n  pg:\n    class: postgresql\n    config:\n      url: "\${DATABASE_URL}"\n      auto_migrate: false\n`,
    );
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    tmp.cleanup();
  });
  const run = (...args: string[]) => runCliProcess(args, { cwd: tmp.dir, env });

  it('up --dry-run prints the SQL of every pending migration (the (updated_at, id) index included) and runs none', async () => {
    const dry = await run('migrate', 'up', '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/-- \d+_create-storage-records \(up\)\nBEGIN;/);
    expect(dry.stdout).toContain('CREATE TABLE storage_records');
    expect(dry.stdout).toContain(
      'CREATE INDEX IF NOT EXISTS storage_records_updated_at_id_idx ON storage_records (updated_at, id)',
    );
    expect(dry.stdout).toContain('COMMIT;');
    const json = parseJson<MigrateJson>(await run('migrate', 'up', '--dry-run', '--json'));
    expect(json.sql?.length).toBe(json.changed.length);
    const status = parseJson<MigrateJson>(await run('migrate', 'status', '--json'));
    expect(status.pending).toBe(json.changed.length);
    expect(status.migrations.every((m) => !m.applied)).toBe(true);
  });

  it('three concurrent `migrate up` processes: one migrates, the others wait and find nothing to do', async () => {
    const results = await Promise.all([1, 2, 3].map(() => run('migrate', 'up', '--json')));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const reports = results.map((r) => parseJson<MigrateJson>(r));
    const migrated = reports.filter((r) => r.changed.length > 0);
    expect(migrated).toHaveLength(1);
    expect(reports.filter((r) => r.changed.length === 0)).toHaveLength(2);
    // Every migration applied exactly once, and the store works.
    const status = parseJson<MigrateJson>(await run('migrate', 'status', '--json'));
    expect(status.pending).toBe(0);
    expect(status.migrations.map((m) => m.name)).toEqual(migrated[0]!.changed);
    expect(new Set(status.migrations.map((m) => m.name)).size).toBe(status.migrations.length);
    expect(parseJson(await run('health', '--json'))).toMatchObject({ status: 'healthy' });
    const id = (await run('put', '{"type":"note","text":"after concurrent migrations"}')).stdout.trim();
    expect((await run('get', id)).code).toBe(0);
  });

  it('down --dry-run prints the undo of the last migration and changes nothing', async () => {
    const dry = parseJson<MigrateJson>(await run('migrate', 'down', '--dry-run', '--json'));
    expect(dry.changed).toHaveLength(1);
    expect(dry.sql?.join('\n')).toMatch(/DROP|DELETE FROM/);
    expect(parseJson<MigrateJson>(await run('migrate', 'status', '--json')).pending).toBe(0);
  });
});
