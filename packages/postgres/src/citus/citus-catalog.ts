import type pg from 'pg';

/**
 * Reads of Citus' catalog. Hand-written rather than pgtyped: the codegen database has no Citus extension,
 * so pgtyped could not type statements over pg_dist_* (the same reason partition DDL is built in code).
 * Every statement here is fixed text with parameters; tables are named unqualified and found through the
 * store's search_path (schema_name), like the pgtyped statements.
 */

/** Something that runs a parameterised statement: a client, or a pool for one-statement reads. */
export interface CatalogReader {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** The extension and this server's place in the cluster. */
export interface CitusState {
  /** `extversion` of the citus extension in this database; null when it is not installed. */
  version: string | null;
  /** This server is the coordinator (group 0): distributed DDL is run here. */
  coordinator: boolean;
  /** Active primary workers that may hold shards. */
  activeWorkers: number;
}

/** How a table is distributed; null for a local (not distributed) table. */
export interface TableDistribution {
  /** `h` (hash), `n` (reference or single shard), `a`/`r` (append, range). */
  method: string;
  /** Distribution column; null for reference tables. */
  column: string | null;
  shards: number;
  colocationId: number;
}

/** Reads {@link CitusState}; cheap enough to run at every connect. */
export async function readCitusState(client: CatalogReader): Promise<CitusState> {
  const extension = await client.query<{ version: string }>(
    "SELECT extversion AS version FROM pg_extension WHERE extname = 'citus'",
  );
  const version = extension.rows[0]?.version ?? null;
  if (version === null) return { version, coordinator: false, activeWorkers: 0 };
  const result = await client.query<{ coordinator: boolean; workers: number }>(
    `SELECT citus_is_coordinator() AS coordinator,
            (SELECT count(*)::int FROM pg_dist_node
              WHERE isactive AND noderole = 'primary' AND shouldhaveshards AND groupid <> 0) AS workers`,
  );
  const row = result.rows[0];
  return { version, coordinator: row?.coordinator === true, activeWorkers: row?.workers ?? 0 };
}

/** The tables the backend creates that a distributed store distributes. */
export type DistributedTable = 'storage_records' | 'recordstore_audit';

/** How `table` (in the store's schema) is distributed, or null when it is local or missing. */
export async function readTableDistribution(
  client: CatalogReader,
  table: DistributedTable,
): Promise<TableDistribution | null> {
  const result = await client.query<{
    method: string;
    column: string | null;
    shards: number;
    colocation: number;
  }>(
    `SELECT p.partmethod::text AS method,
            CASE WHEN p.partkey IS NULL THEN NULL ELSE column_to_column_name(p.logicalrelid, p.partkey) END AS column,
            (SELECT count(*)::int FROM pg_dist_shard s WHERE s.logicalrelid = p.logicalrelid) AS shards,
            p.colocationid AS colocation
       FROM pg_dist_partition p
      WHERE p.logicalrelid = to_regclass($1)`,
    [table],
  );
  const row = result.rows[0];
  return row === undefined
    ? null
    : { method: row.method, column: row.column, shards: row.shards, colocationId: row.colocation };
}

/** One node of the cluster as the coordinator sees it, probed over its own connection to the node. */
export interface CitusNodeStatus {
  host: string;
  port: number;
  role: 'coordinator' | 'worker';
  /** The coordinator reached the node just now. */
  reachable: boolean;
  /** `server_version` of the node, when reachable. */
  serverVersion: string | null;
  /** Citus `extversion` on the node, when reachable. */
  citusVersion: string | null;
  /** Shards of `storage_records` placed on the node (from the metadata, so known even when it is down). */
  shards: number;
  /** Why the node could not be probed. */
  error?: string;
}

/** The probe run on every node: its version and Citus' version, separated by a tab. */
const NODE_PROBE =
  "SELECT current_setting('server_version') || chr(9) || coalesce((SELECT extversion FROM pg_extension WHERE extname = 'citus'), '')";

/**
 * Probes every active primary node from the coordinator (`run_command_on_all_nodes`, in parallel; a node
 * that does not answer is reported, not thrown) and counts the shards of storage_records on each.
 */
export async function readNodeStatus(client: CatalogReader): Promise<CitusNodeStatus[]> {
  const result = await client.query<{
    host: string;
    port: number;
    group: number;
    success: boolean | null;
    result: string | null;
    shards: number;
  }>(
    `SELECT n.nodename AS host, n.nodeport AS port, n.groupid AS "group", r.success, r.result,
            (SELECT count(*)::int
               FROM pg_dist_shard s JOIN pg_dist_placement p ON p.shardid = s.shardid
              WHERE s.logicalrelid = to_regclass('storage_records') AND p.groupid = n.groupid) AS shards
       FROM pg_dist_node n
       LEFT JOIN run_command_on_all_nodes($1, give_warning_for_connection_errors => true) r
         ON r.nodeid = n.nodeid
      WHERE n.isactive AND n.noderole = 'primary'
      ORDER BY n.groupid, n.nodeid`,
    [NODE_PROBE],
  );
  return result.rows.map((row) => {
    const reachable = row.success === true;
    const [serverVersion, citusVersion] = reachable ? (row.result ?? '').split('\t') : [];
    return {
      host: row.host,
      port: row.port,
      role: row.group === 0 ? 'coordinator' : 'worker',
      reachable,
      serverVersion: serverVersion?.split(' ')[0] || null,
      citusVersion: citusVersion || null,
      shards: row.shards,
      ...(reachable ? {} : { error: row.result ?? 'not probed' }),
    };
  });
}

/** Records and bytes of storage_records summed over its shards (the coordinator's table is an empty shell). */
export async function readDistributedTableStats(
  client: CatalogReader,
): Promise<{ records: number; sizeBytes: number }> {
  // count(*) fans out to every shard; citus_total_relation_size adds up shard sizes with their indexes.
  const result = await client.query<{ records: number; size_bytes: number }>(
    `SELECT (SELECT count(*) FROM storage_records)::float8 AS records,
            citus_total_relation_size('storage_records')::float8 AS size_bytes`,
  );
  const row = result.rows[0];
  return { records: row?.records ?? 0, sizeBytes: row?.size_bytes ?? 0 };
}
