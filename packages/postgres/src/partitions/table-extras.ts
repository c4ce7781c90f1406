import * as maintenance from '../generated/partition-maintenance.queries.js';
import * as security from '../generated/security.queries.js';
import * as definition from '../generated/table-definition.queries.js';
import { ident } from './partition-ddl.js';
import { catalogOn, type SqlClient } from './sql-client.js';

/**
 * What `CREATE TABLE ... (LIKE ...)` does not carry over to a converted storage_records: row-level
 * security and its policies, triggers (the audit trigger), grants and the owner. Captured as statements
 * before the old table is renamed and replayed on the new one after the copy.
 */

/** What gives the new storage_records the old one's extras. */
export interface TableExtras {
  /** CREATE POLICY, CREATE TRIGGER (and its enabled state) and GRANT statements. */
  statements: string[];
  rowLevelSecurity: boolean;
  forceRowLevelSecurity: boolean;
  /** Null when the table is missing (nothing to carry over). */
  owner: string | null;
}

const COMMANDS: Readonly<Record<string, string>> = {
  '*': 'ALL',
  r: 'SELECT',
  a: 'INSERT',
  w: 'UPDATE',
  d: 'DELETE',
};
const TRIGGER_STATES: Readonly<Record<string, string>> = {
  D: 'DISABLE',
  R: 'ENABLE REPLICA',
  A: 'ENABLE ALWAYS',
};

/**
 * Captures the old table's RLS, policies, triggers, grants and owner, to replay on the new table.
 * Role names come back quoted from the catalog query; expressions are PostgreSQL's own deparsed text.
 */
export async function captureTableExtras(client: SqlClient): Promise<TableExtras> {
  const db = catalogOn(client);
  const statements: string[] = [];
  const [table] = await definition.tableSecurity.run(undefined, db);
  if (!table) return { statements, rowLevelSecurity: false, forceRowLevelSecurity: false, owner: null };
  for (const p of await definition.tablePolicies.run(undefined, db)) {
    statements.push(
      `CREATE POLICY ${ident(p.name)} ON storage_records AS ${p.permissive ? 'PERMISSIVE' : 'RESTRICTIVE'} ` +
        `FOR ${COMMANDS[p.cmd] ?? 'ALL'} TO ${p.roles.join(', ')}` +
        `${p.qual === null ? '' : ` USING (${p.qual})`}${p.with_check === null ? '' : ` WITH CHECK (${p.with_check})`}`,
    );
  }
  for (const trigger of await definition.tableTriggers.run(undefined, db)) {
    // Captured before the rename: `ON <schema>.storage_records` names the new table when replayed.
    statements.push(trigger.definition);
    const state = TRIGGER_STATES[trigger.enabled];
    if (state) statements.push(`ALTER TABLE storage_records ${state} TRIGGER ${ident(trigger.name)}`);
  }
  for (const g of await definition.tableGrants.run(undefined, db)) {
    statements.push(
      `GRANT ${g.privilege} ON storage_records TO ${g.grantee}${g.grantable ? ' WITH GRANT OPTION' : ''}`,
    );
  }
  return { statements, rowLevelSecurity: table.rls, forceRowLevelSecurity: table.force, owner: table.owner };
}

/** Replays captured extras on the new storage_records; the owner last (the changes before need ownership). */
export async function restoreTableExtras(client: SqlClient, extras: TableExtras): Promise<void> {
  const db = catalogOn(client);
  for (const statement of extras.statements) await client.query(statement);
  if (extras.rowLevelSecurity) await security.enableRowLevelSecurity.run(undefined, db);
  if (extras.forceRowLevelSecurity) await maintenance.forceRowLevelSecurity.run(undefined, db);
  if (extras.owner !== null)
    await client.query(`ALTER TABLE storage_records OWNER TO ${ident(extras.owner)}`);
}
