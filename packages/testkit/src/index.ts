/**
 * @recordstore/testkit: the conformance suite every recordstore backend runs (memory, SQLite,
 * PostgreSQL, third-party adapters), and helpers for tests that need a throwaway PostgreSQL.
 */
export {
  type ConformanceFactoryOptions,
  type ConformanceOptions,
  runConformanceSuite,
} from './conformance/index.js';
export * from './provision/index.js';
