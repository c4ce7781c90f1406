import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  commonConfigShape,
  configString,
  coreSettingsFrom,
  defineBackend,
  MemoryDriver,
  MemoryStorageBackend,
  memoryConfigSchema,
  registerBackend,
  StorageError,
  validateBackendConfig,
} from '../src/index.js';
import { ADAPTER_PATH, storageError } from './helpers/config-errors.js';
import { createTempApp } from './helpers/temp-app.js';

let app: { dir: string; cleanup: () => void };
beforeAll(() => {
  app = createTempApp();
});
afterAll(() => app.cleanup());

/** A backend with secrets and its own key alias, to test validation without a database. */
const vaultConfigSchema = z
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
const vaultBackend = defineBackend<z.infer<typeof vaultConfigSchema>>({
  name: 'vault',
  configSchema: vaultConfigSchema,
  configKeys: Object.keys(vaultConfigSchema.shape),
  keyAliases: { vault_host: 'host' },
  createDriver: (_config, { settings }) => new MemoryDriver(settings),
});
registerBackend('vault', vaultBackend);

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
    // The one parse: the result constructs a store without parsing again.
    expect(result.parsed.settings.defaultTtlMs).toBe(120_000);
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

  it('accepts a definition or a store class given directly', async () => {
    const byDefinition = await validateBackendConfig(vaultBackend, { port: 1, password: 'long-enough-pw' });
    expect(byDefinition).toMatchObject({ name: 'vault', definition: vaultBackend, Backend: undefined });
    const byClass = await validateBackendConfig(MemoryStorageBackend, { batch_size: '5' });
    expect(byClass).toMatchObject({
      name: 'memory',
      Backend: MemoryStorageBackend,
      config: { batch_size: 5 },
    });
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

  it("names the key path, the value seen and what was expected (the schema library's message)", async () => {
    const error = await storageError(() =>
      validateBackendConfig(
        'vault',
        { port: 'abc', password: 'long-enough-pw' },
        { path: 'storage_types.v.config' },
      ),
    );
    expect(error.kind).toBe('config');
    expect(error.path).toBe('storage_types.v.config.port');
    expect(error.message).toBe(
      'storage_types.v.config.port: Invalid input: expected number, received string (got "abc")',
    );
  });

  it('names a key alias by the name it was written with', async () => {
    const error = await storageError(() =>
      validateBackendConfig('vault', { vault_host: ['db'], port: 1, password: 'long-enough-pw' }),
    );
    expect(error.path).toBe('config.vault_host');
    expect(error.message).toBe(
      'config.vault_host: Invalid input: expected string, received array (got ["db"])',
    );
  });

  it.each([
    [{ batch_size: '0' }, 'config.batch_size: Too small: expected number to be >0 (got "0")'],
    [{ batch_size: 1.5 }, 'config.batch_size: Invalid input: expected int, received number (got 1.5)'],
    [
      { ttl_enabled: 'maybe' },
      'config.ttl_enabled: Invalid input: expected boolean, received string (got "maybe")',
    ],
    [
      { compression_threshold: -1 },
      'config.compression_threshold: Too small: expected number to be >=0 (got -1)',
    ],
    [
      { backup_path: ['a'] },
      'config.backup_path: Invalid input: expected string, received array (got ["a"])',
    ],
  ])('explains %j', async (config, message) => {
    const error = await storageError(() => validateBackendConfig('memory', config));
    expect(error.message).toBe(message);
  });

  it('explains an enum with its choices', async () => {
    const error = await storageError(() =>
      validateBackendConfig('vault', { port: 1, password: 'long-enough-pw', mode: 'prefer' }),
    );
    expect(error.message).toBe(
      'config.mode: Invalid option: expected one of "disable"|"require" (got "prefer")',
    );
  });

  it('says when a required key is missing', async () => {
    const error = await storageError(() => validateBackendConfig('vault', { port: 1 }));
    expect(error.message).toBe(
      'config.password: Invalid input: expected string, received undefined (the key is missing)',
    );
  });

  it('refuses unknown keys with a "did you mean" suggestion (aliases included)', async () => {
    const error = await storageError(() => validateBackendConfig('memory', { batch_sise: 5 }));
    expect(error.path).toBe('config.batch_sise');
    expect(error.message).toBe('config.batch_sise: unknown key "batch_sise" (did you mean "batch_size"?)');
    const old = await storageError(() => validateBackendConfig('memory', { enable_ttls: true }));
    expect(old.message).toContain('did you mean "enable_ttl"?');
    // Core checks the keys itself: the schema library's own wording never reaches the user.
    expect(old.message).not.toContain('Unrecognized key');
  });

  it('lists the known keys when nothing is close', async () => {
    const error = await storageError(() => validateBackendConfig('memory', { zzzzzzzz: 1 }));
    expect(error.message).toContain('unknown key "zzzzzzzz" (known keys: backup_enabled,');
  });

  it('reports every problem at once, unknown keys first', async () => {
    const error = await storageError(() =>
      validateBackendConfig('memory', { batch_size: 'x', compression_threshold: 'y', nope: 1 }),
    );
    expect(error.path).toBe('config.nope');
    expect(error.message).toContain('3 problems in the config:');
    expect(error.message).toContain('  - config.nope: unknown key "nope"');
    expect(error.message).toContain(
      '  - config.batch_size: Invalid input: expected number, received string (got "x")',
    );
  });

  it('never shows a secret in an error message', async () => {
    const secret = 'hunter2';
    const error = await storageError(() => validateBackendConfig('vault', { port: 1, password: secret }));
    expect(error.message).toBe('config.password: password must be at least 12 characters (got "********")');
    expect(error.message).not.toContain(secret);
    const token = await storageError(() =>
      validateBackendConfig('vault', { port: 1, password: 'long-enough-pw', api_token: 12345 }),
    );
    expect(token.message).toBe(
      'config.api_token: Invalid input: expected string, received number (got "********")',
    );
    expect(JSON.stringify(token.toJSON())).not.toContain('12345');
    expect(JSON.stringify(token.cause)).not.toContain('12345');
  });

  it("passes a backend's own refinement messages through, at the key they name", async () => {
    const stagedSchema = z
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
    registerBackend(
      'staged',
      defineBackend({
        name: 'staged',
        configSchema: stagedSchema,
        configKeys: [...Object.keys(commonConfigShape), 'partitioning_enabled'],
        createDriver: (_config, { settings }) => new MemoryDriver(settings),
      }),
    );
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
      coreSettingsFrom(memoryConfigSchema.parse({ default_ttl_seconds: 60, default_ttl_days: 1 })),
    ).toThrow(StorageError);
    expect(() => new MemoryStorageBackend({ default_ttl_seconds: 60, default_ttl_days: 1 })).toThrow(
      'default_ttl_seconds and default_ttl_days say the same thing',
    );
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
    const titled = await storageError(() =>
      validateBackendConfig(ADAPTER_PATH, { title: 5n as never }, { baseDir: app.dir }),
    );
    expect(titled.path).toBe('config.title');
  });
});
