import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProvisionedPostgres, provisionPostgres } from '../src/provision/index.js';

/**
 * Gate. This file runs when Testcontainers is required (RECORDSTORE_TEST_POSTGRES_PROVIDER=testcontainers)
 * or when the environment claims a runtime (DOCKER_HOST, as setup-podman.sh exports, or Docker's socket).
 * Then a runtime that does not answer, or an image that cannot be had, FAILS the tests. Only when neither
 * is the case is the suite excluded, and the excluded test's title says why and how to include it.
 */
const REQUIRED = process.env.RECORDSTORE_TEST_POSTGRES_PROVIDER === 'testcontainers';
const RUNTIME_CLAIMED = Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
const RUN = REQUIRED || RUNTIME_CLAIMED;

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** Ids of the runtime's containers (running or not), through the same client Testcontainers uses. */
async function containerIds(): Promise<string[]> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  const client = await getContainerRuntimeClient();
  return (await client.container.list()).map((info) => info.Id);
}

async function withEnv<T>(changes: Record<string, string | undefined>, work: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(changes).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(changes);
  try {
    return await work();
  } finally {
    apply(saved);
  }
}

const EXCLUDED_REASON =
  'NOT RUN: no container runtime configured (DOCKER_HOST unset, no /var/run/docker.sock); run ' +
  'eval "$(bash ../shared/containers/setup-podman.sh)" or set RECORDSTORE_TEST_POSTGRES_PROVIDER=testcontainers to require it';
// Printed as well as shown as a skipped test, so that the default reporter's output says it too.
if (!RUN) console.warn(`provision-testcontainers.test.ts: ${EXCLUDED_REASON}`);

describe.skipIf(RUN)('testcontainers provider', () => {
  it.skip(EXCLUDED_REASON, () => {});
});

describe.runIf(RUN)('testcontainers provider forced by RECORDSTORE_TEST_POSTGRES_PROVIDER', () => {
  let postgres: ProvisionedPostgres;
  const lines: string[] = [];

  beforeAll(async () => {
    postgres = await withEnv({ RECORDSTORE_TEST_POSTGRES_PROVIDER: 'testcontainers' }, () =>
      provisionPostgres({ log: (line) => lines.push(line) }),
    );
  }, 120_000);

  afterAll(async () => {
    await postgres?.stop();
  });

  it('serves a container from RECORDSTORE_TEST_POSTGRES_IMAGE and a query runs', async () => {
    const image = process.env.RECORDSTORE_TEST_POSTGRES_IMAGE?.trim() || 'postgres:15-alpine';
    expect(postgres.provider).toBe('testcontainers');
    expect(postgres.source).toBe(image);
    expect(postgres.serverVersion).toMatch(/^\d+\.\d+$/);
    const url = await postgres.createDatabase();
    await query(url, 'CREATE TABLE item (id int PRIMARY KEY); INSERT INTO item VALUES (7)');
    expect(await query(url, 'SELECT id FROM item')).toEqual([{ id: 7 }]);
    await postgres.dropDatabase(url);
  });

  it('connects through TESTCONTAINERS_HOST_OVERRIDE with a password, durability off', async () => {
    const url = new URL(postgres.url);
    const override = process.env.TESTCONTAINERS_HOST_OVERRIDE?.trim();
    if (override) expect(url.hostname).toBe(override);
    expect(url.password).not.toBe('');
    expect(lines.join('\n')).not.toContain(url.password);
    const [row] = await query<{ fsync: string }>(postgres.url, "SELECT current_setting('fsync') AS fsync");
    expect(row?.fsync).toBe('off');
  });

  it('explains a missing image when the runtime answers', async () => {
    const error = await withEnv(
      { RECORDSTORE_TEST_POSTGRES_IMAGE: 'localhost/recordstore-no-such-image:0' },
      () => provisionPostgres({ provider: 'testcontainers' }),
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: 'startup', provider: 'testcontainers' });
    expect((error as Error).message).toMatch(
      /a container runtime answered, but image "localhost\/recordstore-no-such-image:0" is neither present nor pullable/,
    );
    expect((error as Error).message).toContain('RECORDSTORE_TEST_POSTGRES_IMAGE');
  }, 120_000);

  it('stop() removes the container', async () => {
    const { hostname } = new URL(postgres.url);
    const before = await containerIds();
    await postgres.stop();
    expect(await tryConnect(hostname, postgres.port!)).toBe('ECONNREFUSED');
    const after = await containerIds();
    expect(after.length).toBe(before.length - 1);
  });
});
