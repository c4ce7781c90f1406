import { type AuditEntry as CoreAuditEntry, StorageError } from '@recordstore/core';
import * as audit from './generated/security.queries.js';
import type { SqlSession } from './queries.js';

/**
 * The audit log: `recordstore_audit`, filled by the `recordstore_audit` trigger on storage_records
 * (migration 1795800000000). The migration creates the trigger disabled; `audit_enabled: true` enables
 * it at connect. Disabling it is deliberate work for the owner (`ALTER TABLE storage_records DISABLE
 * TRIGGER recordstore_audit`): a client configured without audit does not switch off everyone's log.
 */

/** One audit row. */
export interface AuditEntry extends CoreAuditEntry {
  auditId: number;
  at: Date;
  /** The database role that made the change (session_user). */
  dbRole: string;
  /** The application-supplied actor (`runAs(actor, fn)` or `audit_actor`), if any. */
  actor: string | null;
  tenantId: string | null;
  operation: 'INSERT' | 'UPDATE' | 'DELETE';
  recordId: string;
  /** sha256 (hex) of the row before the change (null for an insert). */
  oldHash: string | null;
  /** sha256 (hex) of the row after the change (null for a delete). */
  newHash: string | null;
  /** The transaction id: rows of one saveMany share it. */
  txid: string;
}

/** What to read from the audit log (the `audit` capability's `entries`, `auditLog`). */
export interface AuditQuery {
  /** Only the entries of this record id. */
  id?: string;
  /** At most this many, newest first (default 100). */
  limit?: number;
}

/**
 * Enables the audit trigger when it is disabled. Needs the table owner; an application role gets a
 * config error telling it how to have the owner do it.
 */
export async function enableAuditTrigger(session: SqlSession): Promise<void> {
  const rows = await audit.auditTriggerState.run(undefined, session.connection);
  if (rows.length === 0) {
    throw new StorageError(
      'config',
      'postgresql: audit_enabled is true but the audit trigger is missing: run `recordstore migrate up`.',
      { path: 'config.audit_enabled', backend: 'postgresql' },
    );
  }
  if (rows[0]!.enabled !== 'D') return;
  try {
    await audit.enableAuditTrigger.run(undefined, session.connection);
  } catch (error) {
    if (error instanceof StorageError && error.code === '42501') {
      throw new StorageError(
        'config',
        'postgresql: audit_enabled is true but the audit trigger is off and this role may not turn it on ' +
          '(it is not the table owner). Connect once as the owner with audit_enabled: true, or run ' +
          '`ALTER TABLE storage_records ENABLE TRIGGER recordstore_audit` as the owner.',
        { path: 'config.audit_enabled', backend: 'postgresql', code: '42501', cause: error },
      );
    }
    throw error;
  }
}

/** Reads audit rows, newest first (the statement of sql/audit.sql, compiled by pgtyped). */
export async function readAuditLog(session: SqlSession, query: AuditQuery): Promise<AuditEntry[]> {
  const limit = query.limit ?? 100;
  if (!Number.isInteger(limit) || limit <= 0 || limit > 2_147_483_647) {
    throw new StorageError(
      'validation',
      `postgresql: auditLog: limit must be a positive integer, got ${limit}.`,
      {
        path: 'limit',
        backend: 'postgresql',
      },
    );
  }
  if (query.id !== undefined && typeof query.id !== 'string') {
    throw new StorageError('validation', 'postgresql: auditLog: id must be a string.', {
      path: 'id',
      backend: 'postgresql',
    });
  }
  const rows = await audit.readAuditLog.run({ recordId: query.id ?? null, limit }, session.connection);
  return rows.map((r) => ({
    auditId: Number(r.audit_id),
    at: r.at,
    dbRole: r.db_role,
    actor: r.actor,
    tenantId: r.tenant_id,
    operation: r.operation as AuditEntry['operation'],
    recordId: r.record_id,
    oldHash: r.old_hash,
    newHash: r.new_hash,
    txid: r.txid,
  }));
}
