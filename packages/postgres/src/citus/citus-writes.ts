import type { DistributionConfig } from './citus-options.js';

/**
 * How saveMany and the import write on a distributed store. Citus runs an `INSERT ... SELECT` by pulling
 * the SELECT to the coordinator and sending the INSERT to the shards without its parameters: a parameter
 * in its ON CONFLICT clause then fails on the worker ("could not determine data type of parameter $1",
 * seen on Citus 13.2). Both set-based upserts (saveMany's unnest statement, the COPY import's staging
 * upsert) carry the created_at rule's two parameters there. So on Citus, saveMany writes rows that exist
 * with the set-based UPDATE (which Citus runs on every shard in parallel) and new rows one single-shard
 * INSERT each, all in one transaction; the import goes the same way, batch by batch.
 */

/** Whether the set-based upserts can run on this store (false on a distributed one). */
export function setBasedUpsertWorks(config: Pick<DistributionConfig, 'distributed'>): boolean {
  return config.distributed === undefined;
}

/** The config the row store writes with: bulk_insert_enabled off on a distributed store (see above). */
export function writeConfigFor<
  C extends Pick<DistributionConfig, 'distributed'> & { bulk_insert_enabled: boolean },
>(config: C): C {
  return setBasedUpsertWorks(config) ? config : { ...config, bulk_insert_enabled: false };
}
