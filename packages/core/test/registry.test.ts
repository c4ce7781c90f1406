import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  defineBackend,
  MemoryStorageBackend,
  memoryBackend,
  registerBackend,
  registeredBackendNames,
  resolveBackend,
  StorageError,
} from '../src/index.js';
import { ADAPTER_DEFINITION, ADAPTER_PACKAGE, ADAPTER_PATH, storageError } from './helpers/config-errors.js';
import { createTempApp } from './helpers/temp-app.js';

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
    const { name, definition, Backend } = await resolveBackend(ref);
    expect(name).toBe('memory');
    expect(definition).toBe(memoryBackend);
    expect(Backend).toBe(MemoryStorageBackend);
  });

  /**
   * Whether a backend package resolves from here depends on the environment (pnpm's bin shims put every
   * workspace package on NODE_PATH), so accept either outcome, but only the right one: the class itself, or
   * the error naming the package to install. The "not installed" message is pinned by a real process below.
   */
  async function expectRoutedTo(ref: string, entry: string, pkg: string, exportName: string) {
    try {
      const { name, definition, Backend } = await resolveBackend(ref, { baseDir: app.dir });
      expect(name).toBe(entry);
      expect(definition.name).toBe(entry);
      expect(Backend?.name).toBe(exportName);
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
    const { name, definition, Backend } = await resolveBackend(ADAPTER_PATH, { baseDir: app.dir });
    expect(name).toBe(ADAPTER_PATH);
    expect(definition.name).toBe('notebook');
    expect(Backend?.name).toBe('NotebookStorageBackend');
    expect(Backend?.definition).toBe(definition);
  });

  it('loads a third-party definition export (no class): Backend is undefined', async () => {
    const { name, definition, Backend } = await resolveBackend(ADAPTER_DEFINITION, { baseDir: app.dir });
    expect(name).toBe(ADAPTER_DEFINITION);
    expect(definition.name).toBe('notebook');
    expect(definition.packageName).toBe('recordstore-adapter-notebook');
    expect(Backend).toBeUndefined();
  });

  it('loads a third-party adapter by an absolute path and by a file URL', async () => {
    const file = join(app.dir, 'adapters', 'notebook', 'index.mjs');
    expect((await resolveBackend(`${file}#NotebookStorageBackend`)).Backend?.name).toBe(
      'NotebookStorageBackend',
    );
    const url = `${pathToFileURL(file).href}#NotebookStorageBackend`;
    expect((await resolveBackend(url)).Backend?.name).toBe('NotebookStorageBackend');
  });

  it('loads a third-party adapter installed as a package in the application', async () => {
    const { name, Backend } = await resolveBackend(ADAPTER_PACKAGE, { baseDir: app.dir });
    expect(name).toBe(ADAPTER_PACKAGE);
    expect(Backend?.name).toBe('NotebookStorageBackend');
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
    expect(error.message).toContain('has no backend export "NoteBackend"');
    expect(error.message).toContain('it exports these backends: notebookBackend, NotebookStorageBackend');
  });

  it('refuses an export that is neither a definition nor a store class', async () => {
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
    expect(error.message).toContain('Module "./broken.mjs" was found');
    expect(error.message).toContain('but cannot be loaded: ');
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
  /** A thin class over the memory definition, as an application might register under another name. */
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

  it('accepts a definition, taking its aliases and package name', async () => {
    const definition = defineBackend({
      ...memoryBackend,
      name: 'defined',
      aliases: ['DefinedStorageBackend'],
      packageName: 'recordstore-defined',
    });
    registerBackend('defined', definition);
    const resolved = await resolveBackend('a.b.DefinedStorageBackend');
    expect(resolved).toEqual({ name: 'defined', definition, Backend: undefined });
  });

  it('accepts a factory returning a module whose default export is the class or a definition', async () => {
    registerBackend('module-default', async () => ({ default: Custom }) as never);
    expect((await resolveBackend('module-default')).Backend).toBe(Custom);
    registerBackend('module-default-definition', async () => ({ default: memoryBackend }) as never);
    expect((await resolveBackend('module-default-definition')).definition).toBe(memoryBackend);
  });

  it('rejects a factory that returns neither a definition nor a store class', async () => {
    registerBackend('not-a-class', () => ({ connect() {} }) as never);
    const error = await storageError(() => resolveBackend('not-a-class'));
    expect(error.message).toContain('its loader returned an object, not a backend definition');
    // A class without a static definition is not a backend either (the registry needs its schema).
    class Bare {}
    registerBackend('bare-class', () => Bare as never);
    expect((await storageError(() => resolveBackend('bare-class'))).message).toContain(
      'not a backend definition',
    );
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
