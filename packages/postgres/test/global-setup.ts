import {
  createTemplateDatabase,
  provisionPostgres,
  setupPostgresForVitest,
} from '@recordstore/testkit/postgres';
import type { TestProject } from 'vitest/node';
import { migratePostgres } from '../src/migrate.js';
import { parsedConfig } from './parsed-config.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Name of the migrated template database that test suites clone. */
    recordstorePostgresTemplate: string;
  }
}

/**
 * Starts (or finds) the run's PostgreSQL server, then builds one migrated template database that every
 * suite clones with `createDatabase({ template })` (a file copy, much faster than migrating).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stopServer = await setupPostgresForVitest(project);
  // With the server's URL now in RECORDSTORE_TEST_POSTGRES_URL, this picks the `url` provider.
  const server = await provisionPostgres();
  const template = await createTemplateDatabase(server, `rs_pg_template_${process.pid}`, async (url) => {
    await migratePostgres({ config: parsedConfig({ url }), direction: 'up' });
  });
  project.provide('recordstorePostgresTemplate', template);
  return async () => {
    await server.stop();
    await stopServer();
  };
}
