import { isStorageError, type StorageError } from '@recordstore/core';
import { type ProvisionedPostgres, provisionPostgres } from '@recordstore/testkit/postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PostgreSQLStorageBackend } from '../src/index.js';
import { type PostgresConfigInput, postgresConfigSchema } from '../src/postgres-config.js';
import { postgresIdentity, resolveTarget } from '../src/postgres-connection.js';
import { replicaPasswords, replicaTarget } from '../src/postgres-replicas.js';

/**
 * Connection URLs are read by pg-connection-string (every form the pg driver reads), with the PG*
 * environment filling what the config leaves unset; proven on a real server reached over its unix socket.
 */

const SECRET = 'Url-Secret-Pw-4471';
const NO_ENV = {};

function target(input: PostgresConfigInput, env: NodeJS.ProcessEnv = NO_ENV) {
  return resolveTarget(postgresConfigSchema.parse(input), env);
}

function thrown(fn: () => unknown): StorageError {
  try {
    fn();
  } catch (error) {
    if (isStorageError(error)) return error;
    throw error;
  }
  throw new Error('expected a StorageError');
}

describe('URL forms (parsed, no server)', () => {
  it('reads a TCP URL with credentials, port and database', () => {
    expect(target({ url: `postgres://app:${SECRET}@db.internal:6432/orders` })).toMatchObject({
      host: 'db.internal',
      port: 6432,
      database: 'orders',
      user: 'app',
      password: SECRET,
      sslMode: 'disable',
    });
  });

  it('reads the unix socket forms libpq and pg accept', () => {
    expect(target({ url: 'postgres:///app?host=/run/postgresql' })).toMatchObject({
      host: '/run/postgresql',
      database: 'app',
      port: 5432,
    });
    expect(target({ url: 'postgresql://%2Frun%2Fpostgresql/app' })).toMatchObject({
      host: '/run/postgresql',
      database: 'app',
    });
    expect(target({ url: 'socket:/var/run/pg?db=app' })).toMatchObject({
      host: '/var/run/pg',
      database: 'app',
    });
    expect(target({ url: 'postgres://u@localhost/app?host=/tmp/s&port=6543' })).toMatchObject({
      host: '/tmp/s',
      port: 6543,
    });
  });

  it('never negotiates TLS over a socket (libpq), even with ssl_enabled', () => {
    const t = target({ url: 'postgres:///app?host=/tmp/x', ssl_enabled: true, ssl_mode: 'require' });
    expect(t.sslMode).toBe('disable');
  });

  it('keeps application_name, options, fallback_application_name and client_encoding', () => {
    const t = target({
      url: 'postgres://h/db?application_name=billing&options=-c%20work_mem%3D7MB&fallback_application_name=fb&client_encoding=UTF8',
    });
    expect(t).toMatchObject({
      applicationName: 'billing',
      startupOptions: '-c work_mem=7MB',
      fallbackApplicationName: 'fb',
      clientEncoding: 'UTF8',
    });
    // The explicit key wins over the URL.
    expect(
      target({ url: 'postgres://h/db?application_name=billing', application_name: 'own' }).applicationName,
    ).toBe('own');
  });

  it('keeps TLS modes ours (libpq semantics), files not read at parse time', () => {
    const t = target({ url: 'postgres://h/db?sslmode=verify-ca&sslrootcert=/nonexistent/ca.pem' });
    expect(t).toMatchObject({ sslMode: 'verify-ca', sslCaFile: '/nonexistent/ca.pem' });
    expect(target({ url: 'postgres://h/db?ssl=true' }).sslMode).toBe('verify-full');
  });

  it('fills unset fields from PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGAPPNAME', () => {
    const env = {
      PGHOST: '/run/pg',
      PGPORT: '5544',
      PGUSER: 'envuser',
      PGPASSWORD: SECRET,
      PGDATABASE: 'envdb',
      PGAPPNAME: 'envapp',
    };
    expect(target({}, env)).toMatchObject({
      host: '/run/pg',
      port: 5544,
      user: 'envuser',
      password: SECRET,
      database: 'envdb',
      applicationName: 'envapp',
    });
    // The URL and the explicit keys come first.
    expect(target({ url: 'postgres://urluser@urlhost/urldb', port: 7000 }, env)).toMatchObject({
      host: 'urlhost',
      port: 7000,
      user: 'urluser',
      database: 'urldb',
      password: SECRET,
    });
    expect(thrown(() => target({}, { PGPORT: 'x' })).message).toContain('PGPORT');
  });

  it('refuses a parameter pg would ignore, naming the key and never echoing the password', () => {
    const error = thrown(() => target({ url: `postgres://u:${SECRET}@h/db?connect_timeout=5` }));
    expect(error.kind).toBe('config');
    expect(error.message).toContain('connect_timeout');
    expect(error.message).not.toContain(SECRET);
    const port = thrown(() => target({ url: `postgres://u:${SECRET}@h:99999/db` }));
    expect(port.kind).toBe('config');
    expect(port.message).not.toContain(SECRET);
  });

  it('gives socket stores a credential-free identity', () => {
    const config = postgresConfigSchema.parse({ url: `postgres://u:${SECRET}@/app?host=/run/postgresql` });
    expect(postgresIdentity(config)).toBe('postgresql://%2Frun%2Fpostgresql:5432/app?schema=public');
  });

  it('reads replica URLs with the same parser', () => {
    const primary = target({ url: 'postgres://u@primary/app' });
    expect(replicaTarget('postgres://r:pw@replica:5433/app?sslmode=require', primary, 0)).toMatchObject({
      host: 'replica',
      port: 5433,
      user: 'r',
      password: 'pw',
      sslMode: 'require',
    });
    expect(replicaTarget('postgres:///app?host=/run/replica', primary, 0).host).toBe('/run/replica');
    expect(replicaPasswords(['r1:5432', `postgres://r:${encodeURIComponent(SECRET)}@r2`])).toEqual([SECRET]);
  });
});

describe('a real server over its unix socket', () => {
  let server: ProvisionedPostgres;
  let socketDir: string;
  const open: PostgreSQLStorageBackend[] = [];
  const saved = { ...process.env };

  beforeAll(async () => {
    // A dedicated local cluster: the run's shared server may be a URL whose socket folder is unknown.
    server = await provisionPostgres({ provider: 'local' });
    socketDir = server.socketDir!;
    expect(socketDir).toBeTruthy();
    await server.createDatabase({ name: 'sockapp' });
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close().catch(() => {})));
    for (const key of Object.keys(process.env)) if (key.startsWith('PG')) delete process.env[key];
    Object.assign(process.env, saved);
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function connect(config: PostgresConfigInput): Promise<PostgreSQLStorageBackend> {
    const store = new PostgreSQLStorageBackend({ connection_pool_size: 2, ...config });
    open.push(store);
    await store.connect();
    return store;
  }

  /** Where the session of `store` is connected from, its application_name and a startup option. */
  async function session(store: PostgreSQLStorageBackend) {
    const rows = await store.transaction(async (tx) => {
      await tx.save({ id: 'probe', data: { ok: true } });
      return null;
    });
    expect(rows).toBeNull();
    const pg = await import('pg');
    // Read the store's own session through pg_stat_activity, from a separate socket client.
    const client = new pg.default.Client({
      host: socketDir,
      port: server.port!,
      database: 'sockapp',
      user: 'postgres',
    });
    await client.connect();
    try {
      const result = await client.query(
        "SELECT application_name, client_addr IS NULL AS on_socket FROM pg_stat_activity WHERE datname = 'sockapp' AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
      );
      return result.rows as { application_name: string; on_socket: boolean }[];
    } finally {
      await client.end();
    }
  }

  it('connects with postgres:///db?host=<socket dir>, application_name and options from the URL', async () => {
    const store = await connect({
      url: `postgres:///sockapp?host=${encodeURIComponent(socketDir)}&port=${server.port}&user=postgres&application_name=rs_sock&options=-c%20work_mem%3D7MB`,
    });
    expect(await store.load('probe')).toBeNull();
    const sessions = await session(store);
    expect(sessions.length).toBeGreaterThan(0);
    expect(sessions.every((s) => s.application_name === 'rs_sock' && s.on_socket)).toBe(true);
    const health = await store.healthCheck();
    expect(health.status).toBe('healthy');
  });

  it('connects with postgresql://%2F...socket/db', async () => {
    const store = await connect({
      url: `postgresql://postgres@${encodeURIComponent(socketDir)}:${server.port}/sockapp?application_name=rs_sock2`,
    });
    await store.save({ id: 'a', data: { n: 1 } });
    expect((await store.load('a'))?.data).toEqual({ n: 1 });
    const sessions = await session(store);
    expect(sessions.some((s) => s.application_name === 'rs_sock2' && s.on_socket)).toBe(true);
  });

  it('applies the URL options as startup parameters', async () => {
    const store = await connect({
      url: `postgres:///sockapp?host=${encodeURIComponent(socketDir)}&port=${server.port}&options=-c%20work_mem%3D7MB`,
    });
    const pg = await import('pg');
    // A client built from the store's own resolved options sees the same startup option.
    const { resolveConnection } = await import('../src/postgres-connection.js');
    const resolved = await resolveConnection(store.config as never);
    const client = new pg.default.Client(resolved.client);
    await client.connect();
    try {
      expect((await client.query('SHOW work_mem')).rows[0]).toEqual({ work_mem: '7MB' });
    } finally {
      await client.end();
    }
  });

  it('connects with nothing but PGHOST, PGPORT, PGUSER and PGDATABASE', async () => {
    process.env.PGHOST = socketDir;
    process.env.PGPORT = String(server.port);
    process.env.PGUSER = 'postgres';
    process.env.PGDATABASE = 'sockapp';
    process.env.PGAPPNAME = 'rs_env';
    const store = await connect({});
    await store.save({ id: 'env', data: { via: 'env' } });
    expect((await store.load('env'))?.data).toEqual({ via: 'env' });
    const sessions = await session(store);
    expect(sessions.some((s) => s.application_name === 'rs_env' && s.on_socket)).toBe(true);
  });

  it('never prints PGPASSWORD when the connection fails', async () => {
    process.env.PGHOST = `${socketDir}/missing`;
    process.env.PGPORT = String(server.port);
    process.env.PGPASSWORD = SECRET;
    const store = new PostgreSQLStorageBackend({ connect_timeout: 2 });
    let error: unknown;
    try {
      await store.connect();
    } catch (e) {
      error = e;
    }
    expect(isStorageError(error), String(error)).toBe(true);
    expect((error as StorageError).kind, (error as Error).message).toBe('connection');
    const text = `${(error as Error).message} ${(error as Error).stack} ${JSON.stringify(error)}`;
    expect(text).not.toContain(SECRET);
  });
});
