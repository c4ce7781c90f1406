/**
 * Distributed storage on a Citus cluster (`distributed: citus`).
 *
 * - **Distribution** (citus-distribution.ts). After the migrations, on the coordinator and under the
 *   migrations' advisory lock, storage_records becomes a hash-distributed table by id (`shard_count`
 *   shards) and recordstore_audit a table co-located with it: one record, one shard, so every operation by
 *   id is routed to a single worker. Runs at connect (auto_migrate) and in `recordstore migrate up`.
 * - **Refusals** (citus-options.ts). Features that cannot work on the shards are refused when the config
 *   is parsed (constructor, registry, `recordstore config check`, no server needed) and again at connect,
 *   naming why and what to use instead: partitioning_enabled, tenant_id, audit_enabled, replicas.
 * - **Writes** (citus-writes.ts). saveMany batches and the import use a variant of the set-based upsert
 *   without parameters in ON CONFLICT, which Citus cannot send to the shards.
 * - **Health and stats** (citus-health.ts). Every node as the coordinator reaches it, the shards on each,
 *   and records and bytes summed over the shards.
 *
 * Catalog reads are hand-written (citus-catalog.ts): the pgtyped codegen database has no Citus.
 * @module
 */
export {
  type CatalogReader,
  type CitusNodeStatus,
  type CitusState,
  readCitusState,
  readTableDistribution,
  type TableDistribution,
} from './citus-catalog.js';
export {
  type DistributionContext,
  type DistributionReport,
  type DistributionSettings,
  ensureCitusDistribution,
} from './citus-distribution.js';
export { citusHealth, citusStats } from './citus-health.js';
export {
  assertDistributionSupported,
  DISTRIBUTION_ENGINES,
  type DistributionConfig,
  type DistributionEngine,
  MAX_SHARD_COUNT,
  REFUSED_WITH_DISTRIBUTION,
} from './citus-options.js';
export { citusRowStore, citusUpsertQuery, setBasedUpsertWorks } from './citus-writes.js';
