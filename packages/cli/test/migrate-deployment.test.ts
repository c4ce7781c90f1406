import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ProvisionedPostgres, provisionPostgres } from '@recordstore/testkit/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, requireBuild, runCliProcess, tempDir } from './helpers.js';

interface MigrateJson {
  command: string;
  changed: string[];
  pending: number;
  migrations: { name: string; applied: boolean; source?: string }[];
  details: Record<string, unknown>;
}

const NOTES =
  '-- Up Migration\nCREATE TABLE notes (id text PRIMARY KEY);\n-- Down Migration\nDROP TABLE notes;\n';

// The config lives in ./deploy and the commands run from the folder above it: migrations_dir resolves
// against the config file's folder, not the working directory.
describe("recordstore migrate: the deployment's migrations beside the config (SQLite)", () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);
  const config = join(tmp.dir, 'deploy', 'recordstore.yaml');
  const run = (...args: string[]) =>
    runCliProcess([...args, '-c', config], { cwd: tmp.dir, env: { NO_COLOR: '1' } });
  beforeAll(() => {
    requireBuild();
    mkdirSync(join(tmp.dir, 'deploy'));
    const db = join(tmp.dir, 'deploy', 'app.db');
    writeFileSync(
      config,
      `storage_types:\n  local:\n    class: sqlite\n    config:\n      path: ${JSON.stringify(db)}\n`,
    );
  });

  it('create writes into ./migrations beside the config; up applies it after the shipped ones; status says whose', async () => {
    const created = parseJson<{ file: string }>(await run('migrate', 'create', 'add notes', '--json'));
    expect(created.file).toMatch(/[\\/]deploy[\\/]migrations[\\/]\d{13}_add_notes\.sql$/);
    writeFileSync(created.file, NOTES);
    const name = created.file.replace(/^.*[\\/]/, '').replace(/\.sql$/, '');

    const status = parseJson<MigrateJson>(await run('migrate', 'status', '--json'));
    expect(status.migrations.at(-1)).toEqual({ name, applied: false, appliedAt: null, source: 'deployment' });
    expect(status.migrations[0]?.source).toBe('shipped');
    expect(status.details.migrationsDir).toBe(join(tmp.dir, 'deploy', 'migrations'));

    const up = parseJson<MigrateJson>(await run('migrate', 'up', '--json'));
    expect(up.changed.at(-1)).toBe(name);
    expect(up.pending).toBe(0);
    const text = await run('migrate', 'status');
    expect(text.stdout).toMatch(new RegExp(`applied  ${name}  \\S+  \\(deployment\\)`));
    expect(text.stdout).toMatch(/applied {2}0001-create_storage_records {2}\S+ {2}\(shipped\)/);
    expect(text.stdout).toContain('forward-only');
  });
});

describe('recordstore migrate on PostgreSQL: deployment migrations, config-driven settings, baseline', () => {
  const tmp = tempDir();
  let server: ProvisionedPostgres;
  let env: Record<string, string>;
  const config = join(tmp.dir, 'deploy', 'recordstore.yaml');
  const run = (...args: string[]) => runCliProcess([...args, '-c', config], { cwd: tmp.dir, env });
  const write = (extra: string) =>
    writeFileSync(
      config,
      `storage_types:\n  pg:\n    class: postgresql\n    config:\n      url: "\${DATABASE_URL}"\n      auto_migrate: false\n${extra}`,
    );

  beforeAll(async () => {
    requireBuild();
    server = await provisionPostgres();
    env = { DATABASE_URL: await server.createDatabase(), NO_COLOR: '1' };
    mkdirSync(join(tmp.dir, 'deploy'));
    write('');
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    tmp.cleanup();
  });

  it('a migration made by `migrate create` beside the config is applied by `migrate up` and listed by status', async () => {
    const created = parseJson<{ file: string }>(await run('migrate', 'create', 'add_notes', '--json'));
    expect(created.file.startsWith(join(tmp.dir, 'deploy', 'migrations'))).toBe(true);
    writeFileSync(created.file, NOTES);
    const name = created.file.replace(/^.*[\\/]/, '').replace(/\.sql$/, '');
    const up = parseJson<MigrateJson>(await run('migrate', 'up', '--json'));
    expect(up.changed.at(-1)).toBe(name);
    expect(up.changed.slice(0, -1).every((m) => /^\d+_/.test(m))).toBe(true);
    const status = parseJson<MigrateJson>(await run('migrate', 'status', '--json'));
    expect(status.pending).toBe(0);
    expect(status.migrations.filter((m) => m.source === 'deployment').map((m) => m.name)).toEqual([name]);
    const text = await run('migrate', 'status');
    expect(text.stdout).toMatch(new RegExp(`applied  ${name}  \\S+  \\(deployment\\)`));
    // down reverts the deployment's migration first.
    const down = parseJson<MigrateJson>(await run('migrate', 'down', '--json'));
    expect(down.changed).toEqual([name]);
    expect(parseJson<MigrateJson>(await run('migrate', 'up', '--json')).changed).toEqual([name]);
  });

  it('connect refuses settings the database lacks (auto_migrate: false); `migrate up` applies them', async () => {
    write('      audit_enabled: true\n');
    const refused = await run('count');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/audit_enabled: .*disabled/);
    expect(refused.stderr).toContain('recordstore migrate up');
    const status = parseJson<MigrateJson>(await run('migrate', 'status', '--json'));
    expect(status.details.settings).toEqual([expect.stringMatching(/^audit_enabled: /)]);
    const up = await run('migrate', 'up');
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain('- audit_enabled: enable the audit trigger');
    expect((await run('count')).code).toBe(0);
    write('');
  });

  it("`migrate baseline` adopts a table made with the design's DDL, and refuses one of another shape", async () => {
    // The design's table (its SQLAlchemy model as SQLAlchemy emits it) and one of another shape, by psql.
    execFileSync('psql', [
      env.DATABASE_URL!,
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      `
      CREATE SCHEMA design; CREATE TABLE design.storage_records (
        id VARCHAR NOT NULL, data JSONB NOT NULL, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL,
        expires_at TIMESTAMP, compressed BOOLEAN, type VARCHAR, session_id VARCHAR, thread_id VARCHAR,
        metadata JSONB, PRIMARY KEY (id));
      CREATE SCHEMA wrong; CREATE TABLE wrong.storage_records (id integer PRIMARY KEY, data text);`,
    ]);
    write('      schema_name: wrong\n');
    const refused = await run('migrate', 'baseline');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'ALTER TABLE storage_records ALTER COLUMN "data" TYPE jsonb USING "data"::jsonb;',
    );

    write('      schema_name: design\n');
    const adopted = parseJson<MigrateJson>(await run('migrate', 'baseline', '--json'));
    expect(adopted.command).toBe('baseline');
    expect(adopted.changed).toEqual([expect.stringMatching(/_create-storage-records$/)]);
    expect(adopted.pending).toBeGreaterThan(0);
    const up = parseJson<MigrateJson>(await run('migrate', 'up', '--json'));
    expect(up.pending).toBe(0);
    const put = await run('put', '{"id":"adopted","type":"note"}');
    expect(put.code, put.stderr).toBe(0);
    write('');
  });
});
