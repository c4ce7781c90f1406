/** Types generated for queries found in "sql/partitioned.sql" */
import { PreparedQuery } from '@pgtyped/runtime';

export type DateOrString = Date | string;

export type DateOrStringArray = (DateOrString)[];

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type JsonArray = (Json)[];

export type stringArray = (string)[];

/** 'LockRecordIds' parameters type */
export interface ILockRecordIdsParams {
  ids: stringArray;
}

/** 'LockRecordIds' return type */
export interface ILockRecordIdsResult {
  locked: number;
}

/** 'LockRecordIds' query type */
export interface ILockRecordIdsQuery {
  params: ILockRecordIdsParams;
  result: ILockRecordIdsResult;
}

const lockRecordIdsIR: any = {"usedParamSet":{"ids":true},"params":[{"name":"ids","required":true,"transform":{"type":"scalar"},"locs":[{"a":184,"b":188}]}],"statement":"SELECT count(*)::int AS \"locked!\" FROM (\n  SELECT pg_advisory_xact_lock(hashtext('recordstore.records.' || current_schema()), k.h)\n  FROM (SELECT DISTINCT hashtext(i) AS h FROM unnest(:ids!::text[]) AS i ORDER BY 1) k\n) s                                                                                                                                                                                                                                             "};

/**
 * Query generated from SQL:
 * ```
 * SELECT count(*)::int AS "locked!" FROM (
 *   SELECT pg_advisory_xact_lock(hashtext('recordstore.records.' || current_schema()), k.h)
 *   FROM (SELECT DISTINCT hashtext(i) AS h FROM unnest(:ids!::text[]) AS i ORDER BY 1) k
 * ) s                                                                                                                                                                                                                                             
 * ```
 */
export const lockRecordIds = new PreparedQuery<ILockRecordIdsParams,ILockRecordIdsResult>(lockRecordIdsIR);


/** 'UpsertPartitionedRecords' parameters type */
export interface IUpsertPartitionedRecordsParams {
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

/** 'UpsertPartitionedRecords' return type */
export type IUpsertPartitionedRecordsResult = void;

/** 'UpsertPartitionedRecords' query type */
export interface IUpsertPartitionedRecordsQuery {
  params: IUpsertPartitionedRecordsParams;
  result: IUpsertPartitionedRecordsResult;
}

const upsertPartitionedRecordsIR: any = {"usedParamSet":{"ids":true,"datas":true,"createdAts":true,"updatedAts":true,"expiresAts":true,"types":true,"sessionIds":true,"threadIds":true,"metadatas":true,"keepCreatedAt":true,"now":true},"params":[{"name":"ids","required":true,"transform":{"type":"scalar"},"locs":[{"a":40,"b":44}]},{"name":"datas","required":true,"transform":{"type":"scalar"},"locs":[{"a":55,"b":61}]},{"name":"createdAts","required":true,"transform":{"type":"scalar"},"locs":[{"a":73,"b":84}]},{"name":"updatedAts","required":true,"transform":{"type":"scalar"},"locs":[{"a":102,"b":113}]},{"name":"expiresAts","required":true,"transform":{"type":"scalar"},"locs":[{"a":135,"b":146}]},{"name":"types","required":true,"transform":{"type":"scalar"},"locs":[{"a":164,"b":170}]},{"name":"sessionIds","required":true,"transform":{"type":"scalar"},"locs":[{"a":181,"b":192}]},{"name":"threadIds","required":true,"transform":{"type":"scalar"},"locs":[{"a":203,"b":213}]},{"name":"metadatas","required":true,"transform":{"type":"scalar"},"locs":[{"a":224,"b":234}]},{"name":"keepCreatedAt","required":true,"transform":{"type":"scalar"},"locs":[{"a":442,"b":456}]},{"name":"now","required":true,"transform":{"type":"scalar"},"locs":[{"a":511,"b":515}]}],"statement":"WITH u AS (\n  SELECT * FROM unnest(\n    :ids!::text[], :datas!::jsonb[], :createdAts!::timestamptz[], :updatedAts!::timestamptz[],\n    :expiresAts!::timestamptz[], :types!::text[], :sessionIds!::text[], :threadIds!::text[], :metadatas!::jsonb[])\n    AS u(id, data, created_at, updated_at, expires_at, type, session_id, thread_id, metadata)\n), updated AS (\n  UPDATE storage_records AS r SET\n    data = u.data,\n    created_at = CASE\n      WHEN :keepCreatedAt!::boolean AND (r.expires_at IS NULL OR r.expires_at > :now!::timestamptz)\n      THEN r.created_at ELSE u.created_at END,\n    updated_at = u.updated_at,\n    expires_at = u.expires_at,\n    compressed = false,\n    type = u.type,\n    session_id = u.session_id,\n    thread_id = u.thread_id,\n    metadata = u.metadata\n  FROM u\n  WHERE r.id = u.id\n  RETURNING r.id\n)\nINSERT INTO storage_records (id, data, created_at, updated_at, expires_at, type, session_id, thread_id, metadata)\nSELECT u.id, u.data, u.created_at, u.updated_at, u.expires_at, u.type, u.session_id, u.thread_id, u.metadata\nFROM u\nWHERE NOT EXISTS (SELECT 1 FROM updated WHERE updated.id = u.id)                                                                                                                                                                                                                                                                                                                                             "};

/**
 * Query generated from SQL:
 * ```
 * WITH u AS (
 *   SELECT * FROM unnest(
 *     :ids!::text[], :datas!::jsonb[], :createdAts!::timestamptz[], :updatedAts!::timestamptz[],
 *     :expiresAts!::timestamptz[], :types!::text[], :sessionIds!::text[], :threadIds!::text[], :metadatas!::jsonb[])
 *     AS u(id, data, created_at, updated_at, expires_at, type, session_id, thread_id, metadata)
 * ), updated AS (
 *   UPDATE storage_records AS r SET
 *     data = u.data,
 *     created_at = CASE
 *       WHEN :keepCreatedAt!::boolean AND (r.expires_at IS NULL OR r.expires_at > :now!::timestamptz)
 *       THEN r.created_at ELSE u.created_at END,
 *     updated_at = u.updated_at,
 *     expires_at = u.expires_at,
 *     compressed = false,
 *     type = u.type,
 *     session_id = u.session_id,
 *     thread_id = u.thread_id,
 *     metadata = u.metadata
 *   FROM u
 *   WHERE r.id = u.id
 *   RETURNING r.id
 * )
 * INSERT INTO storage_records (id, data, created_at, updated_at, expires_at, type, session_id, thread_id, metadata)
 * SELECT u.id, u.data, u.created_at, u.updated_at, u.expires_at, u.type, u.session_id, u.thread_id, u.metadata
 * FROM u
 * WHERE NOT EXISTS (SELECT 1 FROM updated WHERE updated.id = u.id)                                                                                                                                                                                                                                                                                                                                             
 * ```
 */
export const upsertPartitionedRecords = new PreparedQuery<IUpsertPartitionedRecordsParams,IUpsertPartitionedRecordsResult>(upsertPartitionedRecordsIR);


/** 'DeleteExpiredBatchById' parameters type */
export interface IDeleteExpiredBatchByIdParams {
  limit: number;
  now: DateOrString;
}

/** 'DeleteExpiredBatchById' return type */
export type IDeleteExpiredBatchByIdResult = void;

/** 'DeleteExpiredBatchById' query type */
export interface IDeleteExpiredBatchByIdQuery {
  params: IDeleteExpiredBatchByIdParams;
  result: IDeleteExpiredBatchByIdResult;
}

const deleteExpiredBatchByIdIR: any = {"usedParamSet":{"now":true,"limit":true},"params":[{"name":"now","required":true,"transform":{"type":"scalar"},"locs":[{"a":105,"b":109},{"a":165,"b":169}]},{"name":"limit","required":true,"transform":{"type":"scalar"},"locs":[{"a":132,"b":138}]}],"statement":"DELETE FROM storage_records\nWHERE id = ANY(ARRAY(\n  SELECT id FROM storage_records\n  WHERE expires_at <= :now!::timestamptz\n  LIMIT :limit!::int))\nAND expires_at <= :now!::timestamptz"};

/**
 * Query generated from SQL:
 * ```
 * DELETE FROM storage_records
 * WHERE id = ANY(ARRAY(
 *   SELECT id FROM storage_records
 *   WHERE expires_at <= :now!::timestamptz
 *   LIMIT :limit!::int))
 * AND expires_at <= :now!::timestamptz
 * ```
 */
export const deleteExpiredBatchById = new PreparedQuery<IDeleteExpiredBatchByIdParams,IDeleteExpiredBatchByIdResult>(deleteExpiredBatchByIdIR);


/** 'DeleteCreatedBeforeBatchById' parameters type */
export interface IDeleteCreatedBeforeBatchByIdParams {
  cutoff: DateOrString;
  limit: number;
}

/** 'DeleteCreatedBeforeBatchById' return type */
export type IDeleteCreatedBeforeBatchByIdResult = void;

/** 'DeleteCreatedBeforeBatchById' query type */
export interface IDeleteCreatedBeforeBatchByIdQuery {
  params: IDeleteCreatedBeforeBatchByIdParams;
  result: IDeleteCreatedBeforeBatchByIdResult;
}

const deleteCreatedBeforeBatchByIdIR: any = {"usedParamSet":{"cutoff":true,"limit":true},"params":[{"name":"cutoff","required":true,"transform":{"type":"scalar"},"locs":[{"a":104,"b":111},{"a":166,"b":173}]},{"name":"limit","required":true,"transform":{"type":"scalar"},"locs":[{"a":134,"b":140}]}],"statement":"DELETE FROM storage_records\nWHERE id = ANY(ARRAY(\n  SELECT id FROM storage_records\n  WHERE created_at < :cutoff!::timestamptz\n  LIMIT :limit!::int))\nAND created_at < :cutoff!::timestamptz                                                                                                                                                                                                       "};

/**
 * Query generated from SQL:
 * ```
 * DELETE FROM storage_records
 * WHERE id = ANY(ARRAY(
 *   SELECT id FROM storage_records
 *   WHERE created_at < :cutoff!::timestamptz
 *   LIMIT :limit!::int))
 * AND created_at < :cutoff!::timestamptz                                                                                                                                                                                                       
 * ```
 */
export const deleteCreatedBeforeBatchById = new PreparedQuery<IDeleteCreatedBeforeBatchByIdParams,IDeleteCreatedBeforeBatchByIdResult>(deleteCreatedBeforeBatchByIdIR);


/** 'UpsertPartitionedRecord' parameters type */
export interface IUpsertPartitionedRecordParams {
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

/** 'UpsertPartitionedRecord' return type */
export type IUpsertPartitionedRecordResult = void;

/** 'UpsertPartitionedRecord' query type */
export interface IUpsertPartitionedRecordQuery {
  params: IUpsertPartitionedRecordParams;
  result: IUpsertPartitionedRecordResult;
}

const upsertPartitionedRecordIR: any = {"usedParamSet":{"data":true,"keepCreatedAt":true,"now":true,"createdAt":true,"updatedAt":true,"expiresAt":true,"type":true,"sessionId":true,"threadId":true,"metadata":true,"id":true},"params":[{"name":"data","required":true,"transform":{"type":"scalar"},"locs":[{"a":63,"b":68},{"a":658,"b":663}]},{"name":"keepCreatedAt","required":true,"transform":{"type":"scalar"},"locs":[{"a":111,"b":125}]},{"name":"now","required":true,"transform":{"type":"scalar"},"locs":[{"a":180,"b":184}]},{"name":"createdAt","required":true,"transform":{"type":"scalar"},"locs":[{"a":229,"b":239},{"a":673,"b":683}]},{"name":"updatedAt","required":true,"transform":{"type":"scalar"},"locs":[{"a":276,"b":286},{"a":699,"b":709}]},{"name":"expiresAt","required":false,"transform":{"type":"scalar"},"locs":[{"a":319,"b":328},{"a":725,"b":734}]},{"name":"type","required":false,"transform":{"type":"scalar"},"locs":[{"a":379,"b":383},{"a":752,"b":756}]},{"name":"sessionId","required":false,"transform":{"type":"scalar"},"locs":[{"a":409,"b":418},{"a":765,"b":774}]},{"name":"threadId","required":false,"transform":{"type":"scalar"},"locs":[{"a":443,"b":451},{"a":783,"b":791}]},{"name":"metadata","required":false,"transform":{"type":"scalar"},"locs":[{"a":475,"b":483},{"a":800,"b":808}]},{"name":"id","required":true,"transform":{"type":"scalar"},"locs":[{"a":507,"b":510},{"a":652,"b":655}]}],"statement":"WITH updated AS (\n  UPDATE storage_records AS r SET\n    data = :data!::jsonb,\n    created_at = CASE\n      WHEN :keepCreatedAt!::boolean AND (r.expires_at IS NULL OR r.expires_at > :now!::timestamptz)\n      THEN r.created_at ELSE :createdAt!::timestamptz END,\n    updated_at = :updatedAt!::timestamptz,\n    expires_at = :expiresAt::timestamptz,\n    compressed = false,\n    type = :type::text,\n    session_id = :sessionId::text,\n    thread_id = :threadId::text,\n    metadata = :metadata::jsonb\n  WHERE r.id = :id!\n  RETURNING r.id\n)\nINSERT INTO storage_records (id, data, created_at, updated_at, expires_at, type, session_id, thread_id, metadata)\nSELECT :id!, :data!::jsonb, :createdAt!::timestamptz, :updatedAt!::timestamptz, :expiresAt::timestamptz,\n  :type::text, :sessionId::text, :threadId::text, :metadata::jsonb\nWHERE NOT EXISTS (SELECT 1 FROM updated)"};

/**
 * Query generated from SQL:
 * ```
 * WITH updated AS (
 *   UPDATE storage_records AS r SET
 *     data = :data!::jsonb,
 *     created_at = CASE
 *       WHEN :keepCreatedAt!::boolean AND (r.expires_at IS NULL OR r.expires_at > :now!::timestamptz)
 *       THEN r.created_at ELSE :createdAt!::timestamptz END,
 *     updated_at = :updatedAt!::timestamptz,
 *     expires_at = :expiresAt::timestamptz,
 *     compressed = false,
 *     type = :type::text,
 *     session_id = :sessionId::text,
 *     thread_id = :threadId::text,
 *     metadata = :metadata::jsonb
 *   WHERE r.id = :id!
 *   RETURNING r.id
 * )
 * INSERT INTO storage_records (id, data, created_at, updated_at, expires_at, type, session_id, thread_id, metadata)
 * SELECT :id!, :data!::jsonb, :createdAt!::timestamptz, :updatedAt!::timestamptz, :expiresAt::timestamptz,
 *   :type::text, :sessionId::text, :threadId::text, :metadata::jsonb
 * WHERE NOT EXISTS (SELECT 1 FROM updated)
 * ```
 */
export const upsertPartitionedRecord = new PreparedQuery<IUpsertPartitionedRecordParams,IUpsertPartitionedRecordResult>(upsertPartitionedRecordIR);


