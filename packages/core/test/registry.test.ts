import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  commonConfigShape,
  configString,
  coreSettingsFrom,
  createStorage,
  ManualClock,
  MemoryStorageBackend,
  registerBackend,
  registeredBackendNames,
  resolveBackend,
  StorageError,
  validateBackendConfig,
} from '../src/index.js';
import { CORE_DIR, CORE_DIST, createTempApp, tempDir } from './helpers/temp-app.js';

const run = promisify(execFile);

/** Runs `fn` expecting a StorageError and returns it. */
async function storageError(fn: () => Promise<unknown>): Promise<StorageError> {
  try {
    await fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StorageError);
    return error as StorageError;
  }
  throw new Error('expected a StorageError, but the call succeeded');
}

const ADAPTER_PATH = './adapters/notebook/index.mjs#NotebookStorageBackend';
const ADAPTER_PACKAGE = 'recordstore-adapter-notebook#NotebookStorageBackend';

let app: { dir: string; cleanup: () => void };
beforeAll(() => {
  app = createTempApp();
});
afterAll(() => app.cleanup());

describe('registeredBackendNames()', () => {
  it('lists the built-ins memory, sqlite and postgresql first', () => {
    expect(registeredBackendNames().slice(0, 3)).toEqual(['memory', 'sqlite', 'postgresql']);
  });
});

describe('resolveBackend(classRef)', () => {
  it.each([
    'memory',
    'MemoryStorageBackend',
    'MEMORY',
    'src.adapters.storage.backends.memory_backend.MemoryStorageBackend',
  ])('resolves %s to MemoryStorageBackend', async (ref) => {
    const { name, Backend } = await resolveBackend(ref);
    expect(name).toBe('memory');
    expect(Backend).toBe(MemoryStorageBackend);
  });

  /**
   * Whether a backend package resolves from here depends on the environment (pnpm's bin shims put every
   * workspace package on NODE_PATH), so accept either outcome, but only the right one: the class itself, or
   * the error naming the package to install. The "not installed" message is pinned by a real process below.
   */
  async function expectRoutedTo(ref: string, entry: string, pkg: string, exportName: string) {
    try {
      const { name, Backend } = await resolveBackend(ref, { baseDir: app.dir });
      expect(name).toBe(entry);
      expect(Backend.name).toBe(exportName);
    } catch (error) {
      expect(error).toBeInstanceOf(StorageError);
      const message = (error as StorageError).message;
      expect(message).toContain(`Backend "${entry}" lives in the package ${pkg}`);
      expect(message).toContain(`pnpm add ${pkg}`);
      expect(message).toContain(`looked from ${app.dir}`);
    }
  }

  it.each([
    'postgresql',
    'postgres',
    'pg',
    'PostgreSQLStorageBackend',
    'src.adapters.storage.backends.postgresql_backend.PostgreSQLStorageBackend',
  ])('routes %s to the postgresql entry (@recordstore/postgres)', async (ref) => {
    await expectRoutedTo(ref, 'postgresql', '@recordstore/postgres', 'PostgreSQLStorageBackend');
  });

  it.each([
    'sqlite',
    'SQLiteStorageBackend',
    'src.adapters.storage.backends.sqlite_backend.SQLiteStorageBackend',
  ])('routes %s to the sqlite entry (@recordstore/sqlite)', async (ref) => {
    await expectRoutedTo(ref, 'sqlite', '@recordstore/sqlite', 'SQLiteStorageBackend');
  });

  it('fails for an unknown class naming it, the registered names and the module#Export form', async () => {
    const error = await storageError(() =>
      resolveBackend('src.adapters.storage.backends.redis_backend.RedisStorageBackend'),
    );
    expect(error.kind).toBe('config');
    expect(error.message).toContain(
      'Unknown storage class "src.adapters.storage.backends.redis_backend.RedisStorageBackend"',
    );
    expect(error.message).toMatch(
      /memory \(MemoryStorageBackend.*\), sqlite \(SQLiteStorageBackend\), postgresql \(postgres, pg/,
    );
    expect(error.message).toContain('package-or-path#ExportName');
  });

  it('fails for an empty class', async () => {
    const error = await storageError(() => resolveBackend('  '));
    expect(error.message).toContain('expected a backend name or class reference');
  });

  it('loads a third-party adapter by a path relative to baseDir (the config folder)', async () => {
    const { name, Backend } = await resolveBackend(ADAPTER_PATH, { baseDir: app.dir });
    expect(name).toBe(ADAPTER_PATH);
    expect(Backend.name).toBe('NotebookStorageBackend');
  });

  it('loads a third-party adapter by an absolute path and by a file URL', async () => {
    const file = join(app.dir, 'adapters', 'notebook', 'index.mjs');
    expect((await resolveBackend(`${file}#NotebookStorageBackend`)).Backend.name).toBe(
      'NotebookStorageBackend',
    );
    const url = `${pathToFileURL(file).href}#NotebookStorageBackend`;
    expect((await resolveBackend(url)).Backend.name).toBe('NotebookStorageBackend');
  });

  it('loads a third-party adapter installed as a package in the application', async () => {
    const { name, Backend } = await resolveBackend(ADAPTER_PACKAGE, { baseDir: app.dir });
    expect(name).toBe(ADAPTER_PACKAGE);
    expect(Backend.name).toBe('NotebookStorageBackend');
  });

  it('resolves relative paths against the working directory when no baseDir is given', async () => {
    const error = await storageError(() => resolveBackend(ADAPTER_PATH));
    expect(error.message).toContain(join(process.cwd(), 'adapters', 'notebook', 'index.mjs'));
    expect(error.message).toContain('does not exist');
  });

  it('names the missing export and lists the backend classes the module has', async () => {
    const error = await storageError(() =>
      resolveBackend('./adapters/notebook/index.mjs#NoteBackend', { baseDir: app.dir }),
    );
    expect(error.message).toContain('has no backend class export "NoteBackend"');
    expect(error.message).toContain('it exports these backend classes: NotebookStorageBackend');
  });

  it('refuses an export that is not a backend class', async () => {
    const error = await storageError(() =>
      resolveBackend('./adapters/notebook/index.mjs#notABackend', { baseDir: app.dir }),
    );
    expect(error.message).toContain('(that export is a number)');
  });

  it('says how to install a module package that is missing', async () => {
    const error = await storageError(() =>
      resolveBackend('recordstore-adapter-missing#X', { baseDir: app.dir }),
    );
    expect(error.message).toContain('package "recordstore-adapter-missing" is not installed');
    expect(error.message).toContain('pnpm add recordstore-adapter-missing');
  });

  it('reports a module that exists but fails to load, with the cause kept', async () => {
    writeFileSync(
      join(app.dir, 'broken.mjs'),
      "import 'recordstore-no-such-dependency';\nexport class X {}\n",
    );
    const error = await storageError(() => resolveBackend('./broken.mjs#X', { baseDir: app.dir }));
    expect(error.message).toContain('Module "./broken.mjs" was found but failed to load');
    expect(error.cause).toBeDefined();
  });

  it('asks for the export name after "#"', async () => {
    const error = await storageError(() =>
      resolveBackend('./adapters/notebook/index.mjs#', { baseDir: app.dir }),
    );
    expect(error.message).toContain('name the export after "#"');
  });
});

describe('registerBackend(name, load, options)', () => {
  class Custom extends MemoryStorageBackend {}

  it('calls a factory lazily, once, and resolves by name and alias', async () => {
    let calls = 0;
    registerBackend(
      'lazy-custom',
      async () => {
        calls++;
        return Custom;
      },
      { aliases: ['LazyCustomStorageBackend'] },
    );
    expect(calls).toBe(0);
    expect(registeredBackendNames()).toContain('lazy-custom');
    expect((await resolveBackend('lazy-custom')).Backend).toBe(Custom);
    expect((await resolveBackend('x.y.LazyCustomStorageBackend')).name).toBe('lazy-custom');
    expect(calls).toBe(1);
  });

  it('accepts a factory returning a module whose default export is the class', async () => {
    registerBackend('module-default', async () => ({ default: Custom }) as never);
    expect((await resolveBackend('module-default')).Backend).toBe(Custom);
  });

  it('rejects a factory that returns something other than a backend class', async () => {
    registerBackend('not-a-class', () => ({ connect() {} }) as never);
    const error = await storageError(() => resolveBackend('not-a-class'));
    expect(error.message).toContain('not a StorageBackend class');
  });

  it('retries a failed factory on the next use', async () => {
    let attempts = 0;
    registerBackend('flaky', async () => {
      attempts++;
      if (attempts === 1) throw new StorageError('config', 'not yet');
      return Custom;
    });
    await expect(resolveBackend('flaky')).rejects.toThrow('not yet');
    expect((await resolveBackend('flaky')).Backend).toBe(Custom);
  });

  it('lets a later registration take over a name and its aliases', async () => {
    class Other extends MemoryStorageBackend {}
    registerBackend('first', Custom, { aliases: ['shared-alias'] });
    registerBackend('second', Other, { aliases: ['shared-alias'] });
    expect((await resolveBackend('shared-alias')).name).toBe('second');
    registerBackend('first', Other);
    expect((await resolveBackend('first')).Backend).toBe(Other);
  });

  it('keeps the aliases of a name registered again without aliases (overriding a built-in loader)', async () => {
    registerBackend('overridable', Custom, { aliases: ['OverridableStorageBackend'] });
    class Replacement extends MemoryStorageBackend {}
    registerBackend('overridable', () => Replacement);
    const { name, Backend } = await resolveBackend('a.b.OverridableStorageBackend');
    expect(name).toBe('overridable');
    expect(Backend).toBe(Replacement);
  });

  it('refuses names containing "#"', () => {
    expect(() => registerBackend('a#b', Custom)).toThrow(StorageError);
  });
});

/** A backend with secrets and its own key alias, to test validation without a database. */
class VaultBackend extends MemoryStorageBackend {
  static override readonly configSchema = z
    .object({
      ...commonConfigShape,
      host: configString().default('localhost'),
      port: z.preprocess(
        (v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v),
        z.number().int().min(1).max(65535),
      ),
      password: z.string().min(12, 'password must be at least 12 characters'),
      api_token: z.string().optional(),
      mode: z.enum(['disable', 'require']).default('disable'),
    })
    .strict();
  static readonly keyAliases = { vault_host: 'host' };
  constructor(config: Record<string, unknown> = {}, options = {}) {
    const {
      host: _h,
      port: _p,
      password: _pw,
      api_token: _t,
      mode: _m,
      ...common
    } = VaultBackend.configSchema.parse(config);
    super(common, options);
  }
}
registerBackend('vault', VaultBackend as never);

describe('validateBackendConfig(classRef, config)', () => {
  it('maps the existing layer key names and reports them in mappedKeys', async () => {
    const result = await validateBackendConfig('memory', {
      enable_ttl: 'true',
      enable_compression: 'yes',
      enable_backup: false,
      default_ttl_seconds: '120',
    });
    expect(result.name).toBe('memory');
    expect(result.config).toMatchObject({
      ttl_enabled: true,
      compression_enabled: true,
      backup_enabled: false,
      default_ttl_seconds: 120,
    });
    expect(result.config).not.toHaveProperty('enable_ttl');
    expect(result.mappedKeys).toEqual([
      { from: 'enable_ttl', to: 'ttl_enabled' },
      { from: 'enable_compression', to: 'compression_enabled' },
      { from: 'enable_backup', to: 'backup_enabled' },
    ]);
  });

  it("maps a backend's own keyAliases", async () => {
    const result = await validateBackendConfig('vault', {
      vault_host: 'db',
      port: '5432',
      password: 'long-enough-pw',
    });
    expect(result.config).toMatchObject({ host: 'db', port: 5432 });
    expect(result.mappedKeys).toEqual([{ from: 'vault_host', to: 'host' }]);
  });

  it('refuses an old key name and its new name together', async () => {
    const error = await storageError(() =>
      validateBackendConfig(
        'memory',
        { enable_ttl: true, ttl_enabled: false },
        { path: 'storage_types.m.config' },
      ),
    );
    expect(error.path).toBe('storage_types.m.config.enable_ttl');
    expect(error.message).toContain('"enable_ttl" is the old name of "ttl_enabled", and both are set');
  });

  it('names the key path, the value seen and what was expected', async () => {
    const error = await storageError(() =>
      validateBackendConfig(
        'vault',
        { port: 'abc', password: 'long-enough-pw' },
        { path: 'storage_types.v.config' },
      ),
    );
    expect(error.kind).toBe('config');
    expect(error.path).toBe('storage_types.v.config.port');
    expect(error.message).toBe('storage_types.v.config.port: expected an integer from 1 to 65535, got "abc"');
  });

  it.each([
    [{ batch_size: '0' }, 'config.batch_size: expected a positive integer, got "0"'],
    [{ batch_size: 1.5 }, 'config.batch_size: expected a positive integer, got 1.5'],
    [{ ttl_enabled: 'maybe' }, 'config.ttl_enabled: expected a boolean (true or false), got "maybe"'],
    [{ compression_threshold: -1 }, 'config.compression_threshold: expected a non-negative integer, got -1'],
    [{ backup_path: ['a'] }, 'config.backup_path: expected a string, got ["a"]'],
  ])('explains %j', async (config, message) => {
    const error = await storageError(() => validateBackendConfig('memory', config));
    expect(error.message).toBe(message);
  });

  it('explains an enum with its choices', async () => {
    const error = await storageError(() =>
      validateBackendConfig('vault', { port: 1, password: 'long-enough-pw', mode: 'prefer' }),
    );
    expect(error.message).toBe('config.mode: expected one of "disable", "require", got "prefer"');
  });

  it('says when a required key is missing', async () => {
    const error = await storageError(() => validateBackendConfig('vault', { port: 1 }));
    expect(error.message).toBe(
      'config.password: expected a string of at least 12 characters, got nothing (the key is missing)',
    );
  });

  it('refuses unknown keys with a "did you mean" suggestion (aliases included)', async () => {
    const error = await storageError(() => validateBackendConfig('memory', { batch_sise: 5 }));
    expect(error.path).toBe('config.batch_sise');
    expect(error.message).toBe('config.batch_sise: unknown key "batch_sise" (did you mean "batch_size"?)');
    const old = await storageError(() => validateBackendConfig('memory', { enable_ttls: true }));
    expect(old.message).toContain('did you mean "enable_ttl"?');
  });

  it('lists the known keys when nothing is close', async () => {
    const error = await storageError(() => validateBackendConfig('memory', { zzzzzzzz: 1 }));
    expect(error.message).toContain('unknown key "zzzzzzzz" (known keys: backup_enabled,');
  });

  it('reports every problem at once', async () => {
    const error = await storageError(() =>
      validateBackendConfig('memory', { batch_size: 'x', compression_threshold: 'y', nope: 1 }),
    );
    expect(error.message).toContain('3 problems in the config:');
    expect(error.message).toContain('  - config.batch_size: expected a positive integer, got "x"');
    expect(error.message).toContain('  - config.nope: unknown key "nope"');
  });

  it('never shows a secret in an error message', async () => {
    const secret = 'hunter2';
    const error = await storageError(() => validateBackendConfig('vault', { port: 1, password: secret }));
    expect(error.message).toBe(
      'config.password: expected a string of at least 12 characters, got "********"',
    );
    expect(error.message).not.toContain(secret);
    const token = await storageError(() =>
      validateBackendConfig('vault', { port: 1, password: 'long-enough-pw', api_token: 12345 }),
    );
    expect(token.message).toBe('config.api_token: expected a string, got "********"');
    expect(JSON.stringify(token.toJSON())).not.toContain('12345');
  });

  it("passes a backend's own refinement messages through, at the key they name", async () => {
    class Staged extends MemoryStorageBackend {
      static override readonly configSchema = z
        .object({ ...commonConfigShape, partitioning_enabled: z.boolean().default(false) })
        .strict()
        .superRefine((config, ctx) => {
          if (config.partitioning_enabled) {
            ctx.addIssue({
              code: 'custom',
              path: ['partitioning_enabled'],
              message: 'partitioning is not supported yet; set it to false',
            });
          }
        });
    }
    registerBackend('staged', Staged as never);
    const error = await storageError(() =>
      validateBackendConfig('staged', { partitioning_enabled: true, batch_sise: 1 }, { path: 'pg.config' }),
    );
    expect(error.message).toContain(
      'pg.config.batch_sise: unknown key "batch_sise" (did you mean "batch_size"?)',
    );
    const refined = await storageError(() =>
      validateBackendConfig('staged', { partitioning_enabled: true }, { path: 'pg.config' }),
    );
    expect(refined.path).toBe('pg.config.partitioning_enabled');
    expect(refined.message).toBe(
      'pg.config.partitioning_enabled: partitioning is not supported yet; set it to false (got true)',
    );
  });

  it('checks keys that exclude each other without constructing the backend', async () => {
    const error = await storageError(() =>
      validateBackendConfig('memory', { default_ttl_seconds: 60, default_ttl_days: 1 }),
    );
    expect(error.path).toBe('config.default_ttl_days');
    expect(error.message).toContain('default_ttl_seconds and default_ttl_days say the same thing');
    // The same rule the constructor applies:
    expect(() =>
      coreSettingsFrom(
        MemoryStorageBackend.configSchema.parse({ default_ttl_seconds: 60, default_ttl_days: 1 }),
      ),
    ).toThrow(StorageError);
  });

  it('validates a third-party adapter config with its own schema and aliases', async () => {
    const result = await validateBackendConfig(
      ADAPTER_PATH,
      { title: 'Lab notes', ttl_enabled: 'on' },
      {
        baseDir: app.dir,
      },
    );
    expect(result.config).toMatchObject({ notebook_title: 'Lab notes', ttl_enabled: true });
    expect(result.mappedKeys).toEqual([{ from: 'title', to: 'notebook_title' }]);
    const error = await storageError(() =>
      validateBackendConfig(ADAPTER_PATH, { notebook_titel: 'x' }, { baseDir: app.dir }),
    );
    expect(error.message).toContain('did you mean "notebook_title"?');
  });
});

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
    const error = await storageError(() =>
      createStorage(
        { class: 'memory', config: { batch_size: 'lots' } },
        { path: 'storage_types.main.config' },
      ),
    );
    expect(error.kind).toBe('config');
    expect(error.path).toBe('storage_types.main.config.batch_size');
  });

  it('creates a third-party adapter named as path#Export in a config outside the packages', async () => {
    const store = await createStorage(
      { class: ADAPTER_PATH, config: { title: 'Field notes', enable_ttl: true } },
      { baseDir: app.dir },
    );
    expect(store.name).toBe('notebook');
    expect((store as unknown as { title: string }).title).toBe('Field notes');
    const id = await store.save({ type: 'page', n: 1 });
    expect(await store.count({ type: 'page' })).toBe(1);
    expect((await store.load(id))?.expires_at).toBeInstanceOf(Date);
    await store.close();
  });

  it('creates a third-party adapter installed as a package', async () => {
    const store = await createStorage({ class: ADAPTER_PACKAGE }, { baseDir: app.dir });
    expect((store as unknown as { title: string }).title).toBe('Untitled');
    await store.close();
  });

  it('wraps a constructor failure of a backend without a schema as a config error', async () => {
    class Picky extends MemoryStorageBackend {
      constructor(config: Record<string, unknown>) {
        if (config.ok !== true) throw new Error('ok must be true');
        super({});
      }
    }
    // No static configSchema of its own: hide the inherited one.
    Object.defineProperty(Picky, 'configSchema', { value: undefined });
    registerBackend('picky', Picky as never);
    const error = await storageError(() => createStorage({ class: 'picky' }));
    expect(error.kind).toBe('config');
    expect(error.message).toBe('picky: could not create the backend: ok must be true');
    expect((await createStorage({ class: 'picky', config: { ok: true } })).isConnected()).toBe(true);
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
