import { markTemplateSql, withClient } from './admin-sql.js';

/**
 * Database, present on every node of a provisioned Citus cluster, that `createDatabase()` clones when no
 * template is given: the extension is created in it on every node and the workers are registered in it.
 * Citus keeps its metadata (nodes, shards) per database, so a clone made on every node in lockstep is a
 * working distributed database, where a fresh `CREATE DATABASE` would be a plain one.
 */
export const CITUS_BASE_DATABASE = 'rs_citus_base';

/** Host every node listens on and is registered under (the nodes reach each other over loopback). */
export const CITUS_NODE_HOST = '127.0.0.1';

/** `CREATE EXTENSION citus` in the database of `url`; a no-op when it exists. */
export async function createCitusExtension(url: string): Promise<void> {
  await withClient(url, (client) => client.query('CREATE EXTENSION IF NOT EXISTS citus'));
}

/**
 * On the coordinator's database of `url`: records the coordinator's own address, then adds each worker.
 * Both functions are idempotent in Citus (a node already present keeps its id).
 */
export async function registerCitusNodes(
  url: string,
  coordinatorPort: number,
  workerPorts: readonly number[],
): Promise<void> {
  await withClient(url, async (client) => {
    await client.query('SELECT citus_set_coordinator_host($1, $2)', [CITUS_NODE_HOST, coordinatorPort]);
    for (const port of workerPorts) {
      await client.query('SELECT citus_add_node($1, $2)', [CITUS_NODE_HOST, port]);
    }
  });
}

/** The extension's version on the server of `url`, e.g. `"13.2.2"` (from `citus_version()`). */
export async function readCitusVersion(url: string): Promise<string> {
  return withClient(url, async (client) => {
    const result = await client.query<{ version: string }>('SELECT citus_version() AS version');
    const text = result.rows[0]?.version ?? '';
    return /^Citus (\S+)/.exec(text)?.[1] ?? text;
  });
}

/** Whether database `name` exists on the server of `adminUrl`. */
export async function databaseExists(adminUrl: string, name: string): Promise<boolean> {
  return withClient(adminUrl, async (client) => {
    const result = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return result.rowCount === 1;
  });
}

/**
 * Turns `name` into a template on the server of `adminUrl` unless it already refuses connections. A
 * template prepared through the coordinator is marked there by the caller, but its copies on the workers
 * still hold the sessions the coordinator and Citus' maintenance daemon opened, which CREATE DATABASE
 * ... TEMPLATE refuses.
 */
export async function ensureTemplateSql(adminUrl: string, name: string): Promise<void> {
  const open = await withClient(adminUrl, async (client) => {
    const result = await client.query<{ open: boolean }>(
      'SELECT datallowconn AS open FROM pg_database WHERE datname = $1',
      [name],
    );
    return result.rows[0]?.open ?? false;
  });
  if (open) await markTemplateSql(adminUrl, name);
}

/** Counts the workers registered in the coordinator's database of `url` that Citus considers active. */
export async function countActiveWorkers(url: string): Promise<number> {
  return withClient(url, async (client) => {
    const result = await client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_dist_node WHERE noderole = 'primary' AND isactive AND groupid <> 0",
    );
    return result.rows[0]?.n ?? 0;
  });
}
