// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} references are the subject of these tests.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interpolateString, loadConfig, MASK, maskSecrets } from '../src/index.js';
import { storageError as expectError } from './helpers/config-errors.js';
import { BASE, useConfigDir } from './helpers/config-files.js';
import { writeFiles } from './helpers/temp-app.js';

const { dir, load } = useConfigDir();
const storageError = (fn: () => unknown) => expectError(fn, 'config');

describe('loadConfig(file): file format', () => {
  it('reads storage types, records the absolute file and picks the only type as default', async () => {
    const config = await load(BASE);
    expect(config.file).toBe(join(dir(), 'recordstore.yaml'));
    expect(config.environment).toBeNull();
    expect(config.defaultStorage).toBe('main');
    expect(config.storageTypes.main).toEqual({
      name: 'main',
      class: 'memory',
      description: 'Main store for demo',
      metadata: { owner: 'platform' },
      config: { batch_size: '500', ttl_enabled: false },
    });
  });

  it('accepts a storage type written at the top level (the design document form)', async () => {
    const config = await load('postgresql:\n  class: memory\n  config:\n    batch_size: 7\n');
    expect(config.storageTypes.postgresql).toMatchObject({ class: 'memory', config: { batch_size: 7 } });
    expect(config.defaultStorage).toBe('postgresql');
  });

  it('takes the class from the name when a storage type has none', async () => {
    const config = await load('storage_types:\n  memory:\n    config: {}\n');
    expect(config.storageTypes.memory?.class).toBe('memory');
  });

  it('uses default:, else sqlite when present, else fails listing the names', async () => {
    const two = 'storage_types:\n  a: { class: memory }\n  sqlite: { class: sqlite }\n';
    expect((await load(two)).defaultStorage).toBe('sqlite');
    expect((await load(`${two}default: a\n`)).defaultStorage).toBe('a');
    const error = await storageError(() =>
      load('storage_types:\n  a: { class: memory }\n  b: { class: memory }\n'),
    );
    expect(error.message).toContain('several storage types (a, b) and no default: add "default: a"');
    const wrong = await storageError(() => load(`${two}default: c\n`));
    expect(wrong.path).toBe('default');
    expect(wrong.message).toContain('default: expected the name of a storage type (a, sqlite), got "c"');
  });

  it('refuses unknown keys at every level with "did you mean"', async () => {
    const top = await storageError(() => load('storage_type:\n  a: { class: memory }\n'));
    expect(top.path).toBe('storage_type');
    expect(top.message).toContain('unknown top-level key "storage_type" (did you mean "storage_types"?)');
    const inType = await storageError(() => load('storage_types:\n  a: { class: memory, confg: {} }\n'));
    expect(inType.path).toBe('storage_types.a.confg');
    expect(inType.message).toContain('unknown key "confg" (did you mean "config"?)');
    const inEnv = await storageError(() =>
      load('storage_types:\n  a: { class: memory }\nenvironments:\n  dev:\n    storage: {}\n', {
        environment: 'dev',
      }),
    );
    expect(inEnv.path).toBe('environments.dev.storage');
  });

  it('refuses a storage type defined twice', async () => {
    const error = await storageError(() =>
      load('a:\n  class: memory\nstorage_types:\n  a: { class: memory }\n'),
    );
    expect(error.message).toContain('storage type "a" is defined twice (also at a)');
  });

  it('refuses a config: that is not a mapping and a class that is not a string', async () => {
    const config = await storageError(() => load('storage_types:\n  a: { class: memory, config: [1] }\n'));
    expect(config.message).toContain(
      'storage_types.a.config: expected a mapping of backend settings, got [1]',
    );
    const cls = await storageError(() => load('storage_types:\n  a: { class: 5 }\n'));
    expect(cls.path).toBe('storage_types.a.class');
  });

  it('reports invalid YAML with its position, and a missing or empty file', async () => {
    const yaml = await storageError(() => load('storage_types:\n  a: [unclosed\n'));
    expect(yaml.message).toContain('invalid YAML');
    expect(yaml.message).toMatch(/line \d+/);
    const missing = await storageError(() => loadConfig(join(dir(), 'nope.yaml')));
    expect(missing.message).toContain(`Config file not found: ${join(dir(), 'nope.yaml')}`);
    const empty = await storageError(() => load('# nothing\n'));
    expect(empty.message).toContain('the config is empty');
  });

  it('supports YAML anchors and merge keys, with x-* top-level keys to hold shared anchors', async () => {
    const config = await load(`
x-defaults: &defaults
  class: memory
  config: { batch_size: 3 }
storage_types:
  a:
    <<: *defaults
  b:
    <<: *defaults
    description: copy of a
default: a
`);
    expect(Object.keys(config.storageTypes)).toEqual(['a', 'b']);
    expect(config.storageTypes.b).toMatchObject({
      class: 'memory',
      description: 'copy of a',
      config: { batch_size: 3 },
    });
  });
});

describe('interpolation', () => {
  it('replaces ${VAR}, ${VAR:default} and ${VAR:} in every string scalar; values stay strings', async () => {
    const config = await load(
      `storage_types:
  main:
    class: "\${KIND}"
    config:
      backup_path: "\${ROOT}/backups/\${NAME:default}"
      batch_size: "\${BATCH:5}"
      compression_threshold: "\${EMPTY:}"
      nested: { list: ["\${ROOT}", plain, 3] }
`,
      { env: { KIND: 'memory', ROOT: '/srv', BATCH: '7' } },
    );
    expect(config.storageTypes.main?.class).toBe('memory');
    expect(config.storageTypes.main?.config).toEqual({
      backup_path: '/srv/backups/default',
      batch_size: '7',
      compression_threshold: '',
      nested: { list: ['/srv', 'plain', 3] },
    });
  });

  it('fails on an unset variable without default, naming the variable and the key path', async () => {
    const error = await storageError(() =>
      load('storage_types:\n  main:\n    class: memory\n    config:\n      backup_path: "${BACKUP_DIR}"\n'),
    );
    expect(error.path).toBe('storage_types.main.config.backup_path');
    expect(error.message).toContain(
      'storage_types.main.config.backup_path: environment variable BACKUP_DIR is not set',
    );
    expect(error.message).toContain('${BACKUP_DIR:}');
    expect(error.message).toContain(join(dir(), 'recordstore.yaml'));
  });

  it('treats an empty variable as unset (the default applies; without one it is an error)', async () => {
    expect(interpolateString('${A:x}', { A: '' }, 'k')).toBe('x');
    expect(() => interpolateString('${A}', { A: '' }, 'k')).toThrow(/A is not set/);
  });

  it('keeps $${ as a literal ${ and a lone $ as is', () => {
    expect(interpolateString('cost $5, $${NOT_A_VAR}, ${A}$', { A: 'a' }, 'k')).toBe(
      'cost $5, ${NOT_A_VAR}, a$',
    );
  });

  it('refuses malformed references', () => {
    expect(() => interpolateString('${UNCLOSED', {}, 'k.p')).toThrow(/k\.p: unterminated/);
    expect(() => interpolateString('${1BAD}', {}, 'k')).toThrow(/is not a variable reference/);
  });

  it('reads process.env when no env is given', async () => {
    process.env.RECORDSTORE_TEST_BATCH = '42';
    try {
      writeFiles(dir(), {
        'c.yaml':
          'storage_types:\n  m: { class: memory, config: { batch_size: "${RECORDSTORE_TEST_BATCH}" } }\n',
      });
      const config = await loadConfig(join(dir(), 'c.yaml'));
      expect(config.storageTypes.m?.config.batch_size).toBe('42');
    } finally {
      delete process.env.RECORDSTORE_TEST_BATCH;
    }
  });

  it('does not interpolate environments that are not selected', async () => {
    // PROD_BATCH is unset, which only matters when production is chosen.
    expect((await load(BASE, { environment: 'development' })).storageTypes.main?.config.batch_size).toBe(10);
    const error = await storageError(() => load(BASE, { environment: 'production' }));
    expect(error.path).toBe('environments.production.storage_types.main.config.batch_size');
    expect(error.message).toContain('PROD_BATCH is not set');
  });
});

describe('environment overlays', () => {
  it('applies the overlay named by the environment option, deep-merged over the base', async () => {
    const config = await load(BASE, { environment: 'production', env: { PROD_BATCH: '900' } });
    expect(config.environment).toBe('production');
    expect(config.storageTypes.main).toMatchObject({
      class: 'memory',
      description: 'Main store for demo',
      config: { batch_size: '900', ttl_enabled: true },
    });
  });

  it('falls back to RECORDSTORE_ENV, then NODE_ENV; RECORDSTORE_ENV wins', async () => {
    expect((await load(BASE, { env: { RECORDSTORE_ENV: 'development' } })).environment).toBe('development');
    expect((await load(BASE, { env: { NODE_ENV: 'development' } })).environment).toBe('development');
    const both = await load(BASE, {
      env: { RECORDSTORE_ENV: 'production', NODE_ENV: 'development', PROD_BATCH: '1' },
    });
    expect(both.environment).toBe('production');
    expect(both.storageTypes.main?.config.batch_size).toBe('1');
  });

  it('the option wins over the variables', async () => {
    const config = await load(BASE, { environment: 'development', env: { RECORDSTORE_ENV: 'production' } });
    expect(config.environment).toBe('development');
  });

  it('ignores an environment from the variables that the file does not define', async () => {
    const config = await load(BASE, { env: { NODE_ENV: 'test' } });
    expect(config.environment).toBeNull();
    expect(config.storageTypes.main?.config.batch_size).toBe('500');
  });

  it('fails when the option names an environment the file does not define, listing them', async () => {
    const error = await storageError(() => load(BASE, { environment: 'prod' }));
    expect(error.message).toContain(
      'environment "prod" is not defined; the config defines: development, production',
    );
    expect(error.message).toContain('did you mean "production"?');
    const none = await storageError(() =>
      load('storage_types:\n  a: { class: memory }\n', { environment: 'x' }),
    );
    expect(none.message).toContain('defines no environments: section');
  });

  it('an overlay may add a storage type (class from its name) and change the default', async () => {
    const config = await load(
      `storage_types:
  sqlite: { class: sqlite, config: { path: ./data/app.db } }
environments:
  ci:
    default: memory
    storage_types:
      memory: { config: { batch_size: 2 } }
`,
      { environment: 'ci' },
    );
    expect(config.defaultStorage).toBe('memory');
    expect(config.storageTypes.memory).toEqual({
      name: 'memory',
      class: 'memory',
      config: { batch_size: 2 },
    });
    expect(config.storageTypes.sqlite?.config).toEqual({ path: './data/app.db' });
  });

  it('a file with storage types only in environments needs an environment', async () => {
    const text = 'environments:\n  dev:\n    storage_types:\n      memory: { config: {} }\n';
    expect((await load(text, { environment: 'dev' })).defaultStorage).toBe('memory');
    const error = await storageError(() => load(text));
    expect(error.message).toContain(
      'the environments dev define them: choose one with --env or RECORDSTORE_ENV',
    );
  });
});

describe('maskSecrets(value)', () => {
  it('masks secret-named keys at any depth and leaves the input untouched', () => {
    const input = {
      password: 's3cret',
      nested: { db_password: 'x', api_token: 't', client_secret: 's', apiKey: 'k', list: [{ token: 'z' }] },
      ssl_key_file: '/etc/ssl/key.pem',
      host: 'db',
      empty_password: '',
      port: 5432,
    };
    const copy = structuredClone(input);
    expect(maskSecrets(input)).toEqual({
      password: MASK,
      nested: {
        db_password: MASK,
        api_token: MASK,
        client_secret: MASK,
        apiKey: MASK,
        list: [{ token: MASK }],
      },
      ssl_key_file: '/etc/ssl/key.pem',
      host: 'db',
      empty_password: '',
      port: 5432,
    });
    expect(input).toEqual(copy);
  });

  it('masks passwords inside URLs, query parameters, libpq keyword strings and PEM keys', () => {
    expect(maskSecrets('postgres://app:p%40ss@db.internal:5432/prod?sslmode=require&sslpassword=k&x=1')).toBe(
      `postgres://app:${MASK}@db.internal:5432/prod?sslmode=require&sslpassword=${MASK}&x=1`,
    );
    expect(maskSecrets({ url: 'postgresql://u:pw@h/db' })).toEqual({ url: `postgresql://u:${MASK}@h/db` });
    expect(maskSecrets('postgres://user@h/db')).toBe('postgres://user@h/db');
    expect(maskSecrets("host=db password='a b' user=app")).toBe(`host=db password=${MASK} user=app`);
    expect(maskSecrets({ cert: '-----BEGIN PRIVATE KEY-----\nMIIE...\n-----END PRIVATE KEY-----' })).toEqual({
      cert: MASK,
    });
  });

  it('masks a whole loaded config for printing', async () => {
    const config = await load(
      'storage_types:\n  pg:\n    class: postgresql\n    config: { url: "postgres://a:${PW}@h/d", password: "${PW}" }\n',
      { env: { PW: 'hunter2' } },
    );
    const printed = JSON.stringify(maskSecrets(config));
    expect(printed).not.toContain('hunter2');
    expect(printed).toContain(`postgres://a:${MASK}@h/d`);
    expect(config.storageTypes.pg?.config.password).toBe('hunter2');
  });
});
