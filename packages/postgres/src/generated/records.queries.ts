/** Types generated for queries found in "sql/records.sql" */
import { PreparedQuery } from '@pgtyped/runtime';

export type DateOrString = Date | string;

export type DateOrStringArray = (DateOrString)[];

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type JsonArray = (Json)[];

export type stringArray = (string)[];

/** 'LoadRecord' parameters type */
export interface ILoadRecordParams {
  id: string;
}

/** 'LoadRecord' return type */
export interface ILoadRecordResult {
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

/** 'LoadRecord' query type */
export interface ILoadRecordQuery {
  params: ILoadRecordParams;
  result: ILoadRecordResult;
}

const loadRecordIR: any = {"usedParamSet":{"id":true},"params":[{"name":"id","required":true,"transform":{"type":"scalar"},"locs":[{"a":297,"b":300}]}],"statement":"SELECT id, data, type, session_id, thread_id, metadata,\n  floor(extract(epoch FROM created_at) * 1000)::float8 AS created_ms,\n  floor(extract(epoch FROM updated_at) * 1000)::float8 AS updated_ms,\n  floor(extract(epoch FROM expires_at) * 1000)::float8 AS expires_ms\nFROM storage_records\nWHERE id = :id!"};

/**
 * Query generated from SQL:
 * ```
 * SELECT id, data, type, session_id, thread_id, metadata,
 *   floor(extract(epoch FROM created_at) * 1000)::float8 AS created_ms,
 *   floor(extract(epoch FROM updated_at) * 1000)::float8 AS updated_ms,
 *   floor(extract(epoch FROM expires_at) * 1000)::float8 AS expires_ms
 * FROM storage_records
 * WHERE id = :id!
 * ```
 */
export const loadRecord = new PreparedQuery<ILoadRecordParams,ILoadRecordResult>(loadRecordIR);


/** 'LoadRecordForUpdate' parameters type */
export interface ILoadRecordForUpdateParams {
  id: string;
}

/** 'LoadRecordForUpdate' return type */
export interface ILoadRecordForUpdateResult {
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

/** 'LoadRecordForUpdate' query type */
export interface ILoadRecordForUpdateQuery {
  params: ILoadRecordForUpdateParams;
  result: ILoadRecordForUpdateResult;
}

const loadRecordForUpdateIR: any = {"usedParamSet":{"id":true},"params":[{"name":"id","required":true,"transform":{"type":"scalar"},"locs":[{"a":297,"b":300}]}],"statement":"SELECT id, data, type, session_id, thread_id, metadata,\n  floor(extract(epoch FROM created_at) * 1000)::float8 AS created_ms,\n  floor(extract(epoch FROM updated_at) * 1000)::float8 AS updated_ms,\n  floor(extract(epoch FROM expires_at) * 1000)::float8 AS expires_ms\nFROM storage_records\nWHERE id = :id!\nFOR UPDATE                                                                                                                                                                                                   "};

/**
 * Query generated from SQL:
 * ```
 * SELECT id, data, type, session_id, thread_id, metadata,
 *   floor(extract(epoch FROM created_at) * 1000)::float8 AS created_ms,
 *   floor(extract(epoch FROM updated_at) * 1000)::float8 AS updated_ms,
 *   floor(extract(epoch FROM expires_at) * 1000)::float8 AS expires_ms
 * FROM storage_records
 * WHERE id = :id!
 * FOR UPDATE                                                                                                                                                                                                   
 * ```
 */
export const loadRecordForUpdate = new PreparedQuery<ILoadRecordForUpdateParams,ILoadRecordForUpdateResult>(loadRecordForUpdateIR);


/** 'UpsertRecord' parameters type */
export interface IUpsertRecordParams {
  createdAt: DateOrString;
  data: Json;
  expiresAt?: DateOrString | null | void;
  id: string;
  keepCreatedAt: boolean;
  metadata?: Json | null | void;
  now: DateOrString;
  sessionId?: string | null | void;
  threadId?: string | null | void;
  type?: string | null | void;
  updatedAt: DateOrString;
}

/** 'UpsertRecord' return type */
export type IUpsertRecordResult = void;

/** 'UpsertRecord' query type */
export interface IUpsertRecordQuery {
  params: IUpsertRecordParams;
  result: IUpsertRecordResult;
}

const upsertRecordIR: any = {"usedParamSet":{"id":true,"data":true,"createdAt":true,"updatedAt":true,"expiresAt":true,"type":true,"sessionId":true,"threadId":true,"metadata":true,"keepCreatedAt":true,"now":true},"params":[{"name":"id","required":true,"transform":{"type":"scalar"},"locs":[{"a":127,"b":130}]},{"name":"data","required":true,"transform":{"type":"scalar"},"locs":[{"a":133,"b":138}]},{"name":"createdAt","required":true,"transform":{"type":"scalar"},"locs":[{"a":148,"b":158}]},{"name":"updatedAt","required":true,"transform":{"type":"scalar"},"locs":[{"a":174,"b":184}]},{"name":"expiresAt","required":false,"transform":{"type":"scalar"},"locs":[{"a":200,"b":209}]},{"name":"type","required":false,"transform":{"type":"scalar"},"locs":[{"a":227,"b":231}]},{"name":"sessionId","required":false,"transform":{"type":"scalar"},"locs":[{"a":240,"b":249}]},{"name":"threadId","required":false,"transform":{"type":"scalar"},"locs":[{"a":258,"b":266}]},{"name":"metadata","required":false,"transform":{"type":"scalar"},"locs":[{"a":275,"b":283}]},{"name":"keepCreatedAt","required":true,"transform":{"type":"scalar"},"locs":[{"a":377,"b":391}]},{"name":"now","required":true,"transform":{"type":"scalar"},"locs":[{"a":446,"b":450}]}],"statement":"INSERT INTO storage_records AS r (id, data, created_at, updated_at, expires_at, type, session_id, thread_id, metadata)\nVALUES (:id!, :data!::jsonb, :createdAt!::timestamptz, :updatedAt!::timestamptz, :expiresAt::timestamptz,\n  :type::text, :sessionId::text, :threadId::text, :metadata::jsonb)\nON CONFLICT (id) DO UPDATE SET\n  data = EXCLUDED.data,\n  created_at = CASE\n    WHEN :keepCreatedAt!::boolean AND (r.expires_at IS NULL OR r.expires_at > :now!::timestamptz)\n    THEN r.created_at ELSE EXCLUDED.created_at END,\n  updated_at = EXCLUDED.updated_at,\n  expires_at = EXCLUDED.expires_at,\n  compressed = false,\n  type = EXCLUDED.type,\n  session_id = EXCLUDED.session_id,\n  thread_id = EXCLUDED.thread_id,\n  metadata = EXCLUDED.metadata                                                                                              "};

/**
 * Query generated from SQL:
 * ```
 * INSERT INTO storage_records AS r (id, data, created_at, updated_at, expires_at, type, session_id, thread_id, metadata)
 * VALUES (:id!, :data!::jsonb, :createdAt!::timestamptz, :updatedAt!::timestamptz, :expiresAt::timestamptz,
 *   :type::text, :sessionId::text, :threadId::text, :metadata::jsonb)
 * ON CONFLICT (id) DO UPDATE SET
 *   data = EXCLUDED.data,
 *   created_at = CASE
 *     WHEN :keepCreatedAt!::boolean AND (r.expires_at IS NULL OR r.expires_at > :now!::timestamptz)
 *     THEN r.created_at ELSE EXCLUDED.created_at END,
 *   updated_at = EXCLUDED.updated_at,
 *   expires_at = EXCLUDED.expires_at,
 *   compressed = false,
 *   type = EXCLUDED.type,
 *   session_id = EXCLUDED.session_id,
 *   thread_id = EXCLUDED.thread_id,
 *   metadata = EXCLUDED.metadata                                                                                              
 * ```
 */
export const upsertRecord = new PreparedQuery<IUpsertRecordParams,IUpsertRecordResult>(upsertRecordIR);


/** 'UpsertRecords' parameters type */
export interface IUpsertRecordsParams {
  createdAts: DateOrStringArray;
  datas: JsonArray;
  expiresAts: DateOrStringArray;
  ids: stringArray;
  keepCreatedAt: boolean;
  metadatas: JsonArray;
  now: DateOrString;
  sessionIds: stringArray;
  threadIds: stringArray;
  types: stringArray;
  updatedAts: DateOrStringArray;
}

/** 'UpsertRecords' return type */
export type IUpsertRecordsResult = void;

/** 'UpsertRecords' query type */
export interface IUpsertRecordsQuery {
  params: IUpsertRecordsParams;
  result: IUpsertRecordsResult;
}

const upsertRecordsIR: any = {"usedParamSet":{"ids":true,"datas":true,"createdAts":true,"updatedAts":true,"expiresAts":true,"types":true,"sessionIds":true,"threadIds":true,"metadatas":true,"keepCreatedAt":true,"now":true},"params":[{"name":"ids","required":true,"transform":{"type":"scalar"},"locs":[{"a":143,"b":147}]},{"name":"datas","required":true,"transform":{"type":"scalar"},"locs":[{"a":158,"b":164}]},{"name":"createdAts","required":true,"transform":{"type":"scalar"},"locs":[{"a":176,"b":187}]},{"name":"updatedAts","required":true,"transform":{"type":"scalar"},"locs":[{"a":205,"b":216}]},{"name":"expiresAts","required":true,"transform":{"type":"scalar"},"locs":[{"a":236,"b":247}]},{"name":"types","required":true,"transform":{"type":"scalar"},"locs":[{"a":265,"b":271}]},{"name":"sessionIds","required":true,"transform":{"type":"scalar"},"locs":[{"a":282,"b":293}]},{"name":"threadIds","required":true,"transform":{"type":"scalar"},"locs":[{"a":304,"b":314}]},{"name":"metadatas","required":true,"transform":{"type":"scalar"},"locs":[{"a":325,"b":335}]},{"name":"keepCreatedAt","required":true,"transform":{"type":"scalar"},"locs":[{"a":431,"b":445}]},{"name":"now","required":true,"transform":{"type":"scalar"},"locs":[{"a":500,"b":504}]}],"statement":"INSERT INTO storage_records AS r (id, data, created_at, updated_at, expires_at, type, session_id, thread_id, metadata)\nSELECT * FROM unnest(\n  :ids!::text[], :datas!::jsonb[], :createdAts!::timestamptz[], :updatedAts!::timestamptz[],\n  :expiresAts!::timestamptz[], :types!::text[], :sessionIds!::text[], :threadIds!::text[], :metadatas!::jsonb[])\nON CONFLICT (id) DO UPDATE SET\n  data = EXCLUDED.data,\n  created_at = CASE\n    WHEN :keepCreatedAt!::boolean AND (r.expires_at IS NULL OR r.expires_at > :now!::timestamptz)\n    THEN r.created_at ELSE EXCLUDED.created_at END,\n  updated_at = EXCLUDED.updated_at,\n  expires_at = EXCLUDED.expires_at,\n  compressed = false,\n  type = EXCLUDED.type,\n  session_id = EXCLUDED.session_id,\n  thread_id = EXCLUDED.thread_id,\n  metadata = EXCLUDED.metadata                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                "};

/**
 * Query generated from SQL:
 * ```
 * INSERT INTO storage_records AS r (id, data, created_at, updated_at, expires_at, type, session_id, thread_id, metadata)
 * SELECT * FROM unnest(
 *   :ids!::text[], :datas!::jsonb[], :createdAts!::timestamptz[], :updatedAts!::timestamptz[],
 *   :expiresAts!::timestamptz[], :types!::text[], :sessionIds!::text[], :threadIds!::text[], :metadatas!::jsonb[])
 * ON CONFLICT (id) DO UPDATE SET
 *   data = EXCLUDED.data,
 *   created_at = CASE
 *     WHEN :keepCreatedAt!::boolean AND (r.expires_at IS NULL OR r.expires_at > :now!::timestamptz)
 *     THEN r.created_at ELSE EXCLUDED.created_at END,
 *   updated_at = EXCLUDED.updated_at,
 *   expires_at = EXCLUDED.expires_at,
 *   compressed = false,
 *   type = EXCLUDED.type,
 *   session_id = EXCLUDED.session_id,
 *   thread_id = EXCLUDED.thread_id,
 *   metadata = EXCLUDED.metadata                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                
 * ```
 */
export const upsertRecords = new PreparedQuery<IUpsertRecordsParams,IUpsertRecordsResult>(upsertRecordsIR);


/** 'UpsertRecordsJson' parameters type */
export interface IUpsertRecordsJsonParams {
  createdAts: DateOrStringArray;
  datas: Json;
  expiresAts: DateOrStringArray;
  ids: stringArray;
  keepCreatedAt: boolean;
  metadatas: JsonArray;
  now: DateOrString;
  sessionIds: stringArray;
  threadIds: stringArray;
  types: stringArray;
  updatedAts: DateOrStringArray;
}

/** 'UpsertRecordsJson' return type */
export type IUpsertRecordsJsonResult = void;

/** 'UpsertRecordsJson' query type */
export interface IUpsertRecordsJsonQuery {
  params: IUpsertRecordsJsonParams;
  result: IUpsertRecordsJsonResult;
}

const upsertRecordsJsonIR: any = {"usedParamSet":{"ids":true,"createdAts":true,"updatedAts":true,"expiresAts":true,"types":true,"sessionIds":true,"threadIds":true,"metadatas":true,"datas":true,"keepCreatedAt":true,"now":true},"params":[{"name":"ids","required":true,"transform":{"type":"scalar"},"locs":[{"a":244,"b":248}]},{"name":"createdAts","required":true,"transform":{"type":"scalar"},"locs":[{"a":259,"b":270}]},{"name":"updatedAts","required":true,"transform":{"type":"scalar"},"locs":[{"a":288,"b":299}]},{"name":"expiresAts","required":true,"transform":{"type":"scalar"},"locs":[{"a":317,"b":328}]},{"name":"types","required":true,"transform":{"type":"scalar"},"locs":[{"a":348,"b":354}]},{"name":"sessionIds","required":true,"transform":{"type":"scalar"},"locs":[{"a":365,"b":376}]},{"name":"threadIds","required":true,"transform":{"type":"scalar"},"locs":[{"a":387,"b":397}]},{"name":"metadatas","required":true,"transform":{"type":"scalar"},"locs":[{"a":408,"b":418}]},{"name":"datas","required":true,"transform":{"type":"scalar"},"locs":[{"a":561,"b":567}]},{"name":"keepCreatedAt","required":true,"transform":{"type":"scalar"},"locs":[{"a":702,"b":716}]},{"name":"now","required":true,"transform":{"type":"scalar"},"locs":[{"a":771,"b":775}]}],"statement":"INSERT INTO storage_records AS r (id, data, created_at, updated_at, expires_at, type, session_id, thread_id, metadata)\nSELECT u.id, d.value, u.created_at, u.updated_at, u.expires_at, u.type, u.session_id, u.thread_id, u.metadata\nFROM unnest(\n  :ids!::text[], :createdAts!::timestamptz[], :updatedAts!::timestamptz[], :expiresAts!::timestamptz[],\n  :types!::text[], :sessionIds!::text[], :threadIds!::text[], :metadatas!::jsonb[])\n  WITH ORDINALITY AS u(id, created_at, updated_at, expires_at, type, session_id, thread_id, metadata, n)\nJOIN jsonb_array_elements(:datas!::jsonb) WITH ORDINALITY AS d(value, n) USING (n)\nON CONFLICT (id) DO UPDATE SET\n  data = EXCLUDED.data,\n  created_at = CASE\n    WHEN :keepCreatedAt!::boolean AND (r.expires_at IS NULL OR r.expires_at > :now!::timestamptz)\n    THEN r.created_at ELSE EXCLUDED.created_at END,\n  updated_at = EXCLUDED.updated_at,\n  expires_at = EXCLUDED.expires_at,\n  compressed = false,\n  type = EXCLUDED.type,\n  session_id = EXCLUDED.session_id,\n  thread_id = EXCLUDED.thread_id,\n  metadata = EXCLUDED.metadata                                                                                                 "};

/**
 * Query generated from SQL:
 * ```
 * INSERT INTO storage_records AS r (id, data, created_at, updated_at, expires_at, type, session_id, thread_id, metadata)
 * SELECT u.id, d.value, u.created_at, u.updated_at, u.expires_at, u.type, u.session_id, u.thread_id, u.metadata
 * FROM unnest(
 *   :ids!::text[], :createdAts!::timestamptz[], :updatedAts!::timestamptz[], :expiresAts!::timestamptz[],
 *   :types!::text[], :sessionIds!::text[], :threadIds!::text[], :metadatas!::jsonb[])
 *   WITH ORDINALITY AS u(id, created_at, updated_at, expires_at, type, session_id, thread_id, metadata, n)
 * JOIN jsonb_array_elements(:datas!::jsonb) WITH ORDINALITY AS d(value, n) USING (n)
 * ON CONFLICT (id) DO UPDATE SET
 *   data = EXCLUDED.data,
 *   created_at = CASE
 *     WHEN :keepCreatedAt!::boolean AND (r.expires_at IS NULL OR r.expires_at > :now!::timestamptz)
 *     THEN r.created_at ELSE EXCLUDED.created_at END,
 *   updated_at = EXCLUDED.updated_at,
 *   expires_at = EXCLUDED.expires_at,
 *   compressed = false,
 *   type = EXCLUDED.type,
 *   session_id = EXCLUDED.session_id,
 *   thread_id = EXCLUDED.thread_id,
 *   metadata = EXCLUDED.metadata                                                                                                 
 * ```
 */
export const upsertRecordsJson = new PreparedQuery<IUpsertRecordsJsonParams,IUpsertRecordsJsonResult>(upsertRecordsJsonIR);


/** 'UpdateRecords' parameters type */
export interface IUpdateRecordsParams {
  createdAts: DateOrStringArray;
  datas: JsonArray;
  expiresAts: DateOrStringArray;
  ids: stringArray;
  keepCreatedAt: boolean;
  metadatas: JsonArray;
  now: DateOrString;
  sessionIds: stringArray;
  threadIds: stringArray;
  types: stringArray;
  updatedAts: DateOrStringArray;
}

/** 'UpdateRecords' return type */
export interface IUpdateRecordsResult {
  id: string;
}

/** 'UpdateRecords' query type */
export interface IUpdateRecordsQuery {
  params: IUpdateRecordsParams;
  result: IUpdateRecordsResult;
}

const updateRecordsIR: any = {"usedParamSet":{"keepCreatedAt":true,"now":true,"ids":true,"datas":true,"createdAts":true,"updatedAts":true,"expiresAts":true,"types":true,"sessionIds":true,"threadIds":true,"metadatas":true},"params":[{"name":"keepCreatedAt","required":true,"transform":{"type":"scalar"},"locs":[{"a":78,"b":92}]},{"name":"now","required":true,"transform":{"type":"scalar"},"locs":[{"a":147,"b":151}]},{"name":"ids","required":true,"transform":{"type":"scalar"},"locs":[{"a":404,"b":408}]},{"name":"datas","required":true,"transform":{"type":"scalar"},"locs":[{"a":419,"b":425}]},{"name":"createdAts","required":true,"transform":{"type":"scalar"},"locs":[{"a":437,"b":448}]},{"name":"updatedAts","required":true,"transform":{"type":"scalar"},"locs":[{"a":466,"b":477}]},{"name":"expiresAts","required":true,"transform":{"type":"scalar"},"locs":[{"a":497,"b":508}]},{"name":"types","required":true,"transform":{"type":"scalar"},"locs":[{"a":526,"b":532}]},{"name":"sessionIds","required":true,"transform":{"type":"scalar"},"locs":[{"a":543,"b":554}]},{"name":"threadIds","required":true,"transform":{"type":"scalar"},"locs":[{"a":565,"b":575}]},{"name":"metadatas","required":true,"transform":{"type":"scalar"},"locs":[{"a":586,"b":596}]}],"statement":"UPDATE storage_records AS r SET\n  data = u.data,\n  created_at = CASE\n    WHEN :keepCreatedAt!::boolean AND (r.expires_at IS NULL OR r.expires_at > :now!::timestamptz)\n    THEN r.created_at ELSE u.created_at END,\n  updated_at = u.updated_at,\n  expires_at = u.expires_at,\n  compressed = false,\n  type = u.type,\n  session_id = u.session_id,\n  thread_id = u.thread_id,\n  metadata = u.metadata\nFROM unnest(\n  :ids!::text[], :datas!::jsonb[], :createdAts!::timestamptz[], :updatedAts!::timestamptz[],\n  :expiresAts!::timestamptz[], :types!::text[], :sessionIds!::text[], :threadIds!::text[], :metadatas!::jsonb[])\n  AS u(id, data, created_at, updated_at, expires_at, type, session_id, thread_id, metadata)\nWHERE r.id = u.id\nRETURNING r.id"};

/**
 * Query generated from SQL:
 * ```
 * UPDATE storage_records AS r SET
 *   data = u.data,
 *   created_at = CASE
 *     WHEN :keepCreatedAt!::boolean AND (r.expires_at IS NULL OR r.expires_at > :now!::timestamptz)
 *     THEN r.created_at ELSE u.created_at END,
 *   updated_at = u.updated_at,
 *   expires_at = u.expires_at,
 *   compressed = false,
 *   type = u.type,
 *   session_id = u.session_id,
 *   thread_id = u.thread_id,
 *   metadata = u.metadata
 * FROM unnest(
 *   :ids!::text[], :datas!::jsonb[], :createdAts!::timestamptz[], :updatedAts!::timestamptz[],
 *   :expiresAts!::timestamptz[], :types!::text[], :sessionIds!::text[], :threadIds!::text[], :metadatas!::jsonb[])
 *   AS u(id, data, created_at, updated_at, expires_at, type, session_id, thread_id, metadata)
 * WHERE r.id = u.id
 * RETURNING r.id
 * ```
 */
export const updateRecords = new PreparedQuery<IUpdateRecordsParams,IUpdateRecordsResult>(updateRecordsIR);


/** 'ExistingIds' parameters type */
export interface IExistingIdsParams {
  ids: stringArray;
}

/** 'ExistingIds' return type */
export interface IExistingIdsResult {
  id: string;
}

/** 'ExistingIds' query type */
export interface IExistingIdsQuery {
  params: IExistingIdsParams;
  result: IExistingIdsResult;
}

const existingIdsIR: any = {"usedParamSet":{"ids":true},"params":[{"name":"ids","required":true,"transform":{"type":"scalar"},"locs":[{"a":46,"b":50}]}],"statement":"SELECT id FROM storage_records WHERE id = ANY(:ids!::text[])                                                                                                                                                                                                                                                                                                                                   "};

/**
 * Query generated from SQL:
 * ```
 * SELECT id FROM storage_records WHERE id = ANY(:ids!::text[])                                                                                                                                                                                                                                                                                                                                   
 * ```
 */
export const existingIds = new PreparedQuery<IExistingIdsParams,IExistingIdsResult>(existingIdsIR);


/** 'RecordExpiry' parameters type */
export interface IRecordExpiryParams {
  id: string;
}

/** 'RecordExpiry' return type */
export interface IRecordExpiryResult {
  expires_ms: number | null;
}

/** 'RecordExpiry' query type */
export interface IRecordExpiryQuery {
  params: IRecordExpiryParams;
  result: IRecordExpiryResult;
}

const recordExpiryIR: any = {"usedParamSet":{"id":true},"params":[{"name":"id","required":true,"transform":{"type":"scalar"},"locs":[{"a":106,"b":109}]}],"statement":"SELECT floor(extract(epoch FROM expires_at) * 1000)::float8 AS expires_ms\nFROM storage_records\nWHERE id = :id!"};

/**
 * Query generated from SQL:
 * ```
 * SELECT floor(extract(epoch FROM expires_at) * 1000)::float8 AS expires_ms
 * FROM storage_records
 * WHERE id = :id!
 * ```
 */
export const recordExpiry = new PreparedQuery<IRecordExpiryParams,IRecordExpiryResult>(recordExpiryIR);


/** 'DeleteRecord' parameters type */
export interface IDeleteRecordParams {
  id: string;
}

/** 'DeleteRecord' return type */
export type IDeleteRecordResult = void;

/** 'DeleteRecord' query type */
export interface IDeleteRecordQuery {
  params: IDeleteRecordParams;
  result: IDeleteRecordResult;
}

const deleteRecordIR: any = {"usedParamSet":{"id":true},"params":[{"name":"id","required":true,"transform":{"type":"scalar"},"locs":[{"a":39,"b":42}]}],"statement":"DELETE FROM storage_records WHERE id = :id!"};

/**
 * Query generated from SQL:
 * ```
 * DELETE FROM storage_records WHERE id = :id!
 * ```
 */
export const deleteRecord = new PreparedQuery<IDeleteRecordParams,IDeleteRecordResult>(deleteRecordIR);


/** 'DeleteRecords' parameters type */
export interface IDeleteRecordsParams {
  ids: stringArray;
}

/** 'DeleteRecords' return type */
export type IDeleteRecordsResult = void;

/** 'DeleteRecords' query type */
export interface IDeleteRecordsQuery {
  params: IDeleteRecordsParams;
  result: IDeleteRecordsResult;
}

const deleteRecordsIR: any = {"usedParamSet":{"ids":true},"params":[{"name":"ids","required":true,"transform":{"type":"scalar"},"locs":[{"a":43,"b":47}]}],"statement":"DELETE FROM storage_records WHERE id = ANY(:ids!::text[])                                                                                                     "};

/**
 * Query generated from SQL:
 * ```
 * DELETE FROM storage_records WHERE id = ANY(:ids!::text[])                                                                                                     
 * ```
 */
export const deleteRecords = new PreparedQuery<IDeleteRecordsParams,IDeleteRecordsResult>(deleteRecordsIR);


/** 'DeleteRecordIfExpired' parameters type */
export interface IDeleteRecordIfExpiredParams {
  id: string;
  now: DateOrString;
}

/** 'DeleteRecordIfExpired' return type */
export type IDeleteRecordIfExpiredResult = void;

/** 'DeleteRecordIfExpired' query type */
export interface IDeleteRecordIfExpiredQuery {
  params: IDeleteRecordIfExpiredParams;
  result: IDeleteRecordIfExpiredResult;
}

const deleteRecordIfExpiredIR: any = {"usedParamSet":{"id":true,"now":true},"params":[{"name":"id","required":true,"transform":{"type":"scalar"},"locs":[{"a":39,"b":42}]},{"name":"now","required":true,"transform":{"type":"scalar"},"locs":[{"a":89,"b":93}]}],"statement":"DELETE FROM storage_records\nWHERE id = :id! AND expires_at IS NOT NULL AND expires_at <= :now!::timestamptz"};

/**
 * Query generated from SQL:
 * ```
 * DELETE FROM storage_records
 * WHERE id = :id! AND expires_at IS NOT NULL AND expires_at <= :now!::timestamptz
 * ```
 */
export const deleteRecordIfExpired = new PreparedQuery<IDeleteRecordIfExpiredParams,IDeleteRecordIfExpiredResult>(deleteRecordIfExpiredIR);


