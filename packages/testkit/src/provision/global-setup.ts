import type { ProvidedContext } from 'vitest';
import type { TestProject } from 'vitest/node';
import { CITUS_WORKER_URLS_ENV } from './citus-handle.js';
import { POSTGRES_PROVIDER_ENV, POSTGRES_VERSION_ENV, provisionPostgres } from './provision.js';
import { POSTGRES_URL_ENV } from './url.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL to the `postgres` database of the run's PostgreSQL server (set by `setupPostgresForVitest`). */
    recordstorePostgresUrl: string;
  }
}

/**
 * Key under which {@link setupPostgresForVitest} provides the server URL: `inject('recordstorePostgresUrl')`.
 * (Importing `ProvidedContext` also lets declaration bundlers resolve the augmentation above.)
 */
export const POSTGRES_URL_PROVIDE_KEY = 'recordstorePostgresUrl' satisfies keyof ProvidedContext;

/**
 * Vitest `globalSetup`: provisions one PostgreSQL server for the whole run, hands its URL to tests through
 * `inject('recordstorePostgresUrl')` and to child processes through `RECORDSTORE_TEST_POSTGRES_URL`, and
 * returns the teardown that stops it (vitest runs it also when tests fail). Tests create their own
 * databases on it (`provisionPostgres()` in a test process then picks the `url` provider, even when
 * `RECORDSTORE_TEST_POSTGRES_PROVIDER` forced another one for this setup, so nothing else is started).
 * Prints one line naming the provider, its source and the server version, which vitest shows in its output.
 * @example
 * // vitest.config.ts: test: { globalSetup: ['./test/global-setup.ts'] }
 * // test/global-setup.ts
 * export { setupPostgresForVitest as default } from '@recordstore/testkit/postgres';
 * // a test
 * import { inject } from 'vitest';
 * const adminUrl = inject('recordstorePostgresUrl');
 */
export async function setupPostgresForVitest(project: TestProject): Promise<() => Promise<void>> {
  const previous = {
    url: process.env[POSTGRES_URL_ENV],
    provider: process.env[POSTGRES_PROVIDER_ENV],
    version: process.env[POSTGRES_VERSION_ENV],
    citusWorkers: process.env[CITUS_WORKER_URLS_ENV],
  };
  const started = performance.now();
  const postgres = await provisionPostgres();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  project.provide(POSTGRES_URL_PROVIDE_KEY, postgres.url);
  // Test workers are forked after global setup and inherit these, as do processes that tests spawn.
  process.env[POSTGRES_URL_ENV] = postgres.url;
  process.env[POSTGRES_PROVIDER_ENV] = 'url';
  // A Citus run: the `url` provider then creates each database on every node, not only the coordinator.
  if (postgres.citus) process.env[CITUS_WORKER_URLS_ENV] = postgres.citus.workerUrls.join(',');
  // The required version was checked on the run's server. Tests that start a dedicated server on purpose
  // (provider 'local' for replicas or a pooler) get what that provider has, not a failure.
  delete process.env[POSTGRES_VERSION_ENV];
  console.log(
    `recordstore testkit: PostgreSQL ${postgres.serverVersion} served by ${postgres.provider} ` +
      `(${postgres.source}), ready in ${seconds} s, for project ${project.name}`,
  );
  return async () => {
    restoreEnv(POSTGRES_URL_ENV, previous.url);
    restoreEnv(POSTGRES_PROVIDER_ENV, previous.provider);
    restoreEnv(POSTGRES_VERSION_ENV, previous.version);
    restoreEnv(CITUS_WORKER_URLS_ENV, previous.citusWorkers);
    await postgres.stop();
  };
}

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

export default setupPostgresForVitest;
