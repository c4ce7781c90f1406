/** Where a provisioned PostgreSQL server comes from. */
export type ProviderName = 'url' | 'testcontainers' | 'local';

/**
 * Names accepted by {@link ProvisionOptions.provider} and `RECORDSTORE_TEST_POSTGRES_PROVIDER`.
 * `'embedded'` is reserved: forcing it fails with an explanation until an embedded provider exists.
 */
export type RequestedProvider = ProviderName | 'embedded';

/** Options of {@link provisionPostgres}. */
export interface ProvisionOptions {
  /** Reserved for streaming replicas; only `0` (the default) is accepted today. */
  replicas?: number;
  /** Receives progress lines (provider choice, timings). Lines never contain passwords. */
  log?: (line: string) => void;
  /**
   * Try only this provider and fail with its reason instead of falling back.
   * Overrides the `RECORDSTORE_TEST_POSTGRES_PROVIDER` environment variable.
   */
  provider?: RequestedProvider;
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
  /** `local` only: folder of the PostgreSQL binaries used (`pg_ctl`, `pg_basebackup`, ...). */
  binDir?: string;
  /** `local` only: the cluster's data directory (deleted by `stop()`). */
  dataDir?: string;
  /** TCP port of the server on 127.0.0.1 (`local` and `testcontainers`). */
  port?: number;
}
