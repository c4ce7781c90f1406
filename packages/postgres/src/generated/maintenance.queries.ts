/** Types generated for queries found in "sql/maintenance.sql" */
import { PreparedQuery } from '@pgtyped/runtime';

export type DateOrString = Date | string;

/** 'DeleteExpiredBatch' parameters type */
export interface IDeleteExpiredBatchParams {
  limit: number;
  now: DateOrString;
}

/** 'DeleteExpiredBatch' return type */
export type IDeleteExpiredBatchResult = void;

/** 'DeleteExpiredBatch' query type */
export interface IDeleteExpiredBatchQuery {
  params: IDeleteExpiredBatchParams;
  result: IDeleteExpiredBatchResult;
}

const deleteExpiredBatchIR: any = {"usedParamSet":{"now":true,"limit":true},"params":[{"name":"now","required":true,"transform":{"type":"scalar"},"locs":[{"a":109,"b":113}]},{"name":"limit","required":true,"transform":{"type":"scalar"},"locs":[{"a":136,"b":142}]}],"statement":"DELETE FROM storage_records\nWHERE ctid = ANY(ARRAY(\n  SELECT ctid FROM storage_records\n  WHERE expires_at <= :now!::timestamptz\n  LIMIT :limit!::int))"};

/**
 * Query generated from SQL:
 * ```
 * DELETE FROM storage_records
 * WHERE ctid = ANY(ARRAY(
 *   SELECT ctid FROM storage_records
 *   WHERE expires_at <= :now!::timestamptz
 *   LIMIT :limit!::int))
 * ```
 */
export const deleteExpiredBatch = new PreparedQuery<IDeleteExpiredBatchParams,IDeleteExpiredBatchResult>(deleteExpiredBatchIR);


/** 'DeleteCreatedBeforeBatch' parameters type */
export interface IDeleteCreatedBeforeBatchParams {
  cutoff: DateOrString;
  limit: number;
}

/** 'DeleteCreatedBeforeBatch' return type */
export type IDeleteCreatedBeforeBatchResult = void;

/** 'DeleteCreatedBeforeBatch' query type */
export interface IDeleteCreatedBeforeBatchQuery {
  params: IDeleteCreatedBeforeBatchParams;
  result: IDeleteCreatedBeforeBatchResult;
}

const deleteCreatedBeforeBatchIR: any = {"usedParamSet":{"cutoff":true,"limit":true},"params":[{"name":"cutoff","required":true,"transform":{"type":"scalar"},"locs":[{"a":108,"b":115}]},{"name":"limit","required":true,"transform":{"type":"scalar"},"locs":[{"a":138,"b":144}]}],"statement":"DELETE FROM storage_records\nWHERE ctid = ANY(ARRAY(\n  SELECT ctid FROM storage_records\n  WHERE created_at < :cutoff!::timestamptz\n  LIMIT :limit!::int))"};

/**
 * Query generated from SQL:
 * ```
 * DELETE FROM storage_records
 * WHERE ctid = ANY(ARRAY(
 *   SELECT ctid FROM storage_records
 *   WHERE created_at < :cutoff!::timestamptz
 *   LIMIT :limit!::int))
 * ```
 */
export const deleteCreatedBeforeBatch = new PreparedQuery<IDeleteCreatedBeforeBatchParams,IDeleteCreatedBeforeBatchResult>(deleteCreatedBeforeBatchIR);


/** 'DatabaseHealth' parameters type */
export type IDatabaseHealthParams = void;

/** 'DatabaseHealth' return type */
export interface IDatabaseHealthResult {
  commits: number | null;
  connections: number;
  database: string;
  rollbacks: number | null;
  schema: string | null;
  server_version_num: number;
  size_bytes: number;
  tuples_deleted: number | null;
  tuples_inserted: number | null;
  tuples_updated: number | null;
  user: string;
  version: string;
}

/** 'DatabaseHealth' query type */
export interface IDatabaseHealthQuery {
  params: IDatabaseHealthParams;
  result: IDatabaseHealthResult;
}

const databaseHealthIR: any = {"usedParamSet":{},"params":[],"statement":"SELECT\n  version() AS \"version!\",\n  current_setting('server_version_num')::int AS \"server_version_num!\",\n  current_database()::text AS \"database!\",\n  current_user::text AS \"user!\",\n  current_schema()::text AS schema,\n  pg_database_size(current_database())::float8 AS \"size_bytes!\",\n  (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database())::int AS \"connections!\",\n  d.xact_commit::float8 AS commits,\n  d.xact_rollback::float8 AS rollbacks,\n  d.tup_inserted::float8 AS tuples_inserted,\n  d.tup_updated::float8 AS tuples_updated,\n  d.tup_deleted::float8 AS tuples_deleted\nFROM pg_stat_database d\nWHERE d.datname = current_database()                                                                                                                                 "};

/**
 * Query generated from SQL:
 * ```
 * SELECT
 *   version() AS "version!",
 *   current_setting('server_version_num')::int AS "server_version_num!",
 *   current_database()::text AS "database!",
 *   current_user::text AS "user!",
 *   current_schema()::text AS schema,
 *   pg_database_size(current_database())::float8 AS "size_bytes!",
 *   (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database())::int AS "connections!",
 *   d.xact_commit::float8 AS commits,
 *   d.xact_rollback::float8 AS rollbacks,
 *   d.tup_inserted::float8 AS tuples_inserted,
 *   d.tup_updated::float8 AS tuples_updated,
 *   d.tup_deleted::float8 AS tuples_deleted
 * FROM pg_stat_database d
 * WHERE d.datname = current_database()                                                                                                                                 
 * ```
 */
export const databaseHealth = new PreparedQuery<IDatabaseHealthParams,IDatabaseHealthResult>(databaseHealthIR);


/** 'TableHealth' parameters type */
export type ITableHealthParams = void;

/** 'TableHealth' return type */
export interface ITableHealthResult {
  dead_rows: number;
  deleted: number;
  inserted: number;
  live_rows: number;
  size_bytes: number;
  updated: number;
}

/** 'TableHealth' query type */
export interface ITableHealthQuery {
  params: ITableHealthParams;
  result: ITableHealthResult;
}

const tableHealthIR: any = {"usedParamSet":{},"params":[],"statement":"SELECT\n  sum(s.n_live_tup)::float8 AS \"live_rows!\",\n  sum(s.n_dead_tup)::float8 AS \"dead_rows!\",\n  sum(s.n_tup_ins)::float8 AS \"inserted!\",\n  sum(s.n_tup_upd)::float8 AS \"updated!\",\n  sum(s.n_tup_del)::float8 AS \"deleted!\",\n  sum(pg_total_relation_size(s.relid))::float8 AS \"size_bytes!\"\nFROM pg_stat_user_tables s\nWHERE s.relid IN (SELECT relid FROM pg_partition_tree(to_regclass('storage_records')) WHERE isleaf UNION SELECT oid FROM pg_class WHERE oid = to_regclass('storage_records') AND relkind = 'r')\nHAVING count(*) > 0"};

/**
 * Query generated from SQL:
 * ```
 * SELECT
 *   sum(s.n_live_tup)::float8 AS "live_rows!",
 *   sum(s.n_dead_tup)::float8 AS "dead_rows!",
 *   sum(s.n_tup_ins)::float8 AS "inserted!",
 *   sum(s.n_tup_upd)::float8 AS "updated!",
 *   sum(s.n_tup_del)::float8 AS "deleted!",
 *   sum(pg_total_relation_size(s.relid))::float8 AS "size_bytes!"
 * FROM pg_stat_user_tables s
 * WHERE s.relid IN (SELECT relid FROM pg_partition_tree(to_regclass('storage_records')) WHERE isleaf UNION SELECT oid FROM pg_class WHERE oid = to_regclass('storage_records') AND relkind = 'r')
 * HAVING count(*) > 0
 * ```
 */
export const tableHealth = new PreparedQuery<ITableHealthParams,ITableHealthResult>(tableHealthIR);


/** 'TableStats' parameters type */
export type ITableStatsParams = void;

/** 'TableStats' return type */
export interface ITableStatsResult {
  records: number;
  size_bytes: number;
}

/** 'TableStats' query type */
export interface ITableStatsQuery {
  params: ITableStatsParams;
  result: ITableStatsResult;
}

const tableStatsIR: any = {"usedParamSet":{},"params":[],"statement":"SELECT\n  (SELECT count(*) FROM storage_records)::float8 AS \"records!\",\n  (SELECT sum(pg_total_relation_size(t.relid)) FROM (SELECT relid FROM pg_partition_tree(to_regclass('storage_records')) WHERE isleaf UNION SELECT oid FROM pg_class WHERE oid = to_regclass('storage_records') AND relkind = 'r') t)::float8 AS \"size_bytes!\"                                                                                                     "};

/**
 * Query generated from SQL:
 * ```
 * SELECT
 *   (SELECT count(*) FROM storage_records)::float8 AS "records!",
 *   (SELECT sum(pg_total_relation_size(t.relid)) FROM (SELECT relid FROM pg_partition_tree(to_regclass('storage_records')) WHERE isleaf UNION SELECT oid FROM pg_class WHERE oid = to_regclass('storage_records') AND relkind = 'r') t)::float8 AS "size_bytes!"                                                                                                     
 * ```
 */
export const tableStats = new PreparedQuery<ITableStatsParams,ITableStatsResult>(tableStatsIR);


/** 'ColumnCompression' parameters type */
export type IColumnCompressionParams = void;

/** 'ColumnCompression' return type */
export interface IColumnCompressionResult {
  column: string;
  method: string;
}

/** 'ColumnCompression' query type */
export interface IColumnCompressionQuery {
  params: IColumnCompressionParams;
  result: IColumnCompressionResult;
}

const columnCompressionIR: any = {"usedParamSet":{},"params":[],"statement":"SELECT a.attname::text AS \"column!\", a.attcompression::text AS \"method!\"\nFROM pg_attribute a\nWHERE a.attrelid = to_regclass('storage_records') AND a.attname IN ('data', 'metadata') AND NOT a.attisdropped"};

/**
 * Query generated from SQL:
 * ```
 * SELECT a.attname::text AS "column!", a.attcompression::text AS "method!"
 * FROM pg_attribute a
 * WHERE a.attrelid = to_regclass('storage_records') AND a.attname IN ('data', 'metadata') AND NOT a.attisdropped
 * ```
 */
export const columnCompression = new PreparedQuery<IColumnCompressionParams,IColumnCompressionResult>(columnCompressionIR);


/** 'SetCompressionPglz' parameters type */
export type ISetCompressionPglzParams = void;

/** 'SetCompressionPglz' return type */
export type ISetCompressionPglzResult = void;

/** 'SetCompressionPglz' query type */
export interface ISetCompressionPglzQuery {
  params: ISetCompressionPglzParams;
  result: ISetCompressionPglzResult;
}

const setCompressionPglzIR: any = {"usedParamSet":{},"params":[],"statement":"ALTER TABLE storage_records ALTER COLUMN data SET COMPRESSION pglz, ALTER COLUMN metadata SET COMPRESSION pglz"};

/**
 * Query generated from SQL:
 * ```
 * ALTER TABLE storage_records ALTER COLUMN data SET COMPRESSION pglz, ALTER COLUMN metadata SET COMPRESSION pglz
 * ```
 */
export const setCompressionPglz = new PreparedQuery<ISetCompressionPglzParams,ISetCompressionPglzResult>(setCompressionPglzIR);


/** 'SetCompressionLz4' parameters type */
export type ISetCompressionLz4Params = void;

/** 'SetCompressionLz4' return type */
export type ISetCompressionLz4Result = void;

/** 'SetCompressionLz4' query type */
export interface ISetCompressionLz4Query {
  params: ISetCompressionLz4Params;
  result: ISetCompressionLz4Result;
}

const setCompressionLz4IR: any = {"usedParamSet":{},"params":[],"statement":"ALTER TABLE storage_records ALTER COLUMN data SET COMPRESSION lz4, ALTER COLUMN metadata SET COMPRESSION lz4"};

/**
 * Query generated from SQL:
 * ```
 * ALTER TABLE storage_records ALTER COLUMN data SET COMPRESSION lz4, ALTER COLUMN metadata SET COMPRESSION lz4
 * ```
 */
export const setCompressionLz4 = new PreparedQuery<ISetCompressionLz4Params,ISetCompressionLz4Result>(setCompressionLz4IR);


/** 'ServerVersion' parameters type */
export type IServerVersionParams = void;

/** 'ServerVersion' return type */
export interface IServerVersionResult {
  version_num: number;
}

/** 'ServerVersion' query type */
export interface IServerVersionQuery {
  params: IServerVersionParams;
  result: IServerVersionResult;
}

const serverVersionIR: any = {"usedParamSet":{},"params":[],"statement":"SELECT current_setting('server_version_num')::int AS \"version_num!\""};

/**
 * Query generated from SQL:
 * ```
 * SELECT current_setting('server_version_num')::int AS "version_num!"
 * ```
 */
export const serverVersion = new PreparedQuery<IServerVersionParams,IServerVersionResult>(serverVersionIR);


