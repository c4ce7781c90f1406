/** Types generated for queries found in "packages/postgres/sql/partition-status.sql" */
import { PreparedQuery } from '@pgtyped/runtime';

/** 'ExactRowCounts' parameters type */
export type IExactRowCountsParams = void;

/** 'ExactRowCounts' return type */
export interface IExactRowCountsResult {
  name: string;
  rows: number;
}

/** 'ExactRowCounts' query type */
export interface IExactRowCountsQuery {
  params: IExactRowCountsParams;
  result: IExactRowCountsResult;
}

const exactRowCountsIR: any = {"usedParamSet":{},"params":[],"statement":"SELECT c.relname::text AS \"name!\", count(*)::float8 AS \"rows!\"\nFROM storage_records r\nJOIN pg_class c ON c.oid = r.tableoid\nGROUP BY c.relname                                                                                          "};

/**
 * Query generated from SQL:
 * ```
 * SELECT c.relname::text AS "name!", count(*)::float8 AS "rows!"
 * FROM storage_records r
 * JOIN pg_class c ON c.oid = r.tableoid
 * GROUP BY c.relname                                                                                          
 * ```
 */
export const exactRowCounts = new PreparedQuery<IExactRowCountsParams,IExactRowCountsResult>(exactRowCountsIR);


/** 'TableEstimate' parameters type */
export type ITableEstimateParams = void;

/** 'TableEstimate' return type */
export interface ITableEstimateResult {
  rows: number;
  size_bytes: number;
}

/** 'TableEstimate' query type */
export interface ITableEstimateQuery {
  params: ITableEstimateParams;
  result: ITableEstimateResult;
}

const tableEstimateIR: any = {"usedParamSet":{},"params":[],"statement":"SELECT coalesce((SELECT n_live_tup FROM pg_stat_user_tables WHERE relid = to_regclass('storage_records')), 0)::float8 AS \"rows!\",\n       coalesce(pg_total_relation_size(to_regclass('storage_records')), 0)::float8 AS \"size_bytes!\""};

/**
 * Query generated from SQL:
 * ```
 * SELECT coalesce((SELECT n_live_tup FROM pg_stat_user_tables WHERE relid = to_regclass('storage_records')), 0)::float8 AS "rows!",
 *        coalesce(pg_total_relation_size(to_regclass('storage_records')), 0)::float8 AS "size_bytes!"
 * ```
 */
export const tableEstimate = new PreparedQuery<ITableEstimateParams,ITableEstimateResult>(tableEstimateIR);


