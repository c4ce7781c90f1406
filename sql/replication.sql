/*
  Replication figures for health reports and metrics (read replicas, issue 4). Compiled by pgtyped into
  replication.queries.ts (`pnpm codegen`).
*/

/*
  Run on a replica. Replay lag is 0 when everything received has been replayed (an idle primary sends
  nothing, so "time since the last replayed transaction" alone would grow forever); otherwise it is the
  age of the last replayed transaction.
*/
/* @name ReplicaStatus */
SELECT
  pg_is_in_recovery() AS "in_recovery!",
  inet_server_port() AS server_port,
  CASE
    WHEN NOT pg_is_in_recovery() THEN NULL
    WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0::float8
    ELSE (extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000)::float8
  END AS lag_ms,
  pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::float8 AS replay_pending_bytes,
  (extract(epoch FROM pg_last_xact_replay_timestamp()) * 1000)::float8 AS last_replay_ms;

/*
  Run on the primary: its streaming standbys as pg_stat_replication shows them (columns other than the
  standby's name and state read NULL for roles without pg_read_all_stats).
*/
/* @name PrimaryStandbys */
SELECT
  application_name::text AS "application_name!",
  host(client_addr) AS client_addr,
  state::text AS state,
  sync_state::text AS sync_state,
  (extract(epoch FROM replay_lag) * 1000)::float8 AS replay_lag_ms,
  pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS lag_bytes
FROM pg_stat_replication
ORDER BY application_name, client_addr;
