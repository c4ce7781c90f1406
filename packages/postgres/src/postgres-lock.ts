import type { LockCapability, StorageError } from '@recordstore/core';
import type pg from 'pg';
import * as meta from './generated/meta.queries.js';
import { clientExecutor } from './postgres-statements.js';
import { createSession } from './queries.js';

/** What {@link postgresLock} needs from the driver. */
export interface LockSources {
  /** Opens a connection of its own (outside the pool, so a held lock never takes an application slot). */
  connect(): Promise<pg.Client>;
  /** The store's tenant (`''` without one): tenant stores sharing a schema lock separately. */
  scope: string;
  convert(error: unknown): StorageError;
}

/**
 * The PostgreSQL `lock` capability: a transaction-scoped advisory lock on (schema, tenant, name), held by
 * an open transaction on a dedicated connection until released. Transaction-scoped rather than session
 * locks, so it also holds through PgBouncer in transaction mode; a process that dies closes its
 * connection, which releases the lock.
 */
export function postgresLock(sources: LockSources): LockCapability {
  return {
    tryAcquire: async (name) => {
      let client: pg.Client | null = null;
      try {
        client = await sources.connect();
        await client.query('BEGIN');
        const session = createSession(clientExecutor(client), false, sources.convert);
        const [row] = await meta.tryStoreLock.run({ name, scope: sources.scope }, session.connection);
        if (row?.locked !== true) {
          await client.end().catch(() => {});
          return null;
        }
      } catch (error) {
        await client?.end().catch(() => {});
        throw sources.convert(error);
      }
      const held = client;
      let released = false;
      return {
        release: async () => {
          if (released) return;
          released = true;
          // Ending the connection ends the transaction, and with it the lock.
          await held.end().catch(() => {});
        },
      };
    },
  };
}
