/** Types generated for queries found in "packages/postgres/sql/point-batches.sql" */
import { PreparedQuery } from '@pgtyped/runtime';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type stringArray = (string)[];

/** 'LoadRecords' parameters type */
export interface ILoadRecordsParams {
  ids: stringArray;
}

/** 'LoadRecords' return type */
export interface ILoadRecordsResult {
  created_ms: number | null;
  data: Json;
  expires_ms: number | null;
  id: string;
  metadata: Json | null;
  session_id: string | null;
  thread_id: string | null;
  type: string | null;
  updated_ms: number | null;
}

/** 'LoadRecords' query type */
export interface ILoadRecordsQuery {
  params: ILoadRecordsParams;
  result: ILoadRecordsResult;
}

const loadRecordsIR: any = {"usedParamSet":{"ids":true},"params":[{"name":"ids","required":true,"transform":{"type":"scalar"},"locs":[{"a":301,"b":305}]}],"statement":"SELECT id, data, type, session_id, thread_id, metadata,\n  floor(extract(epoch FROM created_at) * 1000)::float8 AS created_ms,\n  floor(extract(epoch FROM updated_at) * 1000)::float8 AS updated_ms,\n  floor(extract(epoch FROM expires_at) * 1000)::float8 AS expires_ms\nFROM storage_records\nWHERE id = ANY(:ids!::text[])                                                                                                          "};

/**
 * Query generated from SQL:
 * ```
 * SELECT id, data, type, session_id, thread_id, metadata,
 *   floor(extract(epoch FROM created_at) * 1000)::float8 AS created_ms,
 *   floor(extract(epoch FROM updated_at) * 1000)::float8 AS updated_ms,
 *   floor(extract(epoch FROM expires_at) * 1000)::float8 AS expires_ms
 * FROM storage_records
 * WHERE id = ANY(:ids!::text[])                                                                                                          
 * ```
 */
export const loadRecords = new PreparedQuery<ILoadRecordsParams,ILoadRecordsResult>(loadRecordsIR);


/** 'IdExpiries' parameters type */
export interface IIdExpiriesParams {
  ids: stringArray;
}

/** 'IdExpiries' return type */
export interface IIdExpiriesResult {
  expires_ms: number | null;
  id: string;
}

/** 'IdExpiries' query type */
export interface IIdExpiriesQuery {
  params: IIdExpiriesParams;
  result: IIdExpiriesResult;
}

const idExpiriesIR: any = {"usedParamSet":{"ids":true},"params":[{"name":"ids","required":true,"transform":{"type":"scalar"},"locs":[{"a":114,"b":118}]}],"statement":"SELECT id, floor(extract(epoch FROM expires_at) * 1000)::float8 AS expires_ms\nFROM storage_records\nWHERE id = ANY(:ids!::text[])"};

/**
 * Query generated from SQL:
 * ```
 * SELECT id, floor(extract(epoch FROM expires_at) * 1000)::float8 AS expires_ms
 * FROM storage_records
 * WHERE id = ANY(:ids!::text[])
 * ```
 */
export const idExpiries = new PreparedQuery<IIdExpiriesParams,IIdExpiriesResult>(idExpiriesIR);


/** 'DeleteRecordsReturning' parameters type */
export interface IDeleteRecordsReturningParams {
  ids: stringArray;
}

/** 'DeleteRecordsReturning' return type */
export interface IDeleteRecordsReturningResult {
  id: string;
}

/** 'DeleteRecordsReturning' query type */
export interface IDeleteRecordsReturningQuery {
  params: IDeleteRecordsReturningParams;
  result: IDeleteRecordsReturningResult;
}

const deleteRecordsReturningIR: any = {"usedParamSet":{"ids":true},"params":[{"name":"ids","required":true,"transform":{"type":"scalar"},"locs":[{"a":43,"b":47}]}],"statement":"DELETE FROM storage_records WHERE id = ANY(:ids!::text[]) RETURNING id"};

/**
 * Query generated from SQL:
 * ```
 * DELETE FROM storage_records WHERE id = ANY(:ids!::text[]) RETURNING id
 * ```
 */
export const deleteRecordsReturning = new PreparedQuery<IDeleteRecordsReturningParams,IDeleteRecordsReturningResult>(deleteRecordsReturningIR);


