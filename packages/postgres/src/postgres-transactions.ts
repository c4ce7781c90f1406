import { StorageError } from '@recordstore/core';
import type pg from 'pg';
import { isBrokenConnectionError } from './postgres-errors.js';
import { clientExecutor, type Queryable } from './postgres-statements.js';
import { applySettings, type SessionSettings } from './postgres-tenancy.js';
import { createSession, type SqlSession } from './queries.js';

/** What {@link runTransaction} needs from the driver. */
export interface TransactionContext {
  /** The primary's pool; null when not connected. */
  pool: pg.Pool | null;
  preparedStatements: boolean;
  convert(error: unknown): StorageError;
  /** The tenant and actor applied with SET LOCAL at the start of the transaction. */
  settings(): SessionSettings;
  /** Wraps the executor on the transaction's client (statement metrics); identity when metrics are off. */
  instrument(executor: Queryable): Queryable;
}

/**
 * Holds one pooled client from BEGIN to COMMIT (ROLLBACK when `fn` throws) and always releases it; a
 * client whose connection broke is discarded rather than returned to the pool.
 */
export async function runTransaction<T>(
  context: TransactionContext,
  fn: (session: SqlSession, client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const pool = context.pool;
  if (pool === null) throw context.convert(new Error('Connection terminated: not connected'));
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw context.convert(error);
  }
  let broken: Error | undefined;
  const executor = context.instrument(clientExecutor(client));
  const session = createSession(executor, context.preparedStatements, (e) => context.convert(e));
  try {
    await session.dynamic({ text: 'BEGIN', values: [] });
    let result: T;
    try {
      // Inside the try: if setting the tenant/actor fails, the transaction is still rolled back before the
      // client goes back to the pool (else the next user would find it aborted).
      await applySettings(executor, context.settings());
      result = await fn(session, client);
    } catch (error) {
      await session.dynamic({ text: 'ROLLBACK', values: [] }).catch((rollbackError: unknown) => {
        broken = rollbackError as Error;
      });
      throw error;
    }
    await session.dynamic({ text: 'COMMIT', values: [] });
    return result;
  } catch (error) {
    const native = error instanceof StorageError && error.cause !== undefined ? error.cause : error;
    if (isBrokenConnectionError(native)) broken = error as Error;
    throw error;
  } finally {
    client.release(broken ?? false);
  }
}
