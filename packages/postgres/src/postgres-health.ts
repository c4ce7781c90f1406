import type { DriverStats } from '@recordstore/core';
import type pg from 'pg';
import { citusHealth } from './citus/index.js';
import type { PostgresConfig } from './postgres-config.js';
import type { ResolvedConnection } from './postgres-connection.js';
import type { ServerFigures } from './postgres-metrics.js';
import { poolMax } from './postgres-pool.js';
import type { ReadRouter, ReplicaHealth } from './postgres-read-router.js';
import { primaryStandbys } from './postgres-replicas.js';
import * as q from './queries.js';

/** What a health probe reads from: the connected primary and, with replicas, the router. */
export interface HealthSources {
  config: PostgresConfig;
  session: q.SqlSession;
  pool: pg.Pool;
  resolved: ResolvedConnection;
  router: ReadRouter | null;
  /** Hands the server-side figures to the metrics gauges (when metrics are on). */
  recordServerFigures(figures: ServerFigures): void;
}

/** The pool's counts, for health and stats. */
function poolCounts(pool: pg.Pool): { total: number; idle: number; waiting: number } {
  return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
}

/**
 * Health details: server, database and table figures, the pool, with replicas their state and lag
 * (probing also ends a replica's back-off early), and on a distributed store every node of the cluster.
 * A replica or a Citus node down is named in `degraded`. Never a password.
 */
export async function healthDetails(sources: HealthSources): Promise<Record<string, unknown>> {
  const { config, session, pool, resolved } = sources;
  const [database, table] = await Promise.all([q.databaseHealth(session), q.tableHealth(session)]);
  sources.recordServerFigures({
    liveRows: table?.live_rows ?? 0,
    deadRows: table?.dead_rows ?? 0,
    tableSizeBytes: table?.size_bytes ?? 0,
    ...(database ? { databaseSizeBytes: database.size_bytes, connections: database.connections } : {}),
  });
  const [replication, citus] = await Promise.all([
    replicationHealth(sources),
    config.distributed === undefined ? null : citusHealth(pool),
  ]);
  // The store still works on the primary, but a configured replica down is worth an operator's look; on a
  // cluster, calls on a down node's shards fail while the others keep working.
  const degraded = [
    ...(replication?.replicas ?? [])
      .filter((r) => r.status === 'down')
      .map((r) => `replica ${r.replica} is down: ${r.error ?? 'unreachable'}`),
    ...(citus?.degraded ?? []),
  ];
  return {
    version: database?.version,
    serverVersionNum: database?.server_version_num,
    database: database?.database,
    user: database?.user,
    schema: config.schema_name,
    host: resolved.target.host,
    port: resolved.target.port,
    ssl: resolved.client.ssl !== false,
    sizeBytes: database?.size_bytes,
    connections: database?.connections,
    commits: database?.commits,
    rollbacks: database?.rollbacks,
    tuplesInserted: database?.tuples_inserted,
    tuplesUpdated: database?.tuples_updated,
    tuplesDeleted: database?.tuples_deleted,
    table: 'storage_records',
    liveRows: table?.live_rows ?? 0,
    deadRows: table?.dead_rows ?? 0,
    tableSizeBytes: table?.size_bytes ?? 0,
    pool: { ...poolCounts(pool), max: poolMax(config) },
    preparedStatements: config.prepared_statements,
    ...(replication ? { replication } : {}),
    ...(citus ? { citus: citus.details } : {}),
    ...(degraded.length > 0 ? { degraded } : {}),
  };
}

/** Replicas (status, lag) and the primary's view of its standbys; null without replicas. */
async function replicationHealth(
  sources: HealthSources,
): Promise<(Record<string, unknown> & { replicas: ReplicaHealth[] }) | null> {
  const { router, config } = sources;
  if (router === null) return null;
  const [replicas, standbys] = await Promise.all([router.health(), primaryStandbys(sources.session)]);
  return {
    readPreference: config.read_preference,
    readYourWritesWindowMs: config.read_your_writes_window_ms,
    replicasUp: replicas.filter((r) => r.status === 'up').length,
    replicasDown: replicas.filter((r) => r.status === 'down').length,
    replicas,
    standbys: standbys.map((s) => ({
      name: s.application_name,
      clientAddr: s.client_addr,
      state: s.state,
      syncState: s.sync_state,
      replayLagMs: s.replay_lag_ms,
      lagBytes: s.lag_bytes,
    })),
  };
}

/** Exact record count and size of storage_records, and the pool's counts. */
export async function tableStats(session: q.SqlSession, pool: pg.Pool): Promise<DriverStats> {
  const stats = await q.tableStats(session);
  return { records: stats.records, sizeBytes: stats.size_bytes, details: { pool: poolCounts(pool) } };
}
