/** Types generated for queries found in "packages/postgres/sql/meta.sql" */
import { PreparedQuery } from '@pgtyped/runtime';

/** 'MetaGet' parameters type */
export interface IMetaGetParams {
  key: string;
  scope: string;
}

/** 'MetaGet' return type */
export interface IMetaGetResult {
  value: string;
}

/** 'MetaGet' query type */
export interface IMetaGetQuery {
  params: IMetaGetParams;
  result: IMetaGetResult;
}

const metaGetIR: any = {"usedParamSet":{"scope":true,"key":true},"params":[{"name":"scope","required":true,"transform":{"type":"scalar"},"locs":[{"a":49,"b":55}]},{"name":"key","required":true,"transform":{"type":"scalar"},"locs":[{"a":67,"b":71}]}],"statement":"SELECT value FROM recordstore_meta WHERE scope = :scope! AND key = :key!"};

/**
 * Query generated from SQL:
 * ```
 * SELECT value FROM recordstore_meta WHERE scope = :scope! AND key = :key!
 * ```
 */
export const metaGet = new PreparedQuery<IMetaGetParams,IMetaGetResult>(metaGetIR);


/** 'MetaSet' parameters type */
export interface IMetaSetParams {
  key: string;
  scope: string;
  value: string;
}

/** 'MetaSet' return type */
export type IMetaSetResult = void;

/** 'MetaSet' query type */
export interface IMetaSetQuery {
  params: IMetaSetParams;
  result: IMetaSetResult;
}

const metaSetIR: any = {"usedParamSet":{"scope":true,"key":true,"value":true},"params":[{"name":"scope","required":true,"transform":{"type":"scalar"},"locs":[{"a":69,"b":75}]},{"name":"key","required":true,"transform":{"type":"scalar"},"locs":[{"a":78,"b":82}]},{"name":"value","required":true,"transform":{"type":"scalar"},"locs":[{"a":85,"b":91}]}],"statement":"INSERT INTO recordstore_meta (scope, key, value, updated_at) VALUES (:scope!, :key!, :value!, now())\nON CONFLICT (scope, key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at"};

/**
 * Query generated from SQL:
 * ```
 * INSERT INTO recordstore_meta (scope, key, value, updated_at) VALUES (:scope!, :key!, :value!, now())
 * ON CONFLICT (scope, key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at
 * ```
 */
export const metaSet = new PreparedQuery<IMetaSetParams,IMetaSetResult>(metaSetIR);


/** 'MetaDelete' parameters type */
export interface IMetaDeleteParams {
  key: string;
  scope: string;
}

/** 'MetaDelete' return type */
export type IMetaDeleteResult = void;

/** 'MetaDelete' query type */
export interface IMetaDeleteQuery {
  params: IMetaDeleteParams;
  result: IMetaDeleteResult;
}

const metaDeleteIR: any = {"usedParamSet":{"scope":true,"key":true},"params":[{"name":"scope","required":true,"transform":{"type":"scalar"},"locs":[{"a":43,"b":49}]},{"name":"key","required":true,"transform":{"type":"scalar"},"locs":[{"a":61,"b":65}]}],"statement":"DELETE FROM recordstore_meta WHERE scope = :scope! AND key = :key!                                                                                                                                                                                                                                                                                           "};

/**
 * Query generated from SQL:
 * ```
 * DELETE FROM recordstore_meta WHERE scope = :scope! AND key = :key!                                                                                                                                                                                                                                                                                           
 * ```
 */
export const metaDelete = new PreparedQuery<IMetaDeleteParams,IMetaDeleteResult>(metaDeleteIR);


/** 'TryStoreLock' parameters type */
export interface ITryStoreLockParams {
  name: string;
  scope: string;
}

/** 'TryStoreLock' return type */
export interface ITryStoreLockResult {
  locked: boolean;
}

/** 'TryStoreLock' query type */
export interface ITryStoreLockQuery {
  params: ITryStoreLockParams;
  result: ITryStoreLockResult;
}

const tryStoreLockIR: any = {"usedParamSet":{"name":true,"scope":true},"params":[{"name":"name","required":true,"transform":{"type":"scalar"},"locs":[{"a":65,"b":70}]},{"name":"scope","required":true,"transform":{"type":"scalar"},"locs":[{"a":110,"b":116}]}],"statement":"SELECT pg_try_advisory_xact_lock(hashtext('recordstore.lock.' || :name!), hashtext(current_schema() || '/' || :scope!)) AS \"locked!\""};

/**
 * Query generated from SQL:
 * ```
 * SELECT pg_try_advisory_xact_lock(hashtext('recordstore.lock.' || :name!), hashtext(current_schema() || '/' || :scope!)) AS "locked!"
 * ```
 */
export const tryStoreLock = new PreparedQuery<ITryStoreLockParams,ITryStoreLockResult>(tryStoreLockIR);


