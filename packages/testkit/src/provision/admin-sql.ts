import pg from 'pg';
import { quoteIdentifier } from './identifiers.js';

/** Version facts read from a live server. */
export interface ServerInfo {
  /** `server_version` without a distribution suffix, e.g. `"15.18"`. */
  version: string;
  /** `server_version_num`, e.g. `150018`. */
  versionNum: number;
}

/** SQLSTATE codes this module reacts to. */
const OBJECT_IN_USE = '55006';
const INVALID_CATALOG_NAME = '3D000';

/** First PostgreSQL version with `DROP DATABASE ... WITH (FORCE)`. */
const DROP_FORCE_SINCE = 130000;

/** Opens one connection, runs `work`, and always closes it. Short-lived on purpose: see the comment inside. */
export async function withClient<T>(
  connectionUrl: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({
    connectionString: connectionUrl,
    connectionTimeoutMillis: 10_000,
    application_name: 'recordstore-testkit',
  });
  // A pooled admin connection would outlive stop() and emit 'error' when its server goes away, which
  // crashes the process when nobody listens; a connection per call costs a few milliseconds.
  client.on('error', () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Reads the server version; used once per provisioned server. */
export async function readServerInfo(connectionUrl: string): Promise<ServerInfo> {
  return withClient(connectionUrl, async (client) => {
    const result = await client.query<{ version: string; num: string }>(
      "SELECT current_setting('server_version') AS version, current_setting('server_version_num') AS num",
    );
    const row = result.rows[0];
    if (row === undefined) throw new Error('SHOW server_version returned no row');
    // Debian reports "15.18 (Debian 15.18-0+deb12u1)": keep the number only.
    return { version: row.version.split(' ')[0] ?? row.version, versionNum: Number(row.num) };
  });
}

/**
 * `CREATE DATABASE name [TEMPLATE template]`. Retries briefly while the template is in use: right after
 * a template is prepared, autovacuum or a closing connection can still be attached to it.
 */
export async function createDatabaseSql(adminUrl: string, name: string, template?: string): Promise<void> {
  const sql = `CREATE DATABASE ${quoteIdentifier(name)}${template ? ` TEMPLATE ${quoteIdentifier(template)}` : ''}`;
  for (let attempt = 1; ; attempt += 1) {
    try {
      await withClient(adminUrl, (client) => client.query(sql));
      return;
    } catch (error) {
      if (sqlState(error) !== OBJECT_IN_USE || attempt >= 5) throw error;
      await sleep(100 * attempt);
    }
  }
}

/** Drops a database even when it is a template or has open connections; a missing database is fine. */
export async function dropDatabaseSql(adminUrl: string, name: string, versionNum: number): Promise<void> {
  const quoted = quoteIdentifier(name);
  await withClient(adminUrl, async (client) => {
    try {
      // PostgreSQL refuses to drop a template database.
      await client.query(`ALTER DATABASE ${quoted} WITH IS_TEMPLATE false`);
    } catch (error) {
      if (sqlState(error) === INVALID_CATALOG_NAME) return;
      throw error;
    }
    if (versionNum >= DROP_FORCE_SINCE) {
      await client.query(`DROP DATABASE IF EXISTS ${quoted} WITH (FORCE)`);
      return;
    }
    await terminateConnections(client, name);
    await client.query(`DROP DATABASE IF EXISTS ${quoted}`);
  });
}

/** Closes other sessions on `name` and flags it as a template, so that clones can be made from it. */
export async function markTemplateSql(adminUrl: string, name: string): Promise<void> {
  await withClient(adminUrl, async (client) => {
    // Forbid new sessions first so no connection sneaks in between termination and cloning.
    await client.query(`ALTER DATABASE ${quoteIdentifier(name)} WITH ALLOW_CONNECTIONS false`);
    await terminateConnections(client, name);
    await client.query(`ALTER DATABASE ${quoteIdentifier(name)} WITH IS_TEMPLATE true`);
  });
}

async function terminateConnections(client: pg.Client, name: string): Promise<void> {
  await client.query(
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [name],
  );
}

function sqlState(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
