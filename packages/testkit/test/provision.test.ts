import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTemplateDatabase,
  ProvisionError,
  type ProvisionedPostgres,
  provisionPostgres,
} from '../src/provision/index.js';

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Resolves with the error code of a TCP connection attempt, or 'connected'. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe("provisionPostgres({ provider: 'local' })", () => {
  let postgres: ProvisionedPostgres;
  const timings: string[] = [];

  beforeAll(async () => {
    postgres = await provisionPostgres({ provider: 'local', log: (line) => timings.push(line) });
  });

  afterAll(async () => {
    await postgres?.stop();
  });

  it('serves a local cluster with binaries, data dir and port', () => {
    expect(postgres.provider).toBe('local');
    expect(postgres.url).toBe(`postgres://postgres@127.0.0.1:${postgres.port}/postgres`);
    expect(postgres.binDir && existsSync(`${postgres.binDir}/pg_basebackup`)).toBe(true);
    expect(postgres.dataDir && existsSync(`${postgres.dataDir}/PG_VERSION`)).toBe(true);
    expect(timings.some((line) => /initdb took \d+ ms/.test(line))).toBe(true);
  });

  it('reports serverVersion as SHOW server_version does', async () => {
    const [row] = await query<{ server_version: string }>(postgres.url, 'SHOW server_version');
    expect(postgres.serverVersion).toMatch(/^\d+\.\d+/);
    expect(row?.server_version.split(' ')[0]).toBe(postgres.serverVersion);
  });

  it('is ready for streaming replicas', async () => {
    const rows = await query<{ name: string; setting: string }>(
      postgres.url,
      "SELECT name, setting FROM pg_settings WHERE name IN ('wal_level', 'max_wal_senders', 'fsync', 'listen_addresses') ORDER BY name",
    );
    expect(Object.fromEntries(rows.map((row) => [row.name, row.setting]))).toEqual({
      fsync: 'off',
      listen_addresses: '127.0.0.1',
      max_wal_senders: '10',
      wal_level: 'replica',
    });
  });

  it('createDatabase() returns isolated databases', async () => {
    const first = await postgres.createDatabase();
    const second = await postgres.createDatabase();
    expect(first).not.toBe(second);
    expect(first).toMatch(/\/rs_test_[0-9a-f]{24}$/);
    for (const url of [first, second]) await query(url, 'CREATE TABLE item (id int PRIMARY KEY, label text)');

    await query(first, "INSERT INTO item VALUES (1, 'only in first')");

    expect(await query(first, 'SELECT id, label FROM item')).toEqual([{ id: 1, label: 'only in first' }]);
    expect(await query(second, 'SELECT id, label FROM item')).toEqual([]);
    await postgres.dropDatabase(first);
    await postgres.dropDatabase(second);
  });

  it('dropDatabase(url) removes the database even with open connections', async () => {
    const url = await postgres.createDatabase({ name: 'rs_explicit_name' });
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => {});
    await client.connect();
    await postgres.dropDatabase(url);
    await client.end().catch(() => {});
    const rows = await query(postgres.url, "SELECT 1 FROM pg_database WHERE datname = 'rs_explicit_name'");
    expect(rows).toEqual([]);
  });

  it('dropDatabase(url) refuses databases it did not create', async () => {
    await expect(postgres.dropDatabase(postgres.url)).rejects.toMatchObject({ kind: 'not_owned' });
  });

  it('createDatabase() rejects names that are not plain identifiers', async () => {
    await expect(postgres.createDatabase({ name: 'x"; DROP DATABASE postgres; --' })).rejects.toMatchObject({
      kind: 'validation',
    });
    await expect(postgres.createDatabase({ template: 'Upper' })).rejects.toBeInstanceOf(ProvisionError);
  });

  it('createTemplateDatabase() prepares a template that createDatabase({ template }) clones', async () => {
    const template = await createTemplateDatabase(postgres, 'rs_template_test', async (url) => {
      await query(url, 'CREATE TABLE migrated (id int); INSERT INTO migrated VALUES (42)');
    });
    const clone = await postgres.createDatabase({ template });
    expect(await query(clone, 'SELECT id FROM migrated')).toEqual([{ id: 42 }]);
    const [flag] = await query<{ datistemplate: boolean }>(
      postgres.url,
      "SELECT datistemplate FROM pg_database WHERE datname = 'rs_template_test'",
    );
    expect(flag?.datistemplate).toBe(true);
    await postgres.dropDatabase(clone);
    await postgres.dropDatabase(`${postgres.url.replace(/\/postgres$/, '')}/${template}`);
  });

  it("provider 'url' serves RECORDSTORE_TEST_POSTGRES_URL and stop() drops only its own databases", async () => {
    const saved = process.env.RECORDSTORE_TEST_POSTGRES_URL;
    process.env.RECORDSTORE_TEST_POSTGRES_URL = postgres.url;
    try {
      const shared = await provisionPostgres({ provider: 'url' });
      expect(shared).toMatchObject({
        provider: 'url',
        url: postgres.url,
        serverVersion: postgres.serverVersion,
      });
      const mine = await shared.createDatabase();
      const theirs = await postgres.createDatabase();
      await shared.stop();
      const names = (await query<{ datname: string }>(postgres.url, 'SELECT datname FROM pg_database')).map(
        (row) => row.datname,
      );
      expect(names).not.toContain(mine.split('/').pop());
      expect(names).toContain(theirs.split('/').pop());
      await postgres.dropDatabase(theirs);
    } finally {
      if (saved === undefined) delete process.env.RECORDSTORE_TEST_POSTGRES_URL;
      else process.env.RECORDSTORE_TEST_POSTGRES_URL = saved;
    }
  });

  it('stop() stops the server, deletes the data dir and is idempotent', async () => {
    const { port, dataDir } = postgres;
    expect(await tryConnect(port!)).toBe('connected');
    await Promise.all([postgres.stop(), postgres.stop()]);
    await postgres.stop();
    expect(await tryConnect(port!)).toBe('ECONNREFUSED');
    expect(existsSync(dataDir!)).toBe(false);
    await expect(postgres.createDatabase()).rejects.toMatchObject({ kind: 'stopped' });
  });
});

describe('provisionPostgres() with an impossible forced provider', () => {
  it("explains the three ways when provider 'url' is forced without RECORDSTORE_TEST_POSTGRES_URL", async () => {
    const saved = process.env.RECORDSTORE_TEST_POSTGRES_URL;
    delete process.env.RECORDSTORE_TEST_POSTGRES_URL;
    try {
      const error = await provisionPostgres({ provider: 'url' }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProvisionError);
      expect(error).toMatchObject({ kind: 'unavailable', provider: 'url' });
      const { message } = error as ProvisionError;
      expect(message).toContain('RECORDSTORE_TEST_POSTGRES_URL is not set');
      expect(message).toContain('set RECORDSTORE_TEST_POSTGRES_URL');
      expect(message).toContain('start a container runtime');
      expect(message).toContain('setup-podman.sh');
      expect(message).toContain('apt-get install -y postgresql');
    } finally {
      if (saved !== undefined) process.env.RECORDSTORE_TEST_POSTGRES_URL = saved;
    }
  });

  it('rejects an unknown RECORDSTORE_TEST_POSTGRES_PROVIDER with the accepted values', async () => {
    const saved = process.env.RECORDSTORE_TEST_POSTGRES_PROVIDER;
    process.env.RECORDSTORE_TEST_POSTGRES_PROVIDER = 'docker';
    try {
      await expect(provisionPostgres()).rejects.toThrow(
        /expected one of url, testcontainers, local, embedded/,
      );
    } finally {
      if (saved === undefined) delete process.env.RECORDSTORE_TEST_POSTGRES_PROVIDER;
      else process.env.RECORDSTORE_TEST_POSTGRES_PROVIDER = saved;
    }
  });
});
