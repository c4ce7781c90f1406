/** Types generated for queries found in "packages/postgres/sql/partition-maintenance.sql" */
import { PreparedQuery } from '@pgtyped/runtime';

export type DateOrString = Date | string;

/** 'LockLayout' parameters type */
export type ILockLayoutParams = void;

/** 'LockLayout' return type */
export interface ILockLayoutResult {
  locked: boolean;
}

/** 'LockLayout' query type */
export interface ILockLayoutQuery {
  params: ILockLayoutParams;
  result: ILockLayoutResult;
}

const lockLayoutIR: any = {"usedParamSet":{},"params":[],"statement":"SELECT true AS \"locked!\" FROM pg_advisory_xact_lock(hashtext('recordstore.layout'), hashtext(current_schema()))                                                                                 "};

/**
 * Query generated from SQL:
 * ```
 * SELECT true AS "locked!" FROM pg_advisory_xact_lock(hashtext('recordstore.layout'), hashtext(current_schema()))                                                                                 
 * ```
 */
export const lockLayout = new PreparedQuery<ILockLayoutParams,ILockLayoutResult>(lockLayoutIR);


/** 'LockTableForWrites' parameters type */
export type ILockTableForWritesParams = void;

/** 'LockTableForWrites' return type */
export type ILockTableForWritesResult = void;

/** 'LockTableForWrites' query type */
export interface ILockTableForWritesQuery {
  params: ILockTableForWritesParams;
  result: ILockTableForWritesResult;
}

const lockTableForWritesIR: any = {"usedParamSet":{},"params":[],"statement":"LOCK TABLE storage_records IN EXCLUSIVE MODE                                                                                                                                                                             "};

/**
 * Query generated from SQL:
 * ```
 * LOCK TABLE storage_records IN EXCLUSIVE MODE                                                                                                                                                                             
 * ```
 */
export const lockTableForWrites = new PreparedQuery<ILockTableForWritesParams,ILockTableForWritesResult>(lockTableForWritesIR);


/** 'DisableRowSecurity' parameters type */
export type IDisableRowSecurityParams = void;

/** 'DisableRowSecurity' return type */
export type IDisableRowSecurityResult = void;

/** 'DisableRowSecurity' query type */
export interface IDisableRowSecurityQuery {
  params: IDisableRowSecurityParams;
  result: IDisableRowSecurityResult;
}

const disableRowSecurityIR: any = {"usedParamSet":{},"params":[],"statement":"SET LOCAL row_security = off                                                                                                  "};

/**
 * Query generated from SQL:
 * ```
 * SET LOCAL row_security = off                                                                                                  
 * ```
 */
export const disableRowSecurity = new PreparedQuery<IDisableRowSecurityParams,IDisableRowSecurityResult>(disableRowSecurityIR);


/** 'CreateMovingTable' parameters type */
export type ICreateMovingTableParams = void;

/** 'CreateMovingTable' return type */
export type ICreateMovingTableResult = void;

/** 'CreateMovingTable' query type */
export interface ICreateMovingTableQuery {
  params: ICreateMovingTableParams;
  result: ICreateMovingTableResult;
}

const createMovingTableIR: any = {"usedParamSet":{},"params":[],"statement":"CREATE TEMP TABLE rs_moving (LIKE storage_records) ON COMMIT DROP                                                                                                                                                                                                                                                                                                                 "};

/**
 * Query generated from SQL:
 * ```
 * CREATE TEMP TABLE rs_moving (LIKE storage_records) ON COMMIT DROP                                                                                                                                                                                                                                                                                                                 
 * ```
 */
export const createMovingTable = new PreparedQuery<ICreateMovingTableParams,ICreateMovingTableResult>(createMovingTableIR);


/** 'DefaultHasRowsInRange' parameters type */
export interface IDefaultHasRowsInRangeParams {
  from: DateOrString;
  to: DateOrString;
}

/** 'DefaultHasRowsInRange' return type */
export interface IDefaultHasRowsInRangeResult {
  present: boolean;
}

/** 'DefaultHasRowsInRange' query type */
export interface IDefaultHasRowsInRangeQuery {
  params: IDefaultHasRowsInRangeParams;
  result: IDefaultHasRowsInRangeResult;
}

const defaultHasRowsInRangeIR: any = {"usedParamSet":{"from":true,"to":true},"params":[{"name":"from","required":true,"transform":{"type":"scalar"},"locs":[{"a":128,"b":133}]},{"name":"to","required":true,"transform":{"type":"scalar"},"locs":[{"a":165,"b":168}]}],"statement":"SELECT EXISTS (\n  SELECT 1 FROM storage_records\n  WHERE tableoid = to_regclass('storage_records_default')\n    AND created_at >= :from!::timestamptz AND created_at < :to!::timestamptz\n) AS \"present!\""};

/**
 * Query generated from SQL:
 * ```
 * SELECT EXISTS (
 *   SELECT 1 FROM storage_records
 *   WHERE tableoid = to_regclass('storage_records_default')
 *     AND created_at >= :from!::timestamptz AND created_at < :to!::timestamptz
 * ) AS "present!"
 * ```
 */
export const defaultHasRowsInRange = new PreparedQuery<IDefaultHasRowsInRangeParams,IDefaultHasRowsInRangeResult>(defaultHasRowsInRangeIR);


/** 'DefaultHasRowsOfType' parameters type */
export interface IDefaultHasRowsOfTypeParams {
  type: string;
}

/** 'DefaultHasRowsOfType' return type */
export interface IDefaultHasRowsOfTypeResult {
  present: boolean;
}

/** 'DefaultHasRowsOfType' query type */
export interface IDefaultHasRowsOfTypeQuery {
  params: IDefaultHasRowsOfTypeParams;
  result: IDefaultHasRowsOfTypeResult;
}

const defaultHasRowsOfTypeIR: any = {"usedParamSet":{"type":true},"params":[{"name":"type","required":true,"transform":{"type":"scalar"},"locs":[{"a":117,"b":122}]}],"statement":"SELECT EXISTS (\n  SELECT 1 FROM storage_records\n  WHERE tableoid = to_regclass('storage_records_default') AND type = :type!::text\n) AS \"present!\"                                                "};

/**
 * Query generated from SQL:
 * ```
 * SELECT EXISTS (
 *   SELECT 1 FROM storage_records
 *   WHERE tableoid = to_regclass('storage_records_default') AND type = :type!::text
 * ) AS "present!"                                                
 * ```
 */
export const defaultHasRowsOfType = new PreparedQuery<IDefaultHasRowsOfTypeParams,IDefaultHasRowsOfTypeResult>(defaultHasRowsOfTypeIR);


/** 'AddPrimaryKey' parameters type */
export type IAddPrimaryKeyParams = void;

/** 'AddPrimaryKey' return type */
export type IAddPrimaryKeyResult = void;

/** 'AddPrimaryKey' query type */
export interface IAddPrimaryKeyQuery {
  params: IAddPrimaryKeyParams;
  result: IAddPrimaryKeyResult;
}

const addPrimaryKeyIR: any = {"usedParamSet":{},"params":[],"statement":"ALTER TABLE storage_records ADD CONSTRAINT storage_records_pkey PRIMARY KEY (id)                                                                                          "};

/**
 * Query generated from SQL:
 * ```
 * ALTER TABLE storage_records ADD CONSTRAINT storage_records_pkey PRIMARY KEY (id)                                                                                          
 * ```
 */
export const addPrimaryKey = new PreparedQuery<IAddPrimaryKeyParams,IAddPrimaryKeyResult>(addPrimaryKeyIR);


/** 'CreateIdIndex' parameters type */
export type ICreateIdIndexParams = void;

/** 'CreateIdIndex' return type */
export type ICreateIdIndexResult = void;

/** 'CreateIdIndex' query type */
export interface ICreateIdIndexQuery {
  params: ICreateIdIndexParams;
  result: ICreateIdIndexResult;
}

const createIdIndexIR: any = {"usedParamSet":{},"params":[],"statement":"CREATE INDEX storage_records_id_idx ON storage_records (id)"};

/**
 * Query generated from SQL:
 * ```
 * CREATE INDEX storage_records_id_idx ON storage_records (id)
 * ```
 */
export const createIdIndex = new PreparedQuery<ICreateIdIndexParams,ICreateIdIndexResult>(createIdIndexIR);


/** 'AnalyzeTable' parameters type */
export type IAnalyzeTableParams = void;

/** 'AnalyzeTable' return type */
export type IAnalyzeTableResult = void;

/** 'AnalyzeTable' query type */
export interface IAnalyzeTableQuery {
  params: IAnalyzeTableParams;
  result: IAnalyzeTableResult;
}

const analyzeTableIR: any = {"usedParamSet":{},"params":[],"statement":"ANALYZE storage_records                                                                                                              "};

/**
 * Query generated from SQL:
 * ```
 * ANALYZE storage_records                                                                                                              
 * ```
 */
export const analyzeTable = new PreparedQuery<IAnalyzeTableParams,IAnalyzeTableResult>(analyzeTableIR);


/** 'ForceRowLevelSecurity' parameters type */
export type IForceRowLevelSecurityParams = void;

/** 'ForceRowLevelSecurity' return type */
export type IForceRowLevelSecurityResult = void;

/** 'ForceRowLevelSecurity' query type */
export interface IForceRowLevelSecurityQuery {
  params: IForceRowLevelSecurityParams;
  result: IForceRowLevelSecurityResult;
}

const forceRowLevelSecurityIR: any = {"usedParamSet":{},"params":[],"statement":"ALTER TABLE storage_records FORCE ROW LEVEL SECURITY"};

/**
 * Query generated from SQL:
 * ```
 * ALTER TABLE storage_records FORCE ROW LEVEL SECURITY
 * ```
 */
export const forceRowLevelSecurity = new PreparedQuery<IForceRowLevelSecurityParams,IForceRowLevelSecurityResult>(forceRowLevelSecurityIR);


