import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, requireBuild, runCliProcess, tempDir } from './helpers.js';

const CORE = resolve(dirname(fileURLToPath(import.meta.url)), '../../core');

// A backend the CLI has never heard of, written as someone outside this repository would: a definition
// module beside the config, importing only @recordstore/core's public API. Its data lives in core's
// reference memory driver; its migrations are a JSON file in `dir`; it has one admin task.
const ADAPTER = `import { defineBackend, MemoryDriver, StorageError } from '@recordstore/core';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const MIGRATIONS = ['001-create-notes', '002-index-notes'];

// A hand-written Standard Schema: { dir } (required), nothing else.
const configSchema = {
  '~standard': {
    version: 1,
    vendor: 'notebook-test',
    validate(input) {
      const unknown = Object.keys(input).filter((k) => k !== 'dir');
      if (unknown.length > 0) return { issues: [{ message: 'unknown key ' + unknown[0], path: [unknown[0]] }] };
      if (typeof input.dir !== 'string') return { issues: [{ message: 'dir must name a folder', path: ['dir'] }] };
      return { value: { dir: resolve(input.dir) } };
    },
  },
};

const settings = () => ({
  defaultTtlMs: null,
  cleanupIntervalMs: null,
  compression: { enabled: false, thresholdBytes: 1024 },
  batchSize: 100,
  maxRecordBytes: 1 << 20,
  backup: { enabled: false, intervalMs: 86_400_000, retentionDays: 30, maxFiles: 7, path: './backups' },
});

const common = { configSchema, configKeys: ['dir'], settings, createDriver: (_c, context) => new MemoryDriver(context.settings) };

function journal(dir) {
  const file = join(dir, 'applied.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
}

export const notebookBackend = defineBackend({
  name: 'notebook',
  ...common,
  capabilities: {
    migrator(config) {
      const status = async () => {
        const applied = journal(config.dir);
        return {
          migrations: MIGRATIONS.map((name) => ({ name, applied: name in applied, appliedAt: applied[name] ? new Date(applied[name]) : null })),
          details: { dir: config.dir },
        };
      };
      return {
        status,
        async up({ dryRun = false } = {}) {
          const applied = journal(config.dir);
          const pending = MIGRATIONS.filter((m) => !(m in applied));
          if (!dryRun) {
            mkdirSync(config.dir, { recursive: true });
            for (const m of pending) applied[m] = Date.UTC(2025, 0, 1);
            writeFileSync(join(config.dir, 'applied.json'), JSON.stringify(applied));
          }
          return { migrations: pending, dryRun, details: dryRun ? { sql: pending.map((m) => '-- ' + m + '\\nCREATE NOTEBOOK;') } : {} };
        },
        async create(name, options = {}) {
          const folder = options.dir ?? join(config.dir, 'migrations');
          mkdirSync(folder, { recursive: true });
          const file = join(folder, name + '.notes');
          writeFileSync(file, '# up\\n', { flag: 'wx' });
          return { file, details: { folder } };
        },
        async close() {
          mkdirSync(config.dir, { recursive: true });
          appendFileSync(join(config.dir, 'closed.log'), 'migrator\\n');
        },
      };
    },
    adminTasks(config) {
      return {
        tasks: [
          {
            name: 'notebook.compact',
            summary: 'rewrite the notebook files without gaps',
            async run(options) {
              if ('fail' in options) throw new StorageError('validation', 'notebook.compact: option fail is not an option');
              return { compacted: true, dir: config.dir, options };
            },
          },
        ],
        async close() {
          mkdirSync(config.dir, { recursive: true });
          appendFileSync(join(config.dir, 'closed.log'), 'tasks\\n');
        },
      };
    },
  },
});

/** The same backend without any capability. */
export const plainBackend = defineBackend({ name: 'plain', ...common });
`;

const CONFIG = `default: notes
storage_types:
  notes:
    class: ./notebook-backend.mjs#notebookBackend
    config:
      dir: ./notes
  plain:
    class: ./notebook-backend.mjs#plainBackend
    config:
      dir: ./plain
`;

describe('a third-party backend through the CLI: capabilities, not names', () => {
  const tmp = tempDir();
  const run = (...args: string[]) => runCliProcess(args, { cwd: tmp.dir, env: { NO_COLOR: '1' } });

  beforeAll(() => {
    requireBuild();
    // The application has installed @recordstore/core (here: linked to this repository's build).
    mkdirSync(join(tmp.dir, 'node_modules', '@recordstore'), { recursive: true });
    symlinkSync(CORE, join(tmp.dir, 'node_modules', '@recordstore', 'core'), 'dir');
    writeFileSync(join(tmp.dir, 'notebook-backend.mjs'), ADAPTER);
    writeFileSync(join(tmp.dir, 'recordstore.yaml'), CONFIG);
  });
  afterAll(tmp.cleanup);

  it('migrate status, up --dry-run, up and status again go through its migrator, which is always closed', async () => {
    const before = await run('migrate', 'status', '--json');
    expect(before.code, before.stderr).toBe(0);
    expect(parseJson(before)).toMatchObject({
      backend: './notebook-backend.mjs#notebookBackend',
      storage: 'notes',
      command: 'status',
      pending: 2,
      migrations: [
        { name: '001-create-notes', applied: false },
        { name: '002-index-notes', applied: false },
      ],
      details: { dir: join(tmp.dir, 'notes') },
    });
    const dry = await run('migrate', 'up', '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('would be applied: 001-create-notes, 002-index-notes');
    expect(dry.stdout).toContain('-- 001-create-notes\nCREATE NOTEBOOK;');
    const up = parseJson<{ changed: string[]; pending: number }>(await run('migrate', 'up', '--json'));
    expect(up).toMatchObject({ changed: ['001-create-notes', '002-index-notes'], pending: 0 });
    const status = await run('migrate', 'status');
    expect(status.stdout).toContain('migrations (0 pending):');
    expect(status.stdout).toContain('applied  001-create-notes  2025-01-01T00:00:00.000Z');
    // Four runs, four migrators, each closed.
    expect(readFileSync(join(tmp.dir, 'notes', 'closed.log'), 'utf8')).toBe('migrator\n'.repeat(4));
  });

  it('migrate down is refused as forward-only when its migrator has no down (exit 2)', async () => {
    const down = await run('migrate', 'down', '--json');
    expect(down.code).toBe(2);
    expect(parseJson<{ error: { kind: string; message: string } }>(down).error).toMatchObject({
      kind: 'unsupported',
      message: expect.stringContaining('forward-only'),
    });
  });

  it('migrate create writes through its migrator, into --dir when given', async () => {
    const created = parseJson<{ file: string; details: { folder: string } }>(
      await run('migrate', 'create', 'add_tags', '--dir', './extra', '--json'),
    );
    expect(created.file).toBe(join(tmp.dir, 'extra', 'add_tags.notes'));
    expect(existsSync(created.file)).toBe(true);
  });

  it('task lists its admin tasks and runs one with the options of the command line', async () => {
    const list = await run('task');
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/notebook\.compact\s+rewrite the notebook files without gaps/);
    expect(parseJson(await run('task', '--list', '--json'))).toEqual({
      backend: './notebook-backend.mjs#notebookBackend',
      storage: 'notes',
      tasks: [{ name: 'notebook.compact', summary: 'rewrite the notebook files without gaps' }],
    });
    const ran = await run(
      'task',
      'notebook.compact',
      '--max-gap',
      '3',
      '--dry',
      '--no-vacuum',
      '--tag',
      'a',
      '--tag',
      'b',
      '--json',
    );
    expect(ran.code, ran.stderr).toBe(0);
    expect(parseJson(ran)).toEqual({
      compacted: true,
      dir: join(tmp.dir, 'notes'),
      options: { maxGap: 3, dry: true, vacuum: false, tag: ['a', 'b'] },
    });
    const human = await run('admin', 'notebook.compact', '--where', '{"a":1}');
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('compacted: true');
    expect(human.stdout).toMatch(/where:\n\s+a: 1/);
  });

  it('a task error keeps its kind; an unknown task or alias names the tasks it has (exit 2)', async () => {
    const failed = await run('task', 'notebook.compact', '--fail');
    expect(failed.code).toBe(2);
    expect(failed.stderr).toContain('notebook.compact: option fail is not an option');
    const unknown = await run('task', 'notebook.vacuum');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('has no task "notebook.vacuum"; its tasks: notebook.compact');
    const alias = await run('partitions', 'status', '--json');
    expect(alias.code).toBe(2);
    expect(parseJson<{ error: { kind: string; message: string } }>(alias).error).toMatchObject({
      kind: 'unsupported',
      message: expect.stringContaining(
        'partitions status (storage "notes"): the ./notebook-backend.mjs#notebookBackend backend has no task "partitions.status"',
      ),
    });
  });

  it('a backend without the capabilities gets the typed unsupported error (exit 2)', async () => {
    const migrate = await run('migrate', 'status', '--storage', 'plain', '--json');
    expect(migrate.code).toBe(2);
    expect(parseJson<{ error: { kind: string; message: string } }>(migrate).error).toEqual({
      kind: 'unsupported',
      message:
        'migrate status (storage "plain"): the ./notebook-backend.mjs#plainBackend backend does not offer the "migrator" capability.',
    });
    const task = await run('task', 'notebook.compact', '--storage', 'plain');
    expect(task.code).toBe(2);
    expect(task.stderr).toContain(
      'task notebook.compact (storage "plain"): the ./notebook-backend.mjs#plainBackend backend does not offer the "adminTasks" capability.',
    );
    const list = await run('task', '--storage', 'plain');
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('offers no maintenance tasks');
    for (const command of [['metrics'], ['audit'], ['indexes']]) {
      const result = await run(...command, '--storage', 'plain');
      expect(result.code, command.join(' ')).toBe(2);
      expect(result.stderr).toContain('does not offer the');
    }
  });

  it('copy keys a backend without an identity on its name and a digest of its location', async () => {
    const copy = parseJson<{ from: string; to: string }>(
      await run('copy', '--from', 'notes', '--to', 'memory:', '--json'),
    );
    expect(copy.from).toMatch(/^\.\/notebook-backend\.mjs#notebookBackend:[0-9a-f]{16}$/);
  });
});
