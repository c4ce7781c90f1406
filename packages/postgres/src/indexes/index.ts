/**
 * Index management: declared expression indexes on hot data paths (`indexes:` in the config), the
 * `index_type` / `auto_create_indexes` rules, usage analysis with a verdict, and the `indexes.analyze` /
 * `indexes.ensure` admin tasks.
 *
 * - index-options.ts: the config's index settings and their validation (no package imports).
 * - declared-index-ddl.ts: the CREATE/DROP INDEX text of declared indexes.
 * - declared-indexes.ts: creating the missing declared indexes (and their histogram size); auto_create_indexes:
 *   false on a new store.
 * - deferred-indexes.ts: secondary indexes a bulk load into an empty table builds after its rows are in.
 * - index-usage.ts, filter-plans.ts: {@link analyzeIndexes}.
 * - index-admin-tasks.ts: {@link indexAdminTasks} and the standalone command entry points.
 *
 * Catalog and statistics reads are pgtyped queries (sql/index-catalog.sql, sql/index-usage.sql).
 * @module
 */
export type { SqlClient } from '../partitions/sql-client.js';
export {
  DECLARED_INDEX_STATISTICS,
  declaredIndexDdl,
  declaredIndexExpression,
} from './declared-index-ddl.js';
export {
  dropMigrationSecondaryIndexes,
  type EnsureIndexesResult,
  ensureDeclaredIndexes,
  presentDeclaredIndexes,
} from './declared-indexes.js';
export {
  BULK_LOAD_LOCK,
  buildDeferredIndexes,
  deferSecondaryIndexes,
  finishInterruptedLoad,
  mayDeferIndexes,
} from './deferred-indexes.js';
export type { FilterPlan } from './filter-plans.js';
export {
  analyzePostgresIndexes,
  createPostgresDeclaredIndexes,
  indexAdminTasks,
} from './index-admin-tasks.js';
export {
  type DeclaredIndex,
  type DeclaredIndexInput,
  declaredIndexName,
  declaredIndexSchema,
  declaredIndexTarget,
  INDEX_METHODS,
  type IndexConfig,
  type IndexMethod,
  validateIndexConfig,
} from './index-options.js';
export {
  type AnalyzeIndexesOptions,
  analyzeIndexes,
  type IndexReport,
  type IndexUsage,
} from './index-usage.js';
