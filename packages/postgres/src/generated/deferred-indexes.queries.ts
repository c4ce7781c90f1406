/** Types generated for queries found in "packages/postgres/sql/deferred-indexes.sql" */
import { PreparedQuery } from '@pgtyped/runtime';

/** 'LoadTarget' parameters type */
export type ILoadTargetParams = void;

/** 'LoadTarget' return type */
export interface ILoadTargetResult {
  comment: string | null;
  empty: boolean;
  kind: string;
  owned: boolean;
}

/** 'LoadTarget' query type */
export interface ILoadTargetQuery {
  params: ILoadTargetParams;
  result: ILoadTargetResult;
}

const loadTargetIR: any = {"usedParamSet":{},"params":[],"statement":"SELECT c.relkind::text AS \"kind!\",\n  pg_has_role(c.relowner, 'USAGE') AS \"owned!\",\n  NOT EXISTS (SELECT 1 FROM storage_records) AS \"empty!\",\n  obj_description(c.oid, 'pg_class') AS comment\nFROM pg_class c WHERE c.oid = to_regclass('storage_records')                                                                                                 "};

/**
 * Query generated from SQL:
 * ```
 * SELECT c.relkind::text AS "kind!",
 *   pg_has_role(c.relowner, 'USAGE') AS "owned!",
 *   NOT EXISTS (SELECT 1 FROM storage_records) AS "empty!",
 *   obj_description(c.oid, 'pg_class') AS comment
 * FROM pg_class c WHERE c.oid = to_regclass('storage_records')                                                                                                 
 * ```
 */
export const loadTarget = new PreparedQuery<ILoadTargetParams,ILoadTargetResult>(loadTargetIR);


/** 'TableComment' parameters type */
export type ITableCommentParams = void;

/** 'TableComment' return type */
export interface ITableCommentResult {
  comment: string | null;
}

/** 'TableComment' query type */
export interface ITableCommentQuery {
  params: ITableCommentParams;
  result: ITableCommentResult;
}

const tableCommentIR: any = {"usedParamSet":{},"params":[],"statement":"SELECT obj_description(to_regclass('storage_records'), 'pg_class') AS comment                                                                                                                                                                      "};

/**
 * Query generated from SQL:
 * ```
 * SELECT obj_description(to_regclass('storage_records'), 'pg_class') AS comment                                                                                                                                                                      
 * ```
 */
export const tableComment = new PreparedQuery<ITableCommentParams,ITableCommentResult>(tableCommentIR);


/** 'DeferrableIndexes' parameters type */
export type IDeferrableIndexesParams = void;

/** 'DeferrableIndexes' return type */
export interface IDeferrableIndexesResult {
  definition: string;
  name: string;
}

/** 'DeferrableIndexes' query type */
export interface IDeferrableIndexesQuery {
  params: IDeferrableIndexesParams;
  result: IDeferrableIndexesResult;
}

const deferrableIndexesIR: any = {"usedParamSet":{},"params":[],"statement":"SELECT c.relname::text AS \"name!\", pg_get_indexdef(i.indexrelid) AS \"definition!\"\nFROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid\nWHERE i.indrelid = to_regclass('storage_records') AND i.indisvalid\n  AND NOT i.indisunique AND NOT i.indisprimary\n  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)\nORDER BY c.relname                                                                 "};

/**
 * Query generated from SQL:
 * ```
 * SELECT c.relname::text AS "name!", pg_get_indexdef(i.indexrelid) AS "definition!"
 * FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
 * WHERE i.indrelid = to_regclass('storage_records') AND i.indisvalid
 *   AND NOT i.indisunique AND NOT i.indisprimary
 *   AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
 * ORDER BY c.relname                                                                 
 * ```
 */
export const deferrableIndexes = new PreparedQuery<IDeferrableIndexesParams,IDeferrableIndexesResult>(deferrableIndexesIR);


/** 'IndexPresent' parameters type */
export interface IIndexPresentParams {
  name: string;
}

/** 'IndexPresent' return type */
export interface IIndexPresentResult {
  present: boolean;
}

/** 'IndexPresent' query type */
export interface IIndexPresentQuery {
  params: IIndexPresentParams;
  result: IIndexPresentResult;
}

const indexPresentIR: any = {"usedParamSet":{"name":true},"params":[{"name":"name","required":true,"transform":{"type":"scalar"},"locs":[{"a":31,"b":36}]}],"statement":"SELECT to_regclass(quote_ident(:name!::text)) IS NOT NULL AS \"present!\"                                                                                                     "};

/**
 * Query generated from SQL:
 * ```
 * SELECT to_regclass(quote_ident(:name!::text)) IS NOT NULL AS "present!"                                                                                                     
 * ```
 */
export const indexPresent = new PreparedQuery<IIndexPresentParams,IIndexPresentResult>(indexPresentIR);


/** 'CommentStatement' parameters type */
export interface ICommentStatementParams {
  comment?: string | null | void;
}

/** 'CommentStatement' return type */
export interface ICommentStatementResult {
  statement: string;
}

/** 'CommentStatement' query type */
export interface ICommentStatementQuery {
  params: ICommentStatementParams;
  result: ICommentStatementResult;
}

const commentStatementIR: any = {"usedParamSet":{"comment":true},"params":[{"name":"comment","required":false,"transform":{"type":"scalar"},"locs":[{"a":56,"b":63}]}],"statement":"SELECT format('COMMENT ON TABLE storage_records IS %L', :comment::text) AS \"statement!\""};

/**
 * Query generated from SQL:
 * ```
 * SELECT format('COMMENT ON TABLE storage_records IS %L', :comment::text) AS "statement!"
 * ```
 */
export const commentStatement = new PreparedQuery<ICommentStatementParams,ICommentStatementResult>(commentStatementIR);


