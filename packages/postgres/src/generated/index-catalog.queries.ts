/** Types generated for queries found in "packages/postgres/sql/index-catalog.sql" */
import { PreparedQuery } from '@pgtyped/runtime';

/** 'TableKind' parameters type */
export type ITableKindParams = void;

/** 'TableKind' return type */
export interface ITableKindResult {
  kind: string | null;
}

/** 'TableKind' query type */
export interface ITableKindQuery {
  params: ITableKindParams;
  result: ITableKindResult;
}

const tableKindIR: any = {"usedParamSet":{},"params":[],"statement":"SELECT (SELECT relkind::text FROM pg_class WHERE oid = to_regclass('storage_records')) AS kind                                                                                                                   "};

/**
 * Query generated from SQL:
 * ```
 * SELECT (SELECT relkind::text FROM pg_class WHERE oid = to_regclass('storage_records')) AS kind                                                                                                                   
 * ```
 */
export const tableKind = new PreparedQuery<ITableKindParams,ITableKindResult>(tableKindIR);


/** 'IndexValidity' parameters type */
export interface IIndexValidityParams {
  name: string;
}

/** 'IndexValidity' return type */
export interface IIndexValidityResult {
  valid: boolean;
}

/** 'IndexValidity' query type */
export interface IIndexValidityQuery {
  params: IIndexValidityParams;
  result: IIndexValidityResult;
}

const indexValidityIR: any = {"usedParamSet":{"name":true},"params":[{"name":"name","required":true,"transform":{"type":"scalar"},"locs":[{"a":93,"b":98}]}],"statement":"SELECT i.indisvalid AS \"valid!\"\nFROM pg_index i\nWHERE i.indexrelid = to_regclass(quote_ident(:name!::text)) AND i.indrelid = to_regclass('storage_records')                                                                                                        "};

/**
 * Query generated from SQL:
 * ```
 * SELECT i.indisvalid AS "valid!"
 * FROM pg_index i
 * WHERE i.indexrelid = to_regclass(quote_ident(:name!::text)) AND i.indrelid = to_regclass('storage_records')                                                                                                        
 * ```
 */
export const indexValidity = new PreparedQuery<IIndexValidityParams,IIndexValidityResult>(indexValidityIR);


/** 'MigrationSecondaryIndexes' parameters type */
export type IMigrationSecondaryIndexesParams = void;

/** 'MigrationSecondaryIndexes' return type */
export interface IMigrationSecondaryIndexesResult {
  name: string;
}

/** 'MigrationSecondaryIndexes' query type */
export interface IMigrationSecondaryIndexesQuery {
  params: IMigrationSecondaryIndexesParams;
  result: IMigrationSecondaryIndexesResult;
}

const migrationSecondaryIndexesIR: any = {"usedParamSet":{},"params":[],"statement":"SELECT c.relname::text AS \"name!\"\nFROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid\nWHERE i.indrelid = to_regclass('storage_records') AND NOT i.indisunique AND NOT i.indisprimary\n  AND c.relname <> 'storage_records_id_idx'\nORDER BY c.relname                                                                                                                                     "};

/**
 * Query generated from SQL:
 * ```
 * SELECT c.relname::text AS "name!"
 * FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
 * WHERE i.indrelid = to_regclass('storage_records') AND NOT i.indisunique AND NOT i.indisprimary
 *   AND c.relname <> 'storage_records_id_idx'
 * ORDER BY c.relname                                                                                                                                     
 * ```
 */
export const migrationSecondaryIndexes = new PreparedQuery<IMigrationSecondaryIndexesParams,IMigrationSecondaryIndexesResult>(migrationSecondaryIndexesIR);


/** 'IndexStatistics' parameters type */
export interface IIndexStatisticsParams {
  name: string;
}

/** 'IndexStatistics' return type */
export interface IIndexStatisticsResult {
  kind: string;
  target: number;
}

/** 'IndexStatistics' query type */
export interface IIndexStatisticsQuery {
  params: IIndexStatisticsParams;
  result: IIndexStatisticsResult;
}

const indexStatisticsIR: any = {"usedParamSet":{"name":true},"params":[{"name":"name","required":true,"transform":{"type":"scalar"},"locs":[{"a":167,"b":172}]}],"statement":"SELECT a.attstattarget::int AS target, c.relkind::text AS \"kind!\"\nFROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid\nWHERE a.attrelid = to_regclass(quote_ident(:name!::text)) AND a.attnum = 1"};

/**
 * Query generated from SQL:
 * ```
 * SELECT a.attstattarget::int AS target, c.relkind::text AS "kind!"
 * FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
 * WHERE a.attrelid = to_regclass(quote_ident(:name!::text)) AND a.attnum = 1
 * ```
 */
export const indexStatistics = new PreparedQuery<IIndexStatisticsParams,IIndexStatisticsResult>(indexStatisticsIR);


