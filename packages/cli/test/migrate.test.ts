import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, requireBuild, runCliProcess, tempDir } from './helpers.js';

// `migrate create` writes files only, through the selected backend's migrator; `migrate up|down|status` are
// covered in operator.test.ts (SQLite), third-party-backend.test.ts, postgres.test.ts and
// migrate.postgres.test.ts (PostgreSQL).
describe('recordstore migrate create', () => {
  const tmp = tempDir();
  const run = (args: string[]) => runCliProcess(args, { cwd: tmp.dir, env: { NO_COLOR: '1' } });
  // A PostgreSQL storage type that names an unreachable server: create must not connect.
  const pgConfig = join(tmp.dir, 'pg.yaml');
  beforeAll(() => {
    requireBuild();
    writeFileSync(
      pgConfig,
      'storage_types:\n  pg:\n    class: postgresql\n    config:\n      url: postgres://nobody@127.0.0.1:1/none\n',
    );
  });
  afterAll(tmp.cleanup);

  it('writes a timestamped node-pg-migrate SQL file with Up and Down sections into --dir', async () => {
    const result = await run([
      'migrate',
      'create',
      'add tenant index',
      '--dir',
      './migrations',
      '-c',
      pgConfig,
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const created = parseJson<{ backend: string; storage: string; name: string; file: string }>(result);
    expect(created).toMatchObject({ backend: 'postgresql', storage: 'pg', name: 'add_tenant_index' });
    expect(created.file).toMatch(/[\\/]migrations[\\/]\d{13}_add_tenant_index\.sql$/);
    const text = readFileSync(created.file, 'utf8');
    expect(text.startsWith('-- Up Migration\n')).toBe(true);
    expect(text).toContain('\n-- Down Migration\n');
    // No database was touched, and no embedded store was created.
    expect(existsSync(join(tmp.dir, 'data'))).toBe(false);
  });

  it('the new file sorts after every existing one, even one stamped ahead of the clock', async () => {
    const dir = join(tmp.dir, 'db', 'migrations');
    mkdirSync(dir, { recursive: true });
    const future = Date.now() + 10 * 365 * 86_400_000;
    writeFileSync(join(dir, `${future}_from-the-future.sql`), '-- Up Migration\n-- Down Migration\n');
    const result = await run(['migrate', 'create', 'next-step', '--dir', './db/migrations', '-c', pgConfig]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`created ${join(dir, `${future + 1}_next-step.sql`)}`);
    expect(readdirSync(dir).sort().at(-1)).toBe(`${future + 1}_next-step.sql`);
  });

  it('refuses a bad name (exit 2) before resolving any store', async () => {
    for (const name of ['../escape', '-x', 'a;b', '']) {
      const result = await run(['migrate', 'create', name]);
      expect(result.code, name).toBe(2);
    }
  });

  it('SQLite writes into ./migrations beside its config file; the embedded default (no file) is refused (exit 2)', async () => {
    const file = join(tmp.dir, 'conf', 'sqlite.yaml');
    mkdirSync(join(tmp.dir, 'conf'));
    writeFileSync(file, 'storage_types:\n  local:\n    class: sqlite\n    config:\n      path: ./x.db\n');
    const result = await run(['migrate', 'create', 'anything', '--config', file, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const created = parseJson<{ backend: string; file: string }>(result);
    expect(created.backend).toBe('sqlite');
    expect(created.file).toMatch(/[\\/]conf[\\/]migrations[\\/]\d{13}_anything\.sql$/);
    // The embedded default has no config file, so no migrations_dir that `migrate up` would apply.
    const embedded = await run(['migrate', 'create', 'anything', '--json']);
    expect(embedded.code).toBe(2);
    expect(parseJson<{ error: { message: string } }>(embedded).error.message).toContain('no config file');
    expect(existsSync(join(tmp.dir, 'x.db'))).toBe(false);
  });
});
