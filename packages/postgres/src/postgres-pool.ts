import type { StorageError } from '@recordstore/core';
import pg from 'pg';
import type { PostgresConfig } from './postgres-config.js';
import type { ResolvedConnection } from './postgres-connection.js';
import { isBrokenConnectionError } from './postgres-errors.js';
import { type Queryable, sendStatement } from './postgres-statements.js';
import { hasSettings, queryWithSettings, type SessionSettings } from './postgres-tenancy.js';

/** Ms an idle connection above `connection_pool_size` stays open before it is closed. */
export const IDLE_RELEASE_MS = 10_000;

/** The most connections one pool opens: `connection_pool_size + connection_pool_max_overflow`. */
export function poolMax(config: PostgresConfig): number {
  return config.connection_pool_size + config.connection_pool_max_overflow;
}

/**
 * A pool with the config's sizes and timeouts on `resolved` (the primary or a replica). `onIdleError`
 * hears about idle connections whose server went away (without a listener Node would crash).
 */
export function createPool(
  config: PostgresConfig,
  resolved: ResolvedConnection,
  onIdleError: (error: Error) => void,
): pg.Pool {
  const connectTimeoutMs = Math.round(config.connect_timeout * 1000);
  // pg-pool uses connectionTimeoutMillis both for waiting on a free client and (passed to the client)
  // for connecting. A client class with its own timeout keeps connect_timeout and
  // connection_pool_timeout apart.
  class RecordstoreClient extends pg.Client {
    constructor(options?: pg.ClientConfig) {
      // pg-pool hides `password` as a non-enumerable property of its options, which a spread drops:
      // without copying it explicitly every pooled connection would try to log in without a password.
      super({ ...options, password: options?.password, connectionTimeoutMillis: connectTimeoutMs });
      // A checked-out client whose link drops emits 'error' besides failing its query; the query's
      // rejection is what reports it, so the event must not crash the process.
      this.on('error', () => {});
    }
  }
  const pool = new pg.Pool({
    ...resolved.client,
    Client: RecordstoreClient,
    max: poolMax(config),
    min: config.connection_pool_size,
    idleTimeoutMillis: IDLE_RELEASE_MS,
    connectionTimeoutMillis: Math.round(config.connection_pool_timeout * 1000),
    maxLifetimeSeconds: config.connection_pool_recycle,
  });
  pool.on('error', onIdleError);
  return pool;
}

/**
 * Runs each statement on a pooled client with the tenant and actor settings applied; a client whose
 * connection broke is discarded, not reused.
 */
export function poolExecutor(pool: pg.Pool, settings: () => SessionSettings): Queryable {
  // pg's callback form of query() and no async frames, rather than awaiting client.query() inside an async
  // function: this runs for every statement, and each promise and frame costs CPU on every point call
  // (about 1 µs of the 45 µs of client CPU a sequential exists takes).
  const run = <R extends pg.QueryResultRow>(
    client: pg.PoolClient,
    config: pg.QueryConfig,
    current: SessionSettings,
    resolve: (result: pg.QueryResult<R>) => void,
    reject: (error: unknown) => void,
  ): void => {
    const done = (error: unknown, result?: pg.QueryResult<R>) => {
      // A connection that broke is discarded, not handed to the next caller.
      client.release(error && isBrokenConnectionError(error) ? (error as Error) : false);
      if (error) reject(error);
      else resolve(result!);
    };
    try {
      if (hasSettings(current)) {
        queryWithSettings<R>(client, config, current).then((result) => done(null, result), done);
      } else {
        sendStatement<R>(client, config, done);
      }
    } catch (error) {
      // pg throws synchronously for some bad configs: the client still goes back to the pool.
      done(error ?? new Error('query failed'));
    }
  };
  return {
    query: <R extends pg.QueryResultRow>(config: pg.QueryConfig) => {
      const current = settings();
      // The checkout stays a promise: its reaction runs in the caller's async context, so the statement
      // is sent from it (what tracing instrumentation of pg reads), whereas pg-pool's callbacks run in
      // whichever context released the client they are handed.
      return pool
        .connect()
        .then(
          (client) =>
            new Promise<pg.QueryResult<R>>((resolve, reject) =>
              run(client, config, current, resolve, reject),
            ),
        );
    },
  };
}

/**
 * Opens one client outside any pool, without statement or command timeouts: migrations and schema changes
 * (a long CREATE INDEX, a layout conversion) must not be cut short by the application's limits.
 */
export async function openMaintenanceClient(resolved: ResolvedConnection): Promise<pg.Client> {
  const client = new pg.Client({
    ...resolved.client,
    statement_timeout: undefined,
    query_timeout: undefined,
  });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
  }
  return client;
}

/** Runs `fn` on a new {@link openMaintenanceClient} and closes it after, converting errors. */
export async function withMaintenanceClient<T>(
  resolved: ResolvedConnection,
  convert: (error: unknown) => StorageError,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  let client: pg.Client | null = null;
  try {
    client = await openMaintenanceClient(resolved);
    return await fn(client);
  } catch (error) {
    throw convert(error);
  } finally {
    await client?.end().catch(() => {});
  }
}

/** Runs `fn` on a dedicated pooled client (outside any transaction), converting errors. */
export async function withPooledClient<T>(
  pool: pg.Pool,
  convert: (error: unknown) => StorageError,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect().catch((error: unknown) => {
    throw convert(error);
  });
  try {
    return await fn(client);
  } catch (error) {
    throw convert(error);
  } finally {
    client.release();
  }
}
