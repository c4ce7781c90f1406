/** Types generated for queries found in "sql/replication.sql" */
import { PreparedQuery } from '@pgtyped/runtime';

/** 'ReplicaStatus' parameters type */
export type IReplicaStatusParams = void;

/** 'ReplicaStatus' return type */
export interface IReplicaStatusResult {
  in_recovery: boolean;
  lag_ms: number | null;
  last_replay_ms: number | null;
  replay_pending_bytes: number | null;
  server_port: number | null;
}

/** 'ReplicaStatus' query type */
export interface IReplicaStatusQuery {
  params: IReplicaStatusParams;
  result: IReplicaStatusResult;
}

const replicaStatusIR: any = {"usedParamSet":{},"params":[],"statement":"SELECT\n  pg_is_in_recovery() AS \"in_recovery!\",\n  inet_server_port() AS server_port,\n  CASE\n    WHEN NOT pg_is_in_recovery() THEN NULL\n    WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0::float8\n    ELSE (extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000)::float8\n  END AS lag_ms,\n  pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::float8 AS replay_pending_bytes,\n  (extract(epoch FROM pg_last_xact_replay_timestamp()) * 1000)::float8 AS last_replay_ms                                                                                                                                                                                       "};

/**
 * Query generated from SQL:
 * ```
 * SELECT
 *   pg_is_in_recovery() AS "in_recovery!",
 *   inet_server_port() AS server_port,
 *   CASE
 *     WHEN NOT pg_is_in_recovery() THEN NULL
 *     WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0::float8
 *     ELSE (extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000)::float8
 *   END AS lag_ms,
 *   pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::float8 AS replay_pending_bytes,
 *   (extract(epoch FROM pg_last_xact_replay_timestamp()) * 1000)::float8 AS last_replay_ms                                                                                                                                                                                       
 * ```
 */
export const replicaStatus = new PreparedQuery<IReplicaStatusParams,IReplicaStatusResult>(replicaStatusIR);


/** 'PrimaryStandbys' parameters type */
export type IPrimaryStandbysParams = void;

/** 'PrimaryStandbys' return type */
export interface IPrimaryStandbysResult {
  application_name: string;
  client_addr: string | null;
  lag_bytes: number | null;
  replay_lag_ms: number | null;
  state: string | null;
  sync_state: string | null;
}

/** 'PrimaryStandbys' query type */
export interface IPrimaryStandbysQuery {
  params: IPrimaryStandbysParams;
  result: IPrimaryStandbysResult;
}

const primaryStandbysIR: any = {"usedParamSet":{},"params":[],"statement":"SELECT\n  application_name::text AS \"application_name!\",\n  host(client_addr) AS client_addr,\n  state::text AS state,\n  sync_state::text AS sync_state,\n  (extract(epoch FROM replay_lag) * 1000)::float8 AS replay_lag_ms,\n  pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS lag_bytes\nFROM pg_stat_replication\nORDER BY application_name, client_addr"};

/**
 * Query generated from SQL:
 * ```
 * SELECT
 *   application_name::text AS "application_name!",
 *   host(client_addr) AS client_addr,
 *   state::text AS state,
 *   sync_state::text AS sync_state,
 *   (extract(epoch FROM replay_lag) * 1000)::float8 AS replay_lag_ms,
 *   pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS lag_bytes
 * FROM pg_stat_replication
 * ORDER BY application_name, client_addr
 * ```
 */
export const primaryStandbys = new PreparedQuery<IPrimaryStandbysParams,IPrimaryStandbysResult>(primaryStandbysIR);


