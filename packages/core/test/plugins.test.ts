// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} references are the subject of one test.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createStorageFromConfig,
  loadConfig,
  loadPlugins,
  resolveBackend,
  validateLoadedConfig,
} from '../src/index.js';
import { storageError } from './helpers/config-errors.js';
import { CORE_DIR, createTempApp, writeFiles } from './helpers/temp-app.js';

/** A plugin module: one backend over core's memory definition, named `name`. */
const pluginSource = (
  name: string,
  alias: string,
) => `import { defineBackend, memoryBackend } from '@recordstore/core';
export const ${name}Backend = defineBackend({ ...memoryBackend, name: '${name}', aliases: ['${alias}'] });
export const recordstoreBackends = [${name}Backend];
`;

let app: { dir: string; cleanup: () => void };
const config = () => join(app.dir, 'recordstore.yaml');

beforeAll(() => {
  app = createTempApp();
  writeFiles(app.dir, {
    // exports with only `import` and `types`: what require.resolve cannot see.
    'node_modules/recordstore-adapter-importonly/package.json': JSON.stringify({
      name: 'recordstore-adapter-importonly',
      type: 'module',
      exports: { '.': { types: './index.d.ts', import: './index.mjs' } },
      peerDependencies: { '@recordstore/core': '*' },
    }),
    'node_modules/recordstore-adapter-importonly/index.mjs': pluginSource('importonly', 'ImportOnlyBackend'),
    // Only a `require` entry: Node's import cannot load it.
    'node_modules/recordstore-adapter-requireonly/package.json': JSON.stringify({
      name: 'recordstore-adapter-requireonly',
      exports: { '.': { require: './index.cjs' } },
    }),
    'node_modules/recordstore-adapter-requireonly/index.cjs': 'module.exports = {};\n',
    // Its entry file was never built.
    'node_modules/recordstore-adapter-unbuilt/package.json': JSON.stringify({
      name: 'recordstore-adapter-unbuilt',
      type: 'module',
      exports: { '.': { import: './dist/index.js' } },
    }),
    'node_modules/not-a-plugin/package.json': JSON.stringify({
      name: 'not-a-plugin',
      type: 'module',
      exports: './index.mjs',
    }),
    'node_modules/not-a-plugin/index.mjs': 'export const something = 1;\n',
    'plugins/local.mjs': pluginSource('localkv', 'LocalKvBackend'),
  });
});
afterAll(() => app.cleanup());

async function loadYaml(text: string, env: Record<string, string> = {}) {
  writeFiles(app.dir, { 'recordstore.yaml': text });
  return loadConfig(config(), { env });
}

describe('module resolution as Node does it (import condition, from the application folder)', () => {
  it('loads a package whose exports has only import and types', async () => {
    const { definition } = await resolveBackend('recordstore-adapter-importonly#importonlyBackend', {
      baseDir: app.dir,
    });
    expect(definition.name).toBe('importonly');
  });

  it('says "found but cannot be loaded" with the reason for a package Node cannot import', async () => {
    const requireOnly = await storageError(
      () => resolveBackend('recordstore-adapter-requireonly#x', { baseDir: app.dir }),
      'config',
    );
    expect(requireOnly.message).toContain('Module "recordstore-adapter-requireonly" was found');
    expect(requireOnly.message).toMatch(/but cannot be loaded: .*exports/);
    const unbuilt = await storageError(
      () => resolveBackend('recordstore-adapter-unbuilt#x', { baseDir: app.dir }),
      'config',
    );
    expect(unbuilt.message).toMatch(/but cannot be loaded: .*dist\/index\.js/);
  });

  it('names each folder it looked in once for a package that is not installed', async () => {
    const error = await storageError(() =>
      resolveBackend('recordstore-adapter-absent#x', { baseDir: app.dir }),
    );
    const looked = /\(looked from ([^)]*)\)/;
    const folders = looked.exec(error.message)?.[1]?.split(/, | and /) ?? [];
    // The config folder leads; the working directory and core's own folder follow, each once.
    expect(folders[0]).toBe(app.dir);
    expect(folders).toContain(process.cwd());
    expect(folders.at(-1)).toBe(CORE_DIR);
    expect(new Set(folders).size).toBe(folders.length);
    const fromCwd = await storageError(() => resolveBackend('recordstore-adapter-absent#x'));
    expect(looked.exec(fromCwd.message)?.[1]?.startsWith(`${process.cwd()}, `)).toBe(true);
  });
});

describe('plugins: in a config file', () => {
  const PLUGINS = `plugins:
  - recordstore-adapter-importonly
  - ./plugins/local.mjs
storage_types:
  main: { class: importonly, config: { batch_size: 50 } }
  local: { class: LocalKvBackend }
default: main
`;

  it('imports each plugin from the config folder before lookup: createStorageFromConfig', async () => {
    const loaded = await loadYaml(PLUGINS);
    expect(loaded.plugins).toEqual(['recordstore-adapter-importonly', './plugins/local.mjs']);
    const store = await createStorageFromConfig(loaded);
    await store.save({ id: 'a', v: 1 });
    expect(await store.load('a')).toMatchObject({ v: 1 });
    expect(store.name).toBe('memory');
    await store.close();
    const local = await createStorageFromConfig(loaded, 'local');
    await local.close();
  });

  it('validateLoadedConfig loads the plugins too', async () => {
    const result = await validateLoadedConfig(await loadYaml(PLUGINS));
    expect(result.map((r) => [r.name, r.backend])).toEqual([
      ['main', 'importonly'],
      ['local', 'localkv'],
    ]);
  });

  it('interpolates plugin specifiers', async () => {
    const loaded = await loadYaml('plugins: ["${PLUGIN}"]\nstorage_types:\n  main: { class: importonly }\n', {
      PLUGIN: 'recordstore-adapter-importonly',
    });
    expect(loaded.plugins).toEqual(['recordstore-adapter-importonly']);
  });

  it('reports an unknown plugin with the file, plugins[i], and how to install it', async () => {
    const loaded = await loadYaml(
      'plugins: [recordstore-adapter-importonly, recordstore-adapter-nope]\nstorage_types:\n  main: { class: importonly }\n',
    );
    for (const call of [() => validateLoadedConfig(loaded), () => createStorageFromConfig(loaded)]) {
      const error = await storageError(call, 'config');
      expect(error.path).toBe('plugins[1]');
      expect(error.message).toContain(
        `${config()}: plugins[1]: plugin "recordstore-adapter-nope": unknown plugin: package ` +
          `"recordstore-adapter-nope" is not installed (looked from ${app.dir}, `,
      );
      expect(error.message).toContain(
        `${CORE_DIR}); install it beside the application, e.g. \`pnpm add recordstore-adapter-nope\`.`,
      );
    }
  });

  it('reports a missing plugin file, a module that is no plugin, and one that cannot be loaded, all at once', async () => {
    const loaded = await loadYaml(
      'plugins: [./plugins/missing.mjs, not-a-plugin, recordstore-adapter-requireonly]\nstorage_types:\n  main: { class: memory }\n',
    );
    const error = await storageError(() => validateLoadedConfig(loaded), 'config');
    expect(error.message).toContain('3 plugins cannot be loaded');
    expect(error.message).toContain(
      `plugins[0]: plugin "./plugins/missing.mjs": the file ${join(app.dir, 'plugins', 'missing.mjs')} does not exist`,
    );
    expect(error.message).toContain('plugins[1]: plugin "not-a-plugin": the module (file://');
    expect(error.message).toContain(
      'has no "recordstoreBackends" export; a plugin exports `recordstoreBackends`',
    );
    expect(error.message).toMatch(
      /plugins\[2\]: plugin "recordstore-adapter-requireonly": the module was found but cannot be loaded: No "exports" main defined in .* imported from \/\S+recordstore-app-\w+$/,
    );
  });

  it('refuses a plugins: that is not a list of specifiers, naming the key path', async () => {
    const notList = await storageError(() => loadYaml('plugins: recordstore-adapter-importonly\n'), 'config');
    expect(notList.message).toBe(
      `${config()}: plugins: expected a list of module specifiers (e.g. [recordstore-adapter-lmdb, ./adapters/kv.mjs]), got "recordstore-adapter-importonly"`,
    );
    const notString = await storageError(() =>
      loadYaml('plugins: [3]\nstorage_types: { m: { class: memory } }\n'),
    );
    expect(notString.path).toBe('plugins[0]');
    expect(notString.message).toContain('plugins[0]: expected a module specifier');
  });

  it('loadPlugins(specs) registers what recordstoreBackends lists and refuses anything else in it', async () => {
    const loaded = await loadPlugins(['./plugins/local.mjs'], { baseDir: app.dir });
    expect(loaded).toEqual([
      {
        spec: './plugins/local.mjs',
        url: expect.stringMatching(/^file:.*local\.mjs$/),
        backends: ['localkv'],
      },
    ]);
    writeFiles(app.dir, { 'plugins/bad.mjs': "export const recordstoreBackends = ['lmdb'];\n" });
    const error = await storageError(() => loadPlugins(['./plugins/bad.mjs'], { baseDir: app.dir }));
    expect(error.message).toContain('recordstoreBackends[0] is a string, not a backend definition');
  });
});
