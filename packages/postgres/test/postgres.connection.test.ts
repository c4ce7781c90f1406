import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { isStorageError, type StorageError } from '@recordstore/core';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgreSQLStorageBackend } from '../src/index.js';
import { backendOn, useSuiteDatabase } from './helpers.js';

const db = useSuiteDatabase();
const SECRET = 'Sup3r-Secret-Passw0rd';
const open: PostgreSQLStorageBackend[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close().catch(() => {})));
});

async function connected(config: Record<string, unknown>): Promise<PostgreSQLStorageBackend> {
  const store = backendOn(db.url, config);
  open.push(store);
  await store.connect();
  return store;
}

async function rejection(promise: Promise<unknown>): Promise<StorageError> {
  try {
    await promise;
  } catch (error) {
    if (isStorageError(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

/** Holds a row lock from another connection until released. */
async function lockRow(id: string): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query('BEGIN');
  await client.query('SELECT 1 FROM storage_records WHERE id = $1 FOR UPDATE', [id]);
  return async () => {
    await client.query('ROLLBACK');
    await client.end();
  };
}

/** A TCP proxy to the test server that can be shut down (the server "goes away"). */
async function proxy(): Promise<{ port: number; kill(): Promise<void> }> {
  const target = new URL(db.url);
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    const upstream = tcpConnect(Number(target.port), target.hostname);
    sockets.add(socket).add(upstream);
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    kill: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('postgresql connection keys', () => {
  it('pool max = connection_pool_size + connection_pool_max_overflow; idle connections above size are released', async () => {
    const store = await connected({ connection_pool_size: 2, connection_pool_max_overflow: 3 });
    const pool = store.pool!;
    // Shorten the idle release for the test (IDLE_RELEASE_MS is 10 s).
    (pool as unknown as { options: { idleTimeoutMillis: number } }).options.idleTimeoutMillis = 100;
    let peak = 0;
    const watcher = setInterval(() => (peak = Math.max(peak, pool.totalCount)), 5);
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        store.transaction(async (tx) => {
          await tx.save({ id: `pool-${i}` });
          await sleep(150);
        }),
      ),
    );
    clearInterval(watcher);
    expect(peak).toBe(5);
    await sleep(600);
    expect(pool.totalCount).toBe(2);
  });

  it('connection_pool_timeout: waiting longer for a free connection fails with kind timeout', async () => {
    const store = await connected({
      connection_pool_size: 1,
      connection_pool_max_overflow: 0,
      connection_pool_timeout: 0.3,
    });
    let release!: () => void;
    const held = store.transaction(() => new Promise<void>((r) => (release = r)));
    await sleep(50);
    const started = Date.now();
    const error = await rejection(store.load('nope'));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error).toMatchObject({ kind: 'timeout', retryable: true });
    expect(error.message).toContain('connection_pool_timeout');
    release();
    await held;
  });

  it('statement_timeout (server side) cancels a statement: kind timeout', async () => {
    const store = await connected({ statement_timeout: 200, command_timeout: 0 });
    await store.save({ id: 'locked-1' });
    const unlock = await lockRow('locked-1');
    try {
      const error = await rejection(store.update('locked-1', { a: 1 }));
      expect(error).toMatchObject({ kind: 'timeout', code: '57014' });
    } finally {
      await unlock();
    }
    expect(await store.update('locked-1', { a: 2 })).toBe(true);
  });

  it('command_timeout (client side) gives up on a statement: kind timeout, and the store keeps working', async () => {
    const store = await connected({ statement_timeout: 0, command_timeout: 0.3 });
    await store.save({ id: 'locked-2' });
    const unlock = await lockRow('locked-2');
    try {
      const started = Date.now();
      const error = await rejection(store.update('locked-2', { a: 1 }));
      expect(Date.now() - started).toBeLessThan(3000);
      expect(error).toMatchObject({ kind: 'timeout' });
      expect(error.message).toContain('command_timeout');
    } finally {
      await unlock();
    }
    expect(await store.load('locked-2')).toMatchObject({ id: 'locked-2' });
  });

  it('connect_timeout: a server that never answers fails with kind connection within the time', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    try {
      const store = new PostgreSQLStorageBackend({
        host: '127.0.0.1',
        port,
        connect_timeout: 0.5,
        password: SECRET,
      });
      const started = Date.now();
      const error = await rejection(store.connect());
      expect(Date.now() - started).toBeLessThan(3000);
      expect(error.kind).toBe('connection');
      expect(error.message).not.toContain(SECRET);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it('a closed port fails to connect with kind connection, retryable, without the password', async () => {
    const p = await proxy();
    await p.kill();
    const store = new PostgreSQLStorageBackend({ url: `postgres://app:${SECRET}@127.0.0.1:${p.port}/x` });
    const error = await rejection(store.connect());
    expect(error).toMatchObject({ kind: 'connection', retryable: true });
    expect(JSON.stringify({ m: error.message, j: error.toJSON() })).not.toContain(SECRET);
  });

  it('healthCheck() with the server gone is unhealthy with the reason, does not throw, never shows the password', async () => {
    const p = await proxy();
    const server = new URL(db.url);
    const database = server.pathname.slice(1);
    // A trust-auth cluster takes any password; a server with real auth (Testcontainers) needs its own.
    const username = decodeURIComponent(server.username) || 'postgres';
    const password = decodeURIComponent(server.password) || SECRET;
    const store = new PostgreSQLStorageBackend({
      host: '127.0.0.1',
      port: p.port,
      database,
      username,
      password,
      connect_timeout: 2,
    });
    open.push(store);
    await store.connect();
    const healthy = await store.healthCheck();
    expect(healthy.status).toBe('healthy');
    expect(healthy.details).toMatchObject({
      version: expect.stringContaining('PostgreSQL'),
      database,
      user: username,
      pool: { total: expect.any(Number), idle: expect.any(Number), waiting: 0 },
    });
    for (const key of [
      'sizeBytes',
      'connections',
      'commits',
      'rollbacks',
      'tuplesInserted',
      'tuplesUpdated',
      'tuplesDeleted',
      'liveRows',
      'deadRows',
    ]) {
      expect(typeof healthy.details[key], key).toBe('number');
    }
    await p.kill();
    const report = await store.healthCheck();
    expect(report.status).toBe('unhealthy');
    expect(report.error).toMatch(/connect|reach|terminated|ECONNREFUSED/i);
    expect(JSON.stringify(report)).not.toContain(password);
  });

  it('a missing database gives kind config telling to create it', async () => {
    const u = new URL(db.url);
    u.pathname = '/rs_no_such_database';
    const error = await rejection(new PostgreSQLStorageBackend({ url: u.toString() }).connect());
    expect(error).toMatchObject({ kind: 'config', code: '3D000' });
    expect(error.message).toMatch(/create/i);
  });

  it('unreadable ssl files are a config error naming the key and the path', async () => {
    const store = new PostgreSQLStorageBackend({
      url: db.url,
      ssl_enabled: true,
      ssl_mode: 'verify-full',
      ssl_ca_file: '/nonexistent/ca.pem',
    });
    const error = await rejection(store.connect());
    expect(error).toMatchObject({ kind: 'config', path: 'config.ssl_ca_file' });
    expect(error.message).toContain('/nonexistent/ca.pem');
  });

  it('ssl_mode prefer falls back to plain on a server without TLS; require fails with kind connection', async () => {
    const prefer = await connected({ ssl_enabled: true, ssl_mode: 'prefer' });
    expect((await prefer.healthCheck()).details.ssl).toBe(false);
    const required = backendOn(db.url, { ssl_enabled: true, ssl_mode: 'require' });
    const error = await rejection(required.connect());
    expect(error.kind).toBe('connection');
    expect(error.message).toMatch(/SSL|TLS/);
  });

  it('schema_name keeps stores apart in one database; prepared_statements toggles named statements', async () => {
    const a = await connected({
      schema_name: 'conn_a',
      connection_pool_size: 1,
      connection_pool_max_overflow: 0,
    });
    const b = await connected({
      schema_name: 'conn_b',
      connection_pool_size: 1,
      connection_pool_max_overflow: 0,
      prepared_statements: false,
    });
    await a.save({ id: 'same', v: 'a' });
    await b.save({ id: 'same', v: 'b' });
    expect(await a.load('same')).toMatchObject({ v: 'a' });
    expect(await b.load('same')).toMatchObject({ v: 'b' });
    const names = async (store: PostgreSQLStorageBackend) =>
      (await store.pool!.query<{ name: string }>('SELECT name FROM pg_prepared_statements')).rows.map(
        (r) => r.name,
      );
    expect((await names(a)).some((n) => n.startsWith('rs_'))).toBe(true);
    expect(await names(b)).toEqual([]);
  });
});
