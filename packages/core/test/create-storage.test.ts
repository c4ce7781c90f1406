import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createStorage,
  defineBackend,
  ManualClock,
  MemoryDriver,
  memoryBackend,
  memoryConfigSchema,
  registerBackend,
  StorageRuntime,
} from '../src/index.js';
import { ADAPTER_PACKAGE, ADAPTER_PATH, storageError } from './helpers/config-errors.js';
import { CORE_DIR, CORE_DIST, createTempApp, tempDir } from './helpers/temp-app.js';

const run = promisify(execFile);

let app: { dir: string; cleanup: () => void };
beforeAll(() => {
  app = createTempApp();
});
afterAll(() => app.cleanup());

describe('createStorage(spec, options)', () => {
  it('creates and connects a backend by alias', async () => {
    const store = await createStorage({ class: 'memory' });
    expect(store.isConnected()).toBe(true);
    const id = await store.save({ type: 'note', text: 'hi' });
    expect((await store.load(id))?.text).toBe('hi');
    await store.close();
  });

  it('honours aliased and string-valued keys (enable_ttl, default_ttl_seconds: "60")', async () => {
    const clock = new ManualClock();
    const store = await createStorage(
      { class: 'MemoryStorageBackend', config: { enable_ttl: 'true', default_ttl_seconds: '60' } },
      { clock },
    );
    const id = await store.save({ text: 'short-lived' });
    clock.advance(59_000);
    expect(await store.exists(id)).toBe(true);
    clock.advance(2_000);
    expect(await store.load(id)).toBeNull();
    await store.close();
  });

  it('fails on a bad config before constructing anything', async () => {
    let drivers = 0;
    const counted = defineBackend({
      ...memoryBackend,
      name: 'counted',
      createDriver: (config, context) => {
        drivers++;
        return memoryBackend.createDriver(config, context);
      },
    });
    const error = await storageError(() =>
      createStorage(
        { class: counted, config: { batch_size: 'lots' } },
        { path: 'storage_types.main.config' },
      ),
    );
    expect(error.kind).toBe('config');
    expect(error.path).toBe('storage_types.main.config.batch_size');
    expect(drivers).toBe(0);
  });

  it('creates a third-party adapter named as path#Export in a config outside the packages', async () => {
    const store = await createStorage(
      { class: ADAPTER_PATH, config: { title: 'Field notes', enable_ttl: true } },
      { baseDir: app.dir },
    );
    expect(store.name).toBe('notebook');
    expect((store as unknown as { title: string }).title).toBe('Field notes');
    expect(store.capabilities.filtering).toBe('scan');
    const id = await store.save({ type: 'page', n: 1 });
    await store.saveMany([
      { id: 'b', type: 'page', n: 2 },
      { id: 'a', type: 'index', n: 3 },
    ]);
    // Filters, order and counts over the notebook's scan are evaluated by core's runtime.
    expect(await store.count({ type: 'page' })).toBe(2);
    expect((await store.list({ n: { $gte: 2 } }, { orderBy: 'id' })).map((r) => r.id)).toEqual(['a', 'b']);
    expect((await store.load(id))?.expires_at).toBeInstanceOf(Date);
    expect(await store.deleteMany({ type: 'index' })).toBe(1);
    await store.close();
  });

  it('creates a third-party adapter from its definition export (the runtime, no class)', async () => {
    const store = await createStorage(
      { class: './adapters/notebook/index.mjs#notebookBackend' },
      { baseDir: app.dir },
    );
    expect(store.name).toBe('notebook');
    expect(store).toBeInstanceOf(StorageRuntime);
    expect((store as StorageRuntime<{ notebook_title: string }>).config.notebook_title).toBe('Untitled');
    await store.close();
  });

  it('creates a third-party adapter installed as a package', async () => {
    const store = await createStorage({ class: ADAPTER_PACKAGE }, { baseDir: app.dir });
    expect((store as unknown as { title: string }).title).toBe('Untitled');
    await store.close();
  });

  it('wraps a driver factory failure as a config error', async () => {
    const picky = defineBackend({
      name: 'picky',
      configSchema: memoryConfigSchema.extend({ ok: z.boolean().optional() }),
      createDriver: (config, { settings }) => {
        if (config.ok !== true) throw new Error('ok must be true');
        return new MemoryDriver(settings);
      },
    });
    registerBackend('picky', picky);
    const error = await storageError(() => createStorage({ class: 'picky' }));
    expect(error.kind).toBe('config');
    expect(error.message).toBe('picky: could not create the backend: ok must be true');
    const store = await createStorage({ class: 'picky', config: { ok: true } });
    expect(store.isConnected()).toBe(true);
    await store.close();
  });
});

describe('lazy loading (real Node processes, built dist)', () => {
  // Records every module URL Node resolves in the child: an ESM resolve hook appending to a log file.
  const HOOKS = `
import { appendFileSync } from 'node:fs';
let log;
export async function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(log, result.url + '\\n');
  return result;
}
`;
  const DRIVER = /\/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?(?:pg|pg-pool|better-sqlite3)\//;
  const BACKEND_PACKAGES = /\/packages\/(?:sqlite|postgres)\/|@recordstore\/(?:sqlite|postgres)/;

  async function loadedModules(cwd: string, body: string): Promise<{ urls: string[]; stdout: string }> {
    const work = tempDir('recordstore-lazy-');
    try {
      const hooks = join(work.dir, 'hooks.mjs');
      const log = join(work.dir, 'resolved.log');
      const main = join(work.dir, 'main.mjs');
      writeFileSync(hooks, HOOKS);
      writeFileSync(log, '');
      writeFileSync(
        main,
        `import { register } from 'node:module';
register(${JSON.stringify(pathToFileURL(hooks).href)}, { data: { log: ${JSON.stringify(log)} } });
const core = await import(${JSON.stringify(pathToFileURL(CORE_DIST).href)});
${body}
`,
      );
      // Without NODE_PATH (pnpm's bin shims set it to every workspace package): resolve like an application.
      const { NODE_PATH: _nodePath, NODE_OPTIONS: _nodeOptions, ...env } = process.env;
      const { stdout } = await run(process.execPath, [main], { cwd, env });
      return { urls: readFileSync(log, 'utf8').split('\n').filter(Boolean), stdout };
    } finally {
      work.cleanup();
    }
  }

  beforeAll(() => {
    if (!existsSync(CORE_DIST)) throw new Error(`build core first: pnpm --filter @recordstore/core build`);
  });

  it('createStorage({ class: "memory" }) imports neither backend package nor any driver', async () => {
    const { urls, stdout } = await loadedModules(
      app.dir,
      `const store = await core.createStorage({ class: 'memory' });
const adapter = await core.createStorage({ class: ${JSON.stringify(ADAPTER_PATH)} }, { baseDir: process.cwd() });
console.log(store.name, adapter.name);
await store.close(); await adapter.close();`,
    );
    expect(stdout.trim()).toBe('memory notebook');
    // The hook does see lazily imported modules: the adapter's file is in the log.
    expect(urls.some((u) => u.endsWith('/adapters/notebook/index.mjs'))).toBe(true);
    expect(urls.some((u) => u.includes('/packages/core/dist/index.js'))).toBe(true);
    expect(urls.filter((u) => DRIVER.test(u) || BACKEND_PACKAGES.test(u))).toEqual([]);
  });

  it('an unresolvable postgresql says what to install, from a real process outside the repo', async () => {
    const { stdout } = await loadedModules(
      app.dir,
      `try { await core.createStorage({ class: 'pg' }); } catch (e) { console.log(e.kind + ': ' + e.message); }`,
    );
    expect(stdout).toContain('config: Backend "postgresql" lives in the package @recordstore/postgres');
    expect(stdout).toContain(`looked from ${app.dir}`);
  });

  const SQLITE_DIST = join(CORE_DIR, '..', 'sqlite', 'dist', 'index.js');
  it.skipIf(!existsSync(SQLITE_DIST))(
    'createStorage({ class: "sqlite" }) finds @recordstore/sqlite from the working directory and never imports pg',
    async () => {
      const sqliteApp = tempDir('recordstore-sqlite-app-');
      try {
        mkdirSync(join(sqliteApp.dir, 'node_modules', '@recordstore'), { recursive: true });
        symlinkSync(
          join(CORE_DIR, '..', 'sqlite'),
          join(sqliteApp.dir, 'node_modules', '@recordstore', 'sqlite'),
        );
        const { urls, stdout } = await loadedModules(
          sqliteApp.dir,
          `const store = await core.createStorage({ class: 'src.adapters.storage.backends.sqlite_backend.SQLiteStorageBackend' });
const id = await store.save({ type: 'lazy' });
console.log(store.name, (await store.load(id)).type);
await store.close();`,
        );
        expect(stdout.trim()).toBe('sqlite lazy');
        expect(urls.some((u) => u.includes('/packages/sqlite/dist/'))).toBe(true);
        expect(urls.filter((u) => /\/(?:pg|pg-pool)\/|\/packages\/postgres\//.test(u))).toEqual([]);
      } finally {
        sqliteApp.cleanup();
      }
    },
  );
});
