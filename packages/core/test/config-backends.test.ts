// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} references are the subject of these tests.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createStorageFromConfig, loadConfig, MASK, validateLoadedConfig } from '../src/index.js';
import { storageError as expectError } from './helpers/config-errors.js';
import { BASE, useConfigDir } from './helpers/config-files.js';
import { createTempApp, writeFiles } from './helpers/temp-app.js';

const { dir, load } = useConfigDir();
const storageError = (fn: () => unknown) => expectError(fn, 'config');

describe('validateLoadedConfig(config)', () => {
  it('validates every storage type and reports mapped aliases', async () => {
    const config = await load(
      `storage_types:
  main:
    class: MemoryStorageBackend
    config: { enable_ttl: "yes", default_ttl_seconds: "\${TTL:3600}", enable_compression: "false" }
  other: { class: memory }
default: main
`,
    );
    const result = await validateLoadedConfig(config);
    expect(result.map((r) => [r.name, r.backend])).toEqual([
      ['main', 'memory'],
      ['other', 'memory'],
    ]);
    expect(result[0]?.config).toMatchObject({
      ttl_enabled: true,
      default_ttl_seconds: 3600,
      compression_enabled: false,
    });
    expect(result[0]?.mappedKeys).toEqual([
      { from: 'enable_ttl', to: 'ttl_enabled' },
      { from: 'enable_compression', to: 'compression_enabled' },
    ]);
  });

  it('names the key path as written (aliases and overlays included), the value seen and what was expected', async () => {
    const file = join(dir(), 'recordstore.yaml');
    const base = await load(
      'storage_types:\n  main:\n    class: memory\n    config:\n      enable_ttl: perhaps\n',
    );
    const error = await storageError(() => validateLoadedConfig(base));
    expect(error.path).toBe('storage_types.main.config.enable_ttl');
    expect(error.message).toBe(
      `${file}: storage_types.main.config.enable_ttl: Invalid input: expected boolean, received string (got "perhaps")`,
    );
    const overlaid = await load(BASE, { environment: 'production', env: { PROD_BATCH: 'abc' } });
    const fromOverlay = await storageError(() => validateLoadedConfig(overlaid));
    expect(fromOverlay.path).toBe('environments.production.storage_types.main.config.batch_size');
    expect(fromOverlay.message).toContain(
      'environments.production.storage_types.main.config.batch_size: Invalid input: expected number, received string (got "abc")',
    );
  });

  it('refuses unknown keys with "did you mean"', async () => {
    const config = await load('storage_types:\n  main:\n    class: memory\n    config: { batch_sizes: 3 }\n');
    const error = await storageError(() => validateLoadedConfig(config));
    expect(error.message).toContain(
      'storage_types.main.config.batch_sizes: unknown key "batch_sizes" (did you mean "batch_size"?)',
    );
  });

  it('names the class key path for an unknown class', async () => {
    const config = await load(
      'storage_types:\n  main: { class: src.backends.redis_backend.RedisStorageBackend }\n',
    );
    const error = await storageError(() => validateLoadedConfig(config));
    expect(error.path).toBe('storage_types.main.class');
    expect(error.message).toContain(
      'storage_types.main.class: Unknown storage class "src.backends.redis_backend.RedisStorageBackend"',
    );
  });

  it('reports the problems of all storage types together', async () => {
    const config = await load(
      'storage_types:\n  a: { class: memory, config: { batch_size: x } }\n  b: { class: memory, config: { nope: 1 } }\ndefault: a\n',
    );
    const error = await storageError(() => validateLoadedConfig(config));
    expect(error.message).toContain('2 storage types have problems:');
    expect(error.message).toContain(
      'storage_types.a.config.batch_size: Invalid input: expected number, received string (got "x")',
    );
    expect(error.message).toContain('storage_types.b.config.nope: unknown key "nope"');
  });

  it('masks secrets in error messages', async () => {
    const app = createTempApp();
    try {
      writeFiles(app.dir, {
        'recordstore.yaml': `storage_types:
  notes:
    class: ./adapters/notebook/index.mjs#NotebookStorageBackend
    config:
      password: "\${NOTES_PASSWORD}"
`,
      });
      const config = await loadConfig(join(app.dir, 'recordstore.yaml'), {
        env: { NOTES_PASSWORD: 'p4ssw0rd!' },
      });
      const error = await storageError(() => validateLoadedConfig(config));
      expect(error.message).toContain('storage_types.notes.config.password: unknown key "password"');
      expect(error.message).not.toContain('p4ssw0rd!');
      // A secret-named key with a value of the wrong type shows the mask, not the value.
      writeFiles(app.dir, {
        'bad.yaml': 'storage_types:\n  m: { class: memory, config: { backup_path: { token: abc } } }\n',
      });
      const nested = await storageError(async () =>
        validateLoadedConfig(await loadConfig(join(app.dir, 'bad.yaml'), { env: {} })),
      );
      expect(nested.message).toContain(
        `storage_types.m.config.backup_path: Invalid input: expected string, received object (got {"token":"${MASK}"})`,
      );
      expect(nested.message).not.toContain('abc');
    } finally {
      app.cleanup();
    }
  });

  it("resolves a third-party adapter relative to the config file's folder", async () => {
    const app = createTempApp();
    try {
      writeFiles(app.dir, {
        'config/recordstore.yaml': `storage_types:
  notes:
    class: ../adapters/notebook/index.mjs#NotebookStorageBackend
    config: { title: "\${TITLE:Journal}" }
`,
      });
      const config = await loadConfig(join(app.dir, 'config', 'recordstore.yaml'), { env: {} });
      const [result] = await validateLoadedConfig(config);
      expect(result).toMatchObject({
        name: 'notes',
        backend: '../adapters/notebook/index.mjs#NotebookStorageBackend',
        config: { notebook_title: 'Journal' },
        mappedKeys: [{ from: 'title', to: 'notebook_title' }],
      });
      const store = await createStorageFromConfig(config);
      expect(store.name).toBe('notebook');
      expect((store as unknown as { title: string }).title).toBe('Journal');
      await store.close();
    } finally {
      app.cleanup();
    }
  });
});

describe('createStorageFromConfig(config, name)', () => {
  it('creates and connects the default storage type with the overlay applied', async () => {
    const config = await load(BASE, { environment: 'development' });
    const store = await createStorageFromConfig(config);
    expect(store.isConnected()).toBe(true);
    expect(store.name).toBe('memory');
    await store.close();
  });

  it('errors name the file and the key path as written in the overlay', async () => {
    const config = await load(BASE, { environment: 'production', env: { PROD_BATCH: '-3' } });
    const error = await storageError(() => createStorageFromConfig(config));
    expect(error.path).toBe('environments.production.storage_types.main.config.batch_size');
    expect(error.message).toBe(
      `${config.file}: environments.production.storage_types.main.config.batch_size: Too small: expected number to be >0 (got "-3")`,
    );
  });

  it('fails for a storage type that is not defined', async () => {
    const error = await storageError(async () => createStorageFromConfig(await load(BASE), 'mian'));
    expect(error.message).toContain('no storage type "mian"; defined: main (did you mean "main"?)');
  });
});
