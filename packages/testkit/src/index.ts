/**
 * @recordstore/testkit: the conformance suite every recordstore backend runs (memory, SQLite,
 * PostgreSQL, third-party adapters). Backend-neutral: importing it loads neither `pg` nor any
 * provisioning module. Throwaway PostgreSQL servers for tests come from `@recordstore/testkit/postgres`.
 * @module
 */
export {
  type ConformanceFactoryOptions,
  type ConformanceOptions,
  runConformanceSuite,
} from './conformance/index.js';
