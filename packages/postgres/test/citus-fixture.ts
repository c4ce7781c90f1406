import {
  citusUnavailableReason,
  type ProvisionedPostgres,
  provisionPostgres,
} from '@recordstore/testkit/postgres';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';

/**
 * A throwaway Citus cluster per test file (a coordinator and 2 workers from the local PostgreSQL 15
 * binaries, `bash ../shared/citus/build-citus.sh` installs the extension), and one database on it.
 */

/** Why Citus tests cannot run here (the remedy included), or undefined when they can. */
export const CITUS_UNAVAILABLE = await citusUnavailableReason();

/** Prints the NOT RUN line of a Citus test file when the extension is missing; true when tests can run. */
export function citusAvailable(file: string): boolean {
  if (CITUS_UNAVAILABLE === undefined) return true;
  console.log(`${file}: NOT RUN: ${CITUS_UNAVAILABLE}`);
  return false;
}

/** Shards per distributed table in tests: few, so a store is distributed quickly, yet on both workers. */
export const TEST_SHARD_COUNT = 4;

/** The cluster of one test file; fields are set in beforeAll. */
export interface CitusCluster {
  server: ProvisionedPostgres;
  /** URL of this file's database on the coordinator (it exists on every node). */
  url: string;
  /** A small pool on {@link CitusCluster.url} for the test's own SQL. */
  pool: pg.Pool;
  sql<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
  /** Ports of the workers, in order. */
  workerPorts: number[];
}

/** Registers beforeAll/afterAll hooks that start a 2-worker Citus cluster and create a database on it. */
export function useCitusCluster(): CitusCluster {
  const cluster = {} as CitusCluster;
  beforeAll(async () => {
    const started = performance.now();
    cluster.server = await provisionPostgres({ citus: { workers: 2 } });
    cluster.url = await cluster.server.createDatabase();
    cluster.pool = new pg.Pool({ connectionString: cluster.url, max: 3 });
    cluster.pool.on('error', () => {});
    cluster.sql = (text, values) => cluster.pool.query(text, values);
    cluster.workerPorts = (cluster.server.citus?.workerUrls ?? []).map((url) => Number(new URL(url).port));
    console.log(
      `citus cluster (Citus ${cluster.server.citus?.version}, coordinator + ${cluster.workerPorts.length} workers) ` +
        `ready in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  }, 180_000);
  afterAll(async () => {
    await cluster.pool?.end();
    await cluster.server?.stop();
  }, 60_000);
  return cluster;
}

/**
 * Maps conformance store keys to schemas of the cluster's database, reusing the schema of a store that
 * was cleaned up (emptied) for the next new key: distributing a fresh schema costs a second or more,
 * emptying one milliseconds. Every schema is still created, migrated and distributed by the backend itself
 * (auto_migrate) on its first connect.
 */
export class SchemaPool {
  #free: string[] = [];
  #byKey = new Map<string, string>();
  #created = 0;

  /** The schema of `storeKey` (a spare one, or a new name). */
  schemaFor(storeKey: string): string {
    let schema = this.#byKey.get(storeKey);
    if (schema === undefined) {
      schema = this.#free.pop() ?? `citus_store_${++this.#created}`;
      this.#byKey.set(storeKey, schema);
    }
    return schema;
  }

  /** Empties the schema of `storeKey` (when its tables exist) and keeps it for another key. */
  async release(storeKey: string, cluster: CitusCluster): Promise<void> {
    const schema = this.#byKey.get(storeKey);
    if (schema === undefined) return;
    this.#byKey.delete(storeKey);
    const exists = await cluster.sql<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [
      `${schema}.storage_records`,
    ]);
    if (exists.rows[0]?.present) {
      await cluster.sql(`DELETE FROM ${schema}.storage_records`);
      await cluster.sql(`DELETE FROM ${schema}.recordstore_audit`);
    }
    this.#free.push(schema);
  }

  /** How many schemas were made (each migrated and distributed once). */
  get created(): number {
    return this.#created;
  }
}
