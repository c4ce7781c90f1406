import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANSI, parseJson, requireBuild, runCliProcess, tempDir } from './helpers.js';

beforeAll(requireBuild);

describe('recordstore init', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);

  it('writes a commented starter config that config check accepts', async () => {
    const init = await runCliProcess(['init'], { cwd: tmp.dir });
    expect(init.code).toBe(0);
    const text = readFileSync(join(tmp.dir, 'recordstore.yaml'), 'utf8');
    expect(text).toMatch(/^# recordstore configuration/);
    expect(text).toContain('class: sqlite');
    const check = await runCliProcess(['config', 'check', '--json'], { cwd: tmp.dir });
    expect(check.code).toBe(0);
    expect(parseJson(check)).toMatchObject({
      valid: true,
      storageTypes: [{ name: 'default', backend: 'sqlite' }],
    });
    // The starter config works for real: a record saved through it lands in its file.
    expect((await runCliProcess(['put', '{"id":"p"}'], { cwd: tmp.dir })).code).toBe(0);
    expect(existsSync(join(tmp.dir, 'data', 'recordstore.db'))).toBe(true);
  });

  it('refuses to overwrite without --force', async () => {
    writeFileSync(join(tmp.dir, 'recordstore.yaml'), '# mine\nstorage_types:\n  m:\n    class: memory\n');
    const again = await runCliProcess(['init'], { cwd: tmp.dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists; pass --force');
    expect(readFileSync(join(tmp.dir, 'recordstore.yaml'), 'utf8')).toMatch(/^# mine/);
    const forced = await runCliProcess(['init', '--force', '--json'], { cwd: tmp.dir });
    expect(forced.code).toBe(0);
    expect(parseJson(forced)).toEqual({ file: join(tmp.dir, 'recordstore.yaml'), overwritten: true });
  });

  it('writes to the --config path', async () => {
    const result = await runCliProcess(['init', '--config', 'conf/store.yaml'], { cwd: tmp.dir });
    expect(result.code).toBe(0);
    expect(existsSync(join(tmp.dir, 'conf', 'store.yaml'))).toBe(true);
  });
});

describe('recordstore migrate on SQLite', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);
  const db = () => join(tmp.dir, 'data', 'recordstore.db');

  it('status reports pending migrations without creating the database', async () => {
    const status = await runCliProcess(['migrate', 'status', '--json'], { cwd: tmp.dir });
    expect(status.code).toBe(0);
    const report = parseJson<{ pending: number; migrations: { name: string; applied: boolean }[] }>(status);
    expect(report.pending).toBeGreaterThan(0);
    expect(report.migrations.every((m) => !m.applied)).toBe(true);
    expect(existsSync(db())).toBe(false);
  });

  it('up --dry-run prints the SQL and changes nothing', async () => {
    const dry = await runCliProcess(['migrate', 'up', '--dry-run'], { cwd: tmp.dir });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('would be applied');
    expect(dry.stdout).toMatch(/CREATE TABLE/i);
    expect(existsSync(db())).toBe(false);
  });

  it('up applies them, then status shows none pending; down is refused (forward-only)', async () => {
    const up = await runCliProcess(['migrate', 'up', '--json'], { cwd: tmp.dir });
    expect(up.code).toBe(0);
    const applied = parseJson<{ changed: string[]; pending: number }>(up);
    expect(applied.changed.length).toBeGreaterThan(0);
    expect(applied.pending).toBe(0);
    const again = parseJson<{ changed: string[] }>(
      await runCliProcess(['migrate', 'up', '--json'], { cwd: tmp.dir }),
    );
    expect(again.changed).toEqual([]);
    const status = await runCliProcess(['migrate', 'status'], { cwd: tmp.dir, env: { NO_COLOR: '1' } });
    expect(status.stdout).toContain('migrations (0 pending)');
    expect(status.stdout).toContain('applied  0001-');
    const down = await runCliProcess(['migrate', 'down'], { cwd: tmp.dir });
    expect(down.code).toBe(2);
    expect(down.stderr).toContain('forward-only');
  });

  it('the memory backend has nothing to migrate: unsupported, naming backend, storage and capability (exit 2)', async () => {
    const file = join(tmp.dir, 'mem.yaml');
    writeFileSync(file, 'storage_types:\n  m:\n    class: memory\n');
    const result = await runCliProcess(['migrate', 'status', '--config', file], { cwd: tmp.dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'migrate status (storage "m"): the memory backend does not offer the "migrator" capability',
    );
  });
});

describe('health, stats, --json, exit codes and colours', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);

  it('health exits 0 when healthy and 1 when the store cannot be opened', async () => {
    const ok = await runCliProcess(['health', '--json'], { cwd: tmp.dir });
    expect(ok.code).toBe(0);
    expect(parseJson(ok)).toMatchObject({ status: 'healthy', backend: 'sqlite', storage: 'default' });
    writeFileSync(
      join(tmp.dir, 'not-a-db'),
      'this is not an SQLite file, just some text that is long enough',
    );
    const file = join(tmp.dir, 'broken.yaml');
    writeFileSync(
      file,
      'storage_types:\n  broken:\n    class: sqlite\n    config:\n      path: ./not-a-db\n',
    );
    const bad = await runCliProcess(['health', '--config', file, '--json'], { cwd: tmp.dir });
    expect(bad.code).toBe(1);
    expect(parseJson<{ status: string; error: string }>(bad)).toMatchObject({ status: 'unhealthy' });
    const human = await runCliProcess(['health', '--config', file], { cwd: tmp.dir, env: { NO_COLOR: '1' } });
    expect(human.code).toBe(1);
    expect(human.stdout).toContain('sqlite: unhealthy');
  });

  it('every command prints exactly one JSON document with --json', async () => {
    const commands = [
      ['put', '{"id":"j1","type":"t"}'],
      ['get', 'j1'],
      ['list'],
      ['count'],
      ['stats'],
      ['health'],
      ['cleanup'],
      ['config', 'check'],
      ['config', 'print'],
      ['migrate', 'status'],
      ['task', '--list'],
      ['partitions', 'status'],
      ['delete', 'j1'],
      ['get', 'j1'],
      ['no-such-command'],
    ];
    for (const args of commands) {
      const result = await runCliProcess([...args, '--json'], { cwd: tmp.dir });
      expect(() => parseJson(result), args.join(' ')).not.toThrow();
    }
    const stats = parseJson<{ backend: string; records: number }>(
      await runCliProcess(['stats', '--json'], { cwd: tmp.dir }),
    );
    expect(stats.backend).toBe('sqlite');
    expect(typeof stats.records).toBe('number');
  });

  it('usage errors exit 2 with "recordstore: <message>" on stderr', async () => {
    const unknown = await runCliProcess(['lst'], { cwd: tmp.dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("recordstore: unknown command 'lst'");
    const badLimit = await runCliProcess(['list', '--limit', '-3'], { cwd: tmp.dir });
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toContain('--limit');
    const missingArg = await runCliProcess(['get'], { cwd: tmp.dir });
    expect(missingArg.code).toBe(2);
  });

  it('documents the exit codes in the help of every command', async () => {
    for (const args of [['--help'], ['list', '--help'], ['migrate', 'up', '--help']]) {
      const help = await runCliProcess(args, { cwd: tmp.dir });
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Exit codes:');
      expect(help.stdout).toContain('3  not found');
    }
  });

  it('ignores a leading "--" (pnpm start -- <command> passes it through)', async () => {
    const result = await runCliProcess(['--', 'count', '--json'], { cwd: tmp.dir });
    expect(result.code).toBe(0);
    expect(parseJson(result)).toHaveProperty('count');
  });

  it('colours only when asked for, and never with NO_COLOR', async () => {
    const piped = await runCliProcess(['health'], { cwd: tmp.dir });
    expect(piped.stdout).not.toMatch(ANSI);
    const forced = await runCliProcess(['health'], { cwd: tmp.dir, env: { FORCE_COLOR: '1' } });
    expect(forced.stdout).toMatch(ANSI);
    const noColor = await runCliProcess(['health'], {
      cwd: tmp.dir,
      env: { FORCE_COLOR: '1', NO_COLOR: '1' },
    });
    expect(noColor.stdout).not.toMatch(ANSI);
    const json = await runCliProcess(['health', '--json'], { cwd: tmp.dir, env: { FORCE_COLOR: '1' } });
    expect(json.stdout).not.toMatch(ANSI);
  });

  it('prints no stack trace unless --verbose', async () => {
    const plain = await runCliProcess(['list', '--filter', '{"$bad":1}'], { cwd: tmp.dir });
    expect(plain.stderr.trim().split('\n')).toHaveLength(1);
    expect(plain.stderr).not.toContain('    at ');
    const verbose = await runCliProcess(['list', '--filter', '{"$bad":1}', '--verbose'], { cwd: tmp.dir });
    expect(verbose.stderr).toContain('    at ');
  });
});

describe('lazy backends', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);

  it('SQLite commands never import pg or @recordstore/postgres', async () => {
    // A module hook that makes importing pg fail: the SQLite tour must not notice it.
    const hook = join(tmp.dir, 'block-pg.mjs');
    const resolveHook = `export async function resolve(specifier, context, next) {
  if (specifier === 'pg' || specifier.startsWith('pg/') || specifier === '@recordstore/postgres') {
    throw new Error('blocked import of ' + specifier);
  }
  return next(specifier, context);
}`;
    writeFileSync(
      hook,
      `import { register } from 'node:module';\nregister('data:text/javascript,' + encodeURIComponent(${JSON.stringify(resolveHook)}));\n`,
    );
    const nodeArgs = ['--import', pathToFileURL(hook).href];
    const tour = await runCliProcess(['tour', '--json'], { cwd: tmp.dir, nodeArgs });
    expect(tour.stderr).toBe('');
    expect(tour.code).toBe(0);
    expect(parseJson(tour)).toMatchObject({ ok: true, store: { backend: 'sqlite' } });
    // The hook does work: a PostgreSQL store under it fails to load its backend.
    const pgConfig = join(tmp.dir, 'pg.yaml');
    writeFileSync(
      pgConfig,
      'storage_types:\n  pg:\n    class: postgresql\n    config:\n      host: 127.0.0.1\n',
    );
    const pg = await runCliProcess(['health', '--config', pgConfig], { cwd: tmp.dir, nodeArgs });
    expect(pg.code).toBe(2);
    expect(pg.stderr).toContain('blocked import of @recordstore/postgres');
  });
});
