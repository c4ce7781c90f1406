import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, requireBuild, runCliProcess, tempDir } from './helpers.js';

// `migrate create` writes files only; `migrate up|down|status` are covered in operator.test.ts (SQLite),
// postgres.test.ts and migrate.postgres.test.ts (PostgreSQL).
describe('recordstore migrate create', () => {
  const tmp = tempDir();
  const run = (args: string[]) => runCliProcess(args, { cwd: tmp.dir, env: { NO_COLOR: '1' } });
  beforeAll(requireBuild);
  afterAll(tmp.cleanup);

  it('writes a timestamped node-pg-migrate SQL file with Up and Down sections into ./migrations', async () => {
    const result = await run(['migrate', 'create', 'add tenant index', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const created = parseJson<{ backend: string; name: string; file: string }>(result);
    expect(created).toMatchObject({ backend: 'postgresql', name: 'add_tenant_index' });
    expect(created.file).toMatch(/[\\/]migrations[\\/]\d{13}_add_tenant_index\.sql$/);
    const text = readFileSync(created.file, 'utf8');
    expect(text.startsWith('-- Up Migration\n')).toBe(true);
    expect(text).toContain('\n-- Down Migration\n');
    // No database was touched: the embedded SQLite store was not even created.
    expect(existsSync(join(tmp.dir, 'data'))).toBe(false);
  });

  it('the new file sorts after every existing one, even one stamped ahead of the clock', async () => {
    const dir = join(tmp.dir, 'db', 'migrations');
    mkdirSync(dir, { recursive: true });
    const future = Date.now() + 10 * 365 * 86_400_000;
    writeFileSync(join(dir, `${future}_from-the-future.sql`), '-- Up Migration\n-- Down Migration\n');
    const result = await run(['migrate', 'create', 'next-step', '--dir', './db/migrations']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`created ${join(dir, `${future + 1}_next-step.sql`)}`);
    expect(readdirSync(dir).sort().at(-1)).toBe(`${future + 1}_next-step.sql`);
  });

  it('refuses a bad name (exit 2)', async () => {
    for (const name of ['../escape', '-x', 'a;b', '']) {
      const result = await run(['migrate', 'create', name]);
      expect(result.code, name).toBe(2);
    }
  });

  it('refuses when the selected store is SQLite, explaining where its migrations live (exit 2)', async () => {
    const file = join(tmp.dir, 'sqlite.yaml');
    writeFileSync(file, 'storage_types:\n  local:\n    class: sqlite\n    config:\n      path: ./x.db\n');
    const result = await run(['migrate', 'create', 'anything', '--config', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('SQLite migrations ship inside @recordstore/sqlite');
    expect(result.stderr).toContain('--storage');
    // A PostgreSQL storage type of the same file is fine (nothing connects).
    writeFileSync(
      file,
      'default: local\nstorage_types:\n  local:\n    class: sqlite\n    config:\n      path: ./x.db\n  pg:\n    class: postgresql\n    config:\n      url: postgres://nobody@127.0.0.1:1/none\n',
    );
    const pg = await run(['migrate', 'create', 'ok_for_pg', '--config', file, '--storage', 'pg']);
    expect(pg.code, pg.stderr).toBe(0);
  });
});
