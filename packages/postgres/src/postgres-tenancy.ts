import { AsyncLocalStorage } from 'node:async_hooks';
import { StorageError } from '@recordstore/core';
import type { ClientBase, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import * as security from './generated/security.queries.js';
import { clientExecutor } from './postgres-statements.js';
import type { SqlSession } from './queries.js';

/**
 * Per-transaction settings read by the database: `recordstore.tenant_id` (row-level security policy and
 * the tenant_id column default, migration 1795800000000) and `recordstore.actor` (the audit trigger).
 *
 * They are set with `set_config(name, value, true)` (= SET LOCAL) inside the transaction of each
 * statement, never on the session: a pooled connection (or PgBouncer in transaction mode) hands the
 * next statement to whoever comes next, and a session setting would follow it there. Values are bind
 * parameters, so neither a tenant id nor an actor is ever part of SQL text.
 */
export interface SessionSettings {
  /** The tenant the store is bound to (config `tenant_id`). */
  tenantId: string | undefined;
  /** Who acts: {@link ActorScope.run}'s actor, else config `audit_actor`. */
  actor: string | undefined;
}

/** The one statement that applies both settings to the current transaction. */
export const APPLY_SETTINGS_SQL =
  "SELECT set_config('recordstore.tenant_id', $1, true), set_config('recordstore.actor', $2, true)";

/** True when there is something to set (otherwise statements run as they are, without a transaction). */
export function hasSettings(settings: SessionSettings): boolean {
  return settings.tenantId !== undefined || settings.actor !== undefined;
}

/** Applies the settings to the transaction open on `client`. */
export async function applySettings(
  client: { query(config: QueryConfig): Promise<unknown> },
  settings: SessionSettings,
): Promise<void> {
  if (!hasSettings(settings)) return;
  await client.query({ text: APPLY_SETTINGS_SQL, values: [settings.tenantId ?? '', settings.actor ?? ''] });
}

/**
 * Runs one statement in a transaction of its own with the settings applied (BEGIN; set_config; the
 * statement; COMMIT). Without settings the statement runs alone, as before. Costs three extra round trips,
 * which is the price of never relying on session state.
 */
export async function queryWithSettings<R extends QueryResultRow>(
  client: ClientBase,
  config: QueryConfig,
  settings: SessionSettings,
): Promise<QueryResult<R>> {
  const executor = clientExecutor(client);
  if (!hasSettings(settings)) return executor.query<R>(config);
  await client.query('BEGIN');
  try {
    await applySettings(client, settings);
    // The callback form: `config` may be a submittable (a record list), which the promise form returns as is.
    const result = await executor.query<R>(config);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * The actor of the calls made inside {@link ActorScope.run}, carried through async calls (so concurrent
 * requests of different users on one store each record their own actor).
 */
export class ActorScope {
  readonly #storage = new AsyncLocalStorage<string>();

  /** The actor of the current async context, if any. */
  get current(): string | undefined {
    return this.#storage.getStore();
  }

  /**
   * Runs `fn` with `actor` recorded as the actor of every write it makes.
   * @throws StorageError(validation) for an empty actor or one with a NUL character.
   */
  run<T>(actor: string, fn: () => Promise<T>): Promise<T> {
    if (typeof actor !== 'string' || actor === '' || actor.includes('\u0000')) {
      throw new StorageError(
        'validation',
        'postgresql: runAs(actor): actor must be a non-empty string without NUL.',
        {
          path: 'actor',
          backend: 'postgresql',
        },
      );
    }
    return this.#storage.run(actor, fn);
  }
}

/**
 * Checks (and when possible sets up) tenant isolation at connect:
 * - `tenant_id` set and row-level security off: the owner turns it on (ALTER TABLE ... ENABLE ROW LEVEL
 *   SECURITY); any other role gets a config error, since isolation would not be enforced.
 * - `tenant_id` set but the role owns the table or bypasses RLS: allowed (that is how the owner turns it
 *   on), with a warning, because PostgreSQL enforces nothing for such a role.
 * - no `tenant_id` while RLS is on, as a role it binds: a config error (the store would see nothing).
 * @throws StorageError(config) naming `tenant_id`.
 */
export async function prepareTenancy(
  session: SqlSession,
  tenantId: string | undefined,
  warn: (message: string) => void,
): Promise<void> {
  const [state] = await security.tenancyState.run(undefined, session.connection);
  if (state === undefined) return; // No table: the migration check reports it.
  const exempt = state.owner || state.bypass;
  if (tenantId === undefined) {
    if (state.rls && !exempt) {
      throw new StorageError(
        'config',
        'postgresql: tenant isolation (row-level security) is on for storage_records and this role is bound by it, ' +
          'so without tenant_id the store would see no rows. Set tenant_id (or use a role that owns the table).',
        { path: 'config.tenant_id', backend: 'postgresql' },
      );
    }
    return;
  }
  if (!state.rls) {
    if (!state.owner) {
      throw new StorageError(
        'config',
        'postgresql: tenant_id is set but row-level security is off for storage_records and this role may not ' +
          'turn it on. Connect once as the table owner with tenant_id set, or run `ALTER TABLE storage_records ' +
          'ENABLE ROW LEVEL SECURITY` as the owner.',
        { path: 'config.tenant_id', backend: 'postgresql' },
      );
    }
    await security.enableRowLevelSecurity.run(undefined, session.connection);
  }
  if (exempt) {
    warn(
      'recordstore: tenant_id is set but this role owns storage_records or bypasses row-level security, so ' +
        'PostgreSQL does not enforce tenant isolation for it; run the application as a DML-only role.',
    );
  }
}
