import { parseBackendConfig } from '@recordstore/core';
import { migratePostgres, postgresBackend } from '@recordstore/postgres';
import {
  createTemplateDatabase,
  provisionPostgres,
  setupPostgresForVitest,
} from '@recordstore/testkit/postgres';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Name of the migrated template database that test files clone. */
    langgraphPostgresTemplate: string;
  }
}

/**
 * Starts (or finds) the run's PostgreSQL server and builds one migrated template database that every
 * PostgreSQL test file clones with `createDatabase({ template })`.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stopServer = await setupPostgresForVitest(project);
  const server = await provisionPostgres();
  const template = await createTemplateDatabase(
    server,
    `rs_langgraph_template_${process.pid}`,
    async (url) => {
      await migratePostgres({ config: parseBackendConfig(postgresBackend, { url }).config, direction: 'up' });
    },
  );
  project.provide('langgraphPostgresTemplate', template);
  return async () => {
    await server.stop();
    await stopServer();
  };
}
