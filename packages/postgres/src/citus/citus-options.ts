import { StorageError } from '@recordstore/core';

/**
 * The distribution settings of the config (`distributed`, `shard_count`) and the features a distributed
 * store refuses. Imports nothing of this package, so `postgres-config.ts` can build its schema from these
 * lists without an import cycle.
 */

/** Distributed engines `distributed` accepts. */
export const DISTRIBUTION_ENGINES = ['citus'] as const;
/** One of {@link DISTRIBUTION_ENGINES}. */
export type DistributionEngine = (typeof DISTRIBUTION_ENGINES)[number];

/** Citus accepts 1 to 64000 shards per table (`citus.shard_count`'s range). */
export const MAX_SHARD_COUNT = 64000;

/** The subset of the backend config distribution reads. */
export interface DistributionConfig {
  distributed?: DistributionEngine | undefined;
  shard_count?: number | undefined;
  partitioning_enabled: boolean;
  tenant_id?: string | undefined;
  audit_enabled: boolean;
  replicas: readonly string[];
}

/** A feature a Citus store cannot offer: the key that asks for it, why, and what to do instead. */
interface RefusedFeature {
  key: string;
  active(config: DistributionConfig): boolean;
  why: string;
  instead: string;
}

/**
 * Each refusal was observed on Citus 13.2 (PostgreSQL 15) with a coordinator and two workers; the README
 * of the testkit's Citus provider and docs/scaling.md describe the measurements.
 */
const REFUSED_ON_CITUS: readonly RefusedFeature[] = [
  {
    key: 'partitioning_enabled',
    active: (config) => config.partitioning_enabled,
    why:
      "the backend's own partition layouts (rebuilding storage_records as a partitioned table, creating, " +
      'moving and dropping partitions at connect and in maintenance) run DDL Citus does not propagate to ' +
      'the shards in the same way',
    instead:
      'keep partitioning_enabled: false; the table is already split into hash shards by id, and TTL ' +
      '(ttl_enabled) or cleanupOldData removes old rows shard by shard',
  },
  {
    key: 'tenant_id',
    active: (config) => config.tenant_id !== undefined,
    why:
      'the tenant reaches PostgreSQL as a transaction-local setting (set_config, a bind parameter), which ' +
      'Citus does not forward to the workers, where the row-level security policy is evaluated on the ' +
      "shards: a tenant store's reads would see no rows and its inserts would fail the policy (only SET " +
      "LOCAL under citus.propagate_set_commands = 'local' reaches the workers, and SET takes no parameters)",
    instead:
      'give each tenant its own schema_name (one distributed table per tenant) or its own database, or ' +
      'keep tenant stores on a single-node PostgreSQL',
  },
  {
    key: 'audit_enabled',
    active: (config) => config.audit_enabled,
    why:
      'the audit trigger would fire on the shards: Citus runs triggers on distributed tables only with ' +
      'citus.enable_unsafe_triggers, the actor (a transaction-local setting) does not reach the workers, ' +
      'and audit_id is then numbered per node, so the log would neither name the actor nor keep its order',
    instead:
      'record changes in the application (runAs / audit_actor on a single-node store), or use ' +
      'PostgreSQL logical decoding on each worker',
  },
  {
    key: 'replicas',
    active: (config) => config.replicas.length > 0,
    why:
      'a streaming replica of the coordinator holds only metadata and routes every read back to the ' +
      "primary workers, so reads would not leave the cluster's primaries and replica lag would be misreported",
    instead:
      "remove replicas; for read scaling add workers (citus_add_node) and rebalance, or use Citus' " +
      "secondary nodes (citus.use_secondary_nodes = 'always') on a connection of their own",
  },
];

/**
 * Refuses a distributed store that asks for a feature that cannot work on Citus, naming each such key, why,
 * and what to use instead (every refused key at once, the first one as the error's path), and `shard_count`
 * without `distributed`. Needs no server: it runs in core's parse of the config (so the constructor, the
 * registry and `recordstore config check` report it offline) and again at connect, before anything is
 * created, for a config that reached the driver some other way.
 * @throws StorageError(config) with the path of the (first) offending key.
 */
export function assertDistributionSupported(config: DistributionConfig): void {
  if (config.distributed === undefined) {
    if (config.shard_count !== undefined) {
      throw new StorageError(
        'config',
        'postgresql: shard_count applies to a distributed store; set distributed: citus as well, or remove shard_count.',
        { path: 'config.shard_count', backend: 'postgresql' },
      );
    }
    return;
  }
  const refused = REFUSED_ON_CITUS.filter((feature) => feature.active(config));
  const [first] = refused;
  if (first === undefined) return;
  const engine = config.distributed;
  const reason = (feature: RefusedFeature) => `${feature.why}. Instead, ${feature.instead}.`;
  const message =
    refused.length === 1
      ? `postgresql: ${first.key} cannot be used with distributed: ${engine}: ${reason(first)}`
      : `postgresql: ${refused.map((f) => f.key).join(', ')} cannot be used with distributed: ${engine}:` +
        refused.map((f) => `\n  - ${f.key}: ${reason(f)}`).join('');
  throw new StorageError('config', message, { path: `config.${first.key}`, backend: 'postgresql' });
}

/** The keys {@link assertDistributionSupported} refuses on a distributed store (for docs and tests). */
export const REFUSED_WITH_DISTRIBUTION: readonly string[] = REFUSED_ON_CITUS.map((feature) => feature.key);
