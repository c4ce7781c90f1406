import type { DriverStats } from '@recordstore/core';
import { type CatalogReader, readDistributedTableStats, readNodeStatus } from './citus-catalog.js';

/** The cluster part of a distributed store's health, and why it is degraded (empty when every node answers). */
export interface CitusHealth {
  /** Every node as the coordinator reaches it (reachable, versions, shards of storage_records). */
  details: Record<string, unknown>;
  /** One reason per node that does not answer: calls on its shards fail, the others keep working. */
  degraded: string[];
}

/** Probes every node of the cluster from the coordinator (a node down is reported, not thrown). */
export async function citusHealth(client: CatalogReader): Promise<CitusHealth> {
  const nodes = await readNodeStatus(client);
  const down = nodes.filter((node) => !node.reachable);
  const degraded = down.map(
    (node) =>
      `citus ${node.role} ${node.host}:${node.port} is not reachable (${node.shards} shards of ` +
      `storage_records on it: calls on them fail, the others keep working): ${node.error ?? 'no answer'}`,
  );
  return {
    details: {
      status: down.length === 0 ? 'ok' : 'degraded',
      workers: nodes.filter((node) => node.role === 'worker').length,
      nodesDown: down.length,
      shards: nodes.reduce((sum, node) => sum + node.shards, 0),
      nodes,
    },
    degraded,
  };
}

/**
 * Records and bytes summed over the shards, and the shards per node: what `stats()` reports for a
 * distributed store, where the coordinator's own table is an empty shell.
 */
export async function citusStats(
  client: CatalogReader,
  details: Record<string, unknown>,
): Promise<DriverStats> {
  const [table, nodes] = await Promise.all([readDistributedTableStats(client), readNodeStatus(client)]);
  return {
    records: table.records,
    sizeBytes: table.sizeBytes,
    details: {
      ...details,
      shardsPerNode: nodes.map((node) => ({
        node: `${node.host}:${node.port}`,
        role: node.role,
        shards: node.shards,
        reachable: node.reachable,
      })),
    },
  };
}
