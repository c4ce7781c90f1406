/** Types generated for queries found in "packages/postgres/sql/partition-catalog.sql" */
import { PreparedQuery } from '@pgtyped/runtime';

/** 'InspectLayout' parameters type */
export type IInspectLayoutParams = void;

/** 'InspectLayout' return type */
export interface IInspectLayoutResult {
  key_column: string | null;
  modulus: number | null;
  partitions: number;
  relkind: string | null;
  strategy: string | null;
}

/** 'InspectLayout' query type */
export interface IInspectLayoutQuery {
  params: IInspectLayoutParams;
  result: IInspectLayoutResult;
}

const inspectLayoutIR: any = {"usedParamSet":{},"params":[],"statement":"SELECT c.relkind::text AS relkind, p.partstrat::text AS strategy,\n       (SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum = p.partattrs[0]) AS key_column,\n       (SELECT count(*)::int FROM pg_inherits i WHERE i.inhparent = c.oid) AS \"partitions!\",\n       (SELECT max((regexp_match(pg_get_expr(k.relpartbound, k.oid), 'modulus (\\d+)', 'i'))[1]::int)\n          FROM pg_inherits i JOIN pg_class k ON k.oid = i.inhrelid WHERE i.inhparent = c.oid) AS modulus\nFROM (SELECT to_regclass('storage_records') AS oid) r\nLEFT JOIN pg_class c ON c.oid = r.oid\nLEFT JOIN pg_partitioned_table p ON p.partrelid = c.oid                                                                                                                                                                                                                      "};

/**
 * Query generated from SQL:
 * ```
 * SELECT c.relkind::text AS relkind, p.partstrat::text AS strategy,
 *        (SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum = p.partattrs[0]) AS key_column,
 *        (SELECT count(*)::int FROM pg_inherits i WHERE i.inhparent = c.oid) AS "partitions!",
 *        (SELECT max((regexp_match(pg_get_expr(k.relpartbound, k.oid), 'modulus (\d+)', 'i'))[1]::int)
 *           FROM pg_inherits i JOIN pg_class k ON k.oid = i.inhrelid WHERE i.inhparent = c.oid) AS modulus
 * FROM (SELECT to_regclass('storage_records') AS oid) r
 * LEFT JOIN pg_class c ON c.oid = r.oid
 * LEFT JOIN pg_partitioned_table p ON p.partrelid = c.oid                                                                                                                                                                                                                      
 * ```
 */
export const inspectLayout = new PreparedQuery<IInspectLayoutParams,IInspectLayoutResult>(inspectLayoutIR);


/** 'ListPartitions' parameters type */
export type IListPartitionsParams = void;

/** 'ListPartitions' return type */
export interface IListPartitionsResult {
  bound: string;
  estimate: number;
  from_ms: number | null;
  name: string;
  size: number;
  to_ms: number | null;
}

/** 'ListPartitions' query type */
export interface IListPartitionsQuery {
  params: IListPartitionsParams;
  result: IListPartitionsResult;
}

const listPartitionsIR: any = {"usedParamSet":{},"params":[],"statement":"SELECT c.relname::text AS \"name!\", pg_get_expr(c.relpartbound, c.oid) AS \"bound!\",\n       floor(extract(epoch FROM (m.b)[1]::timestamptz) * 1000)::float8 AS from_ms,\n       floor(extract(epoch FROM (m.b)[2]::timestamptz) * 1000)::float8 AS to_ms,\n       coalesce(s.n_live_tup, 0)::float8 AS \"estimate!\",\n       pg_total_relation_size(c.oid)::float8 AS \"size!\"\nFROM pg_inherits i\nJOIN pg_class c ON c.oid = i.inhrelid\nLEFT JOIN pg_stat_user_tables s ON s.relid = c.oid\nCROSS JOIN LATERAL (SELECT regexp_match(pg_get_expr(c.relpartbound, c.oid),\n  '^FOR VALUES FROM \\(''([^'']*)''\\) TO \\(''([^'']*)''\\)$') AS b) m\nWHERE i.inhparent = to_regclass('storage_records')\nORDER BY from_ms NULLS LAST, c.relname                                                                              "};

/**
 * Query generated from SQL:
 * ```
 * SELECT c.relname::text AS "name!", pg_get_expr(c.relpartbound, c.oid) AS "bound!",
 *        floor(extract(epoch FROM (m.b)[1]::timestamptz) * 1000)::float8 AS from_ms,
 *        floor(extract(epoch FROM (m.b)[2]::timestamptz) * 1000)::float8 AS to_ms,
 *        coalesce(s.n_live_tup, 0)::float8 AS "estimate!",
 *        pg_total_relation_size(c.oid)::float8 AS "size!"
 * FROM pg_inherits i
 * JOIN pg_class c ON c.oid = i.inhrelid
 * LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
 * CROSS JOIN LATERAL (SELECT regexp_match(pg_get_expr(c.relpartbound, c.oid),
 *   '^FOR VALUES FROM \(''([^'']*)''\) TO \(''([^'']*)''\)$') AS b) m
 * WHERE i.inhparent = to_regclass('storage_records')
 * ORDER BY from_ms NULLS LAST, c.relname                                                                              
 * ```
 */
export const listPartitions = new PreparedQuery<IListPartitionsParams,IListPartitionsResult>(listPartitionsIR);


/** 'RelationExists' parameters type */
export interface IRelationExistsParams {
  name: string;
}

/** 'RelationExists' return type */
export interface IRelationExistsResult {
  present: boolean;
}

/** 'RelationExists' query type */
export interface IRelationExistsQuery {
  params: IRelationExistsParams;
  result: IRelationExistsResult;
}

const relationExistsIR: any = {"usedParamSet":{"name":true},"params":[{"name":"name","required":true,"transform":{"type":"scalar"},"locs":[{"a":31,"b":36}]}],"statement":"SELECT to_regclass(quote_ident(:name!::text)) IS NOT NULL AS \"present!\"                                                                        "};

/**
 * Query generated from SQL:
 * ```
 * SELECT to_regclass(quote_ident(:name!::text)) IS NOT NULL AS "present!"                                                                        
 * ```
 */
export const relationExists = new PreparedQuery<IRelationExistsParams,IRelationExistsResult>(relationExistsIR);


/** 'IsPartitionAttached' parameters type */
export interface IIsPartitionAttachedParams {
  name: string;
}

/** 'IsPartitionAttached' return type */
export interface IIsPartitionAttachedResult {
  attached: boolean;
}

/** 'IsPartitionAttached' query type */
export interface IIsPartitionAttachedQuery {
  params: IIsPartitionAttachedParams;
  result: IIsPartitionAttachedResult;
}

const isPartitionAttachedIR: any = {"usedParamSet":{"name":true},"params":[{"name":"name","required":true,"transform":{"type":"scalar"},"locs":[{"a":87,"b":92}]}],"statement":"SELECT EXISTS (\n  SELECT 1 FROM pg_inherits\n  WHERE inhrelid = to_regclass(quote_ident(:name!::text)) AND inhparent = to_regclass('storage_records')\n) AS \"attached!\"                                                                                              "};

/**
 * Query generated from SQL:
 * ```
 * SELECT EXISTS (
 *   SELECT 1 FROM pg_inherits
 *   WHERE inhrelid = to_regclass(quote_ident(:name!::text)) AND inhparent = to_regclass('storage_records')
 * ) AS "attached!"                                                                                              
 * ```
 */
export const isPartitionAttached = new PreparedQuery<IIsPartitionAttachedParams,IIsPartitionAttachedResult>(isPartitionAttachedIR);


/** 'TableHasRows' parameters type */
export type ITableHasRowsParams = void;

/** 'TableHasRows' return type */
export interface ITableHasRowsResult {
  present: boolean;
}

/** 'TableHasRows' query type */
export interface ITableHasRowsQuery {
  params: ITableHasRowsParams;
  result: ITableHasRowsResult;
}

const tableHasRowsIR: any = {"usedParamSet":{},"params":[],"statement":"SELECT EXISTS (SELECT 1 FROM storage_records) AS \"present!\""};

/**
 * Query generated from SQL:
 * ```
 * SELECT EXISTS (SELECT 1 FROM storage_records) AS "present!"
 * ```
 */
export const tableHasRows = new PreparedQuery<ITableHasRowsParams,ITableHasRowsResult>(tableHasRowsIR);


