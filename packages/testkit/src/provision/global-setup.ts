import type { ProvidedContext } from 'vitest';
import type { TestProject } from 'vitest/node';
import { provisionPostgres } from './provision.js';
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
 * returns the teardown that stops it. Tests create their own databases on it (`provisionPostgres()` in a
 * test process then picks the `url` provider, so nothing else is started).
 * @example
 * // vitest.config.ts: test: { globalSetup: ['./test/global-setup.ts'] }
 * // test/global-setup.ts
 * export { setupPostgresForVitest as default } from '@recordstore/testkit';
 * // a test
 * import { inject } from 'vitest';
 * const adminUrl = inject('recordstorePostgresUrl');
 */
export async function setupPostgresForVitest(project: TestProject): Promise<() => Promise<void>> {
  const previousUrl = process.env[POSTGRES_URL_ENV];
  const postgres = await provisionPostgres();
  project.provide(POSTGRES_URL_PROVIDE_KEY, postgres.url);
  // Test workers are forked after global setup and inherit this, as do processes that tests spawn.
  process.env[POSTGRES_URL_ENV] = postgres.url;
  console.log(`recordstore testkit: PostgreSQL ${postgres.serverVersion} served by ${postgres.provider}`);
  return async () => {
    if (previousUrl === undefined) delete process.env[POSTGRES_URL_ENV];
    else process.env[POSTGRES_URL_ENV] = previousUrl;
    await postgres.stop();
  };
}

export default setupPostgresForVitest;
