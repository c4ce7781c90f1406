import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, requireBuild, runCliProcess, tempDir } from './helpers.js';

// Interpolation with defaults, the existing layer's key names, and an environment overlay.
const CONFIG = `
default: main
storage_types:
  main:
    class: src.adapters.storage.backends.sqlite_backend.SQLiteStorageBackend
    description: "the application store"
    config:
      path: "\${STORE_DIR:./data}/main.db"
      enable_ttl: "\${TTL_ON:false}"
      default_ttl_seconds: "\${TTL_SECONDS:3600}"
  scratch:
    class: memory
    config:
      batch_size: 50
environments:
  staging:
    storage_types:
      main:
        config:
          path: ./data/staging.db
          enable_compression: "\${COMPRESS:true}"
`;

interface CheckJson {
  valid: boolean;
  file: string;
  environment: string | null;
  storageTypes: {
    name: string;
    backend: string;
    default: boolean;
    mappedKeys: { from: string; to: string }[];
  }[];
}

describe('recordstore config check / config print', () => {
  const tmp = tempDir();
  const file = join(tmp.dir, 'recordstore.yaml');
  beforeAll(() => {
    requireBuild();
    writeFileSync(file, CONFIG);
  });
  afterAll(tmp.cleanup);

  it('validates a config using env interpolation with defaults and reports the mapped existing-layer keys', async () => {
    const result = await runCliProcess(['config', 'check'], {
      cwd: tmp.dir,
      env: { TTL_ON: 'yes', NO_COLOR: '1' },
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`config ${file}`);
    expect(result.stdout).toContain('main (default): sqlite');
    expect(result.stdout).toContain('enable_ttl -> ttl_enabled');
    expect(result.stdout).toContain('scratch: memory');
    expect(result.stdout).toContain('config is valid: 2 storage types');
  });

  it('applies the environment overlay chosen by RECORDSTORE_ENV (set in the environment)', async () => {
    const result = await runCliProcess(['config', 'check', '--json'], {
      cwd: tmp.dir,
      env: { RECORDSTORE_ENV: 'staging', TTL_ON: 'true' },
    });
    expect(result.code).toBe(0);
    const check = parseJson<CheckJson>(result);
    expect(check).toMatchObject({ valid: true, file, environment: 'staging' });
    const main = check.storageTypes.find((t) => t.name === 'main');
    expect(main).toMatchObject({ backend: 'sqlite', default: true });
    expect(main?.mappedKeys).toEqual(
      expect.arrayContaining([
        { from: 'enable_ttl', to: 'ttl_enabled' },
        { from: 'enable_compression', to: 'compression_enabled' },
      ]),
    );
    // NODE_ENV chooses the overlay too, and --env wins over both.
    const byNodeEnv = parseJson<CheckJson>(
      await runCliProcess(['config', 'check', '--json'], { cwd: tmp.dir, env: { NODE_ENV: 'staging' } }),
    );
    expect(byNodeEnv.environment).toBe('staging');
    const none = parseJson<CheckJson>(
      await runCliProcess(['config', 'check', '--json'], { cwd: tmp.dir, env: { NODE_ENV: 'test' } }),
    );
    expect(none.environment).toBeNull();
  });

  it('commands use the overlaid, interpolated config', async () => {
    const put = await runCliProcess(['put', '{"id":"x","type":"probe"}'], {
      cwd: tmp.dir,
      env: { RECORDSTORE_ENV: 'staging' },
    });
    expect(put.code).toBe(0);
    expect(existsSync(join(tmp.dir, 'data', 'staging.db'))).toBe(true);
    expect(existsSync(join(tmp.dir, 'data', 'main.db'))).toBe(false);
    const elsewhere = join(tmp.dir, 'elsewhere');
    const put2 = await runCliProcess(['put', '{"id":"y"}'], { cwd: tmp.dir, env: { STORE_DIR: elsewhere } });
    expect(put2.code).toBe(0);
    expect(existsSync(join(elsewhere, 'main.db'))).toBe(true);
  });

  it('a bad config value exits 2 naming the key path and the value', async () => {
    const result = await runCliProcess(['config', 'check'], { cwd: tmp.dir, env: { TTL_SECONDS: 'soon' } });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('storage_types.main.config.default_ttl_seconds');
    expect(result.stderr).toContain('"soon"');
    const json = await runCliProcess(['config', 'check', '--json'], {
      cwd: tmp.dir,
      env: { TTL_SECONDS: 'soon' },
    });
    expect(json.code).toBe(2);
    expect(parseJson<{ error: { kind: string; path: string } }>(json).error).toMatchObject({
      kind: 'config',
      path: 'storage_types.main.config.default_ttl_seconds',
    });
    // Every command refuses the bad value the same way, before touching the store.
    const put = await runCliProcess(['put', '{"a":1}'], { cwd: tmp.dir, env: { TTL_SECONDS: '-1' } });
    expect(put.code).toBe(2);
    expect(put.stderr).toContain('default_ttl_seconds');
  });

  it('an unknown --env, --storage or missing --config file exits 2', async () => {
    const env = await runCliProcess(['config', 'check', '--env', 'prod'], { cwd: tmp.dir });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('environment "prod" is not defined; the config defines: staging');
    const storage = await runCliProcess(['health', '--storage', 'nope'], { cwd: tmp.dir });
    expect(storage.code).toBe(2);
    expect(storage.stderr).toContain('it defines: main, scratch');
    const missing = await runCliProcess(['config', 'check', '--config', 'missing.yaml'], { cwd: tmp.dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('recordstore init');
  });

  it('config print shows the resolved config with secrets masked', async () => {
    const secretFile = join(tmp.dir, 'secret.yaml');
    writeFileSync(
      secretFile,
      `postgresql:
  class: postgresql
  config:
    host: "\${PGHOST_X:db.internal}"
    password: "\${PGPASSWORD_X:}"
    url: "postgres://app:\${PGPASSWORD_X:}@db.internal:5432/records"
`,
    );
    const env = { PGPASSWORD_X: 'hunter2-s3cret' };
    const human = await runCliProcess(['config', 'print', '--config', secretFile], { cwd: tmp.dir, env });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('host: db.internal');
    expect(human.stdout).toContain('password: "********"');
    expect(human.stdout).toContain('postgres://app:********@db.internal:5432/records');
    expect(human.stdout).not.toContain('hunter2');
    const json = await runCliProcess(['config', 'print', '--json', '--config', secretFile], {
      cwd: tmp.dir,
      env,
    });
    const printed = parseJson<{
      default: string;
      storage_types: { postgresql: { config: Record<string, string> } };
    }>(json);
    expect(printed.default).toBe('postgresql');
    expect(printed.storage_types.postgresql.config).toMatchObject({
      host: 'db.internal',
      password: '********',
    });
    expect(json.stdout).not.toContain('hunter2');
  });

  it('config print shows the overlay applied', async () => {
    const result = await runCliProcess(['config', 'print', '--json', '--env', 'staging'], { cwd: tmp.dir });
    const printed = parseJson<{
      environment: string;
      storage_types: { main: { config: Record<string, unknown> } };
    }>(result);
    expect(printed.environment).toBe('staging');
    expect(printed.storage_types.main.config).toMatchObject({
      path: './data/staging.db',
      enable_ttl: 'false',
      enable_compression: 'true',
    });
  });

  it('without a config file, check and print describe the embedded SQLite default', async () => {
    const empty = tempDir();
    try {
      const check = parseJson<CheckJson>(
        await runCliProcess(['config', 'check', '--json'], { cwd: empty.dir }),
      );
      expect(check).toMatchObject({
        valid: true,
        file: null,
        storageTypes: [{ name: 'default', backend: 'sqlite' }],
      });
      const print = parseJson(await runCliProcess(['config', 'print', '--json'], { cwd: empty.dir }));
      expect(print).toMatchObject({ file: null, storage_types: { default: { class: 'sqlite' } } });
    } finally {
      empty.cleanup();
    }
  });
});
