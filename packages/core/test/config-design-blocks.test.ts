// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} references are the subject of these tests.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../src/index.js';
import { FIXTURES } from './helpers/temp-app.js';

describe("the design document's YAML blocks (verbatim fixtures)", () => {
  const postgresBlock = readFileSync(join(FIXTURES, 'design-postgresql.yaml'), 'utf8');
  const environmentsBlock = readFileSync(join(FIXTURES, 'design-environments.yaml'), 'utf8');
  // Full validation needs the PostgreSQL backend; its package's tests validate these files.

  it('the postgresql: block parses with its ${VAR:default} defaults, as strings', () => {
    const config = parseConfigText(postgresBlock, { env: {} });
    expect(config.defaultStorage).toBe('postgresql');
    const pg = config.storageTypes.postgresql!;
    expect(pg.class).toBe('src.adapters.storage.backends.postgresql_backend.PostgreSQLStorageBackend');
    expect(pg.description).toBe('PostgreSQL企业级存储后端');
    expect(pg.metadata).toMatchObject({ category: 'database', performance: { read_speed: 'high' } });
    expect(pg.config).toMatchObject({
      host: 'localhost',
      port: '5432',
      database: 'storage',
      username: 'postgres',
      password: '',
      connection_pool_size: 10,
      ssl_mode: 'prefer',
      statement_timeout: 30000,
      auto_migrate: true,
      migration_table: 'alembic_version',
    });
    expect(Object.keys(pg.config)).toHaveLength(42);
  });

  it('the postgresql: block takes values from the environment', () => {
    const env = {
      POSTGRES_HOST: 'db',
      POSTGRES_PORT: '6543',
      POSTGRES_DB: 'app',
      POSTGRES_USER: 'svc',
      POSTGRES_PASSWORD: 'pw',
    };
    const pg = parseConfigText(postgresBlock, { env }).storageTypes.postgresql!;
    expect(pg.config).toMatchObject({
      host: 'db',
      port: '6543',
      database: 'app',
      username: 'svc',
      password: 'pw',
    });
  });

  it('the environments: block gives the postgresql type per environment', () => {
    const dev = parseConfigText(environmentsBlock, { env: {}, environment: 'development' });
    expect(dev.defaultStorage).toBe('postgresql');
    expect(dev.storageTypes.postgresql).toMatchObject({
      class: 'postgresql',
      config: { database: 'storage_dev', port: 5432, connection_pool_size: 5, auto_migrate: true },
    });
    const testing = parseConfigText(environmentsBlock, { env: { RECORDSTORE_ENV: 'testing' } });
    expect(testing.storageTypes.postgresql?.config).toMatchObject({
      database: 'storage_test',
      ttl_enabled: false,
    });
  });

  it('the production environment needs its variables and says which one is missing', () => {
    expect(() => parseConfigText(environmentsBlock, { env: { NODE_ENV: 'production' } })).toThrow(
      /environments\.production\.storage_types\.postgresql\.config\.host: environment variable POSTGRES_HOST is not set/,
    );
    const env = {
      NODE_ENV: 'production',
      POSTGRES_HOST: 'db',
      POSTGRES_DB: 'prod',
      POSTGRES_USER: 'svc',
      POSTGRES_PASSWORD: 'pw',
    };
    const prod = parseConfigText(environmentsBlock, { env });
    expect(prod.environment).toBe('production');
    expect(prod.storageTypes.postgresql?.config).toMatchObject({
      host: 'db',
      port: '5432',
      database: 'prod',
      password: 'pw',
      ssl_mode: 'require',
      connection_pool_max_overflow: 40,
      slow_query_threshold_ms: 500,
    });
  });

  it('both blocks in one file: the overlay merges over the base postgresql type', () => {
    const both = `${postgresBlock}\n${environmentsBlock}`;
    const prod = parseConfigText(both, {
      env: { POSTGRES_HOST: 'db', POSTGRES_DB: 'prod', POSTGRES_USER: 'svc', POSTGRES_PASSWORD: 'pw' },
      environment: 'production',
    });
    const pg = prod.storageTypes.postgresql!;
    expect(pg.class).toBe('src.adapters.storage.backends.postgresql_backend.PostgreSQLStorageBackend');
    expect(pg.config).toMatchObject({
      host: 'db',
      ssl_mode: 'require',
      backup_interval_hours: 6,
      table_name: 'storage_records',
    });
    expect(Object.keys(pg.config)).toHaveLength(42);
  });
});
