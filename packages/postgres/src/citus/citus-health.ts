import type { DriverStats } from '@recordstore/core';
import { type CatalogReader, readDistributedTableStats, readNodeStatus } from './citus-catalog.js';

/**
 * The cluster part of a distributed store's health: every node as the coordinator reaches it (reachable,
 * versions, shards of storage_records). `status` is `degraded` while a node does not answer: calls that
 * touch its shards fail, the others keep working.
 */
export async function citusHealth(client: CatalogReader): Promise<Record<string, unknown>> {
  const nodes = await readNodeStatus(client);
  const down = nodes.filter((node) => !node.reachable);
  return {
    status: down.length === 0 ? 'ok' : 'degraded',
    workers: nodes.filter((node) => node.role === 'worker').length,
    nodesDown: down.length,
    shards: nodes.reduce((sum, node) => sum + node.shards, 0),
    nodes,
    ...(down.length === 0
      ? {}
      : { degradedReason: `${down.map((node) => `${node.host}:${node.port}`).join(', ')} not reachable` }),
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
