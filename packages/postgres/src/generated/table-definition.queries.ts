/** Types generated for queries found in "packages/postgres/sql/table-definition.sql" */
import { PreparedQuery } from '@pgtyped/runtime';

export type stringArray = (string)[];

/** 'TableColumns' parameters type */
export type ITableColumnsParams = void;

/** 'TableColumns' return type */
export interface ITableColumnsResult {
  name: string;
}

/** 'TableColumns' query type */
export interface ITableColumnsQuery {
  params: ITableColumnsParams;
  result: ITableColumnsResult;
}

const tableColumnsIR: any = {"usedParamSet":{},"params":[],"statement":"SELECT attname::text AS \"name!\"\nFROM pg_attribute\nWHERE attrelid = to_regclass('storage_records') AND attnum > 0 AND NOT attisdropped\nORDER BY attnum                                                                                                            "};

/**
 * Query generated from SQL:
 * ```
 * SELECT attname::text AS "name!"
 * FROM pg_attribute
 * WHERE attrelid = to_regclass('storage_records') AND attnum > 0 AND NOT attisdropped
 * ORDER BY attnum                                                                                                            
 * ```
 */
export const tableColumns = new PreparedQuery<ITableColumnsParams,ITableColumnsResult>(tableColumnsIR);


/** 'TableIndexes' parameters type */
export type ITableIndexesParams = void;

/** 'TableIndexes' return type */
export interface ITableIndexesResult {
  definition: string;
  name: string;
  primary: boolean;
}

/** 'TableIndexes' query type */
export interface ITableIndexesQuery {
  params: ITableIndexesParams;
  result: ITableIndexesResult;
}

const tableIndexesIR: any = {"usedParamSet":{},"params":[],"statement":"SELECT c.relname::text AS \"name!\", pg_get_indexdef(i.indexrelid) AS \"definition!\", i.indisprimary AS \"primary!\"\nFROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid\nWHERE i.indrelid = to_regclass('storage_records')\nORDER BY c.relname"};

/**
 * Query generated from SQL:
 * ```
 * SELECT c.relname::text AS "name!", pg_get_indexdef(i.indexrelid) AS "definition!", i.indisprimary AS "primary!"
 * FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
 * WHERE i.indrelid = to_regclass('storage_records')
 * ORDER BY c.relname
 * ```
 */
export const tableIndexes = new PreparedQuery<ITableIndexesParams,ITableIndexesResult>(tableIndexesIR);


/** 'TableSecurity' parameters type */
export type ITableSecurityParams = void;

/** 'TableSecurity' return type */
export interface ITableSecurityResult {
  force: boolean;
  owner: string;
  rls: boolean;
}

/** 'TableSecurity' query type */
export interface ITableSecurityQuery {
  params: ITableSecurityParams;
  result: ITableSecurityResult;
}

const tableSecurityIR: any = {"usedParamSet":{},"params":[],"statement":"SELECT relrowsecurity AS \"rls!\", relforcerowsecurity AS \"force!\", pg_get_userbyid(relowner)::text AS \"owner!\"\nFROM pg_class\nWHERE oid = to_regclass('storage_records')                                                                                       "};

/**
 * Query generated from SQL:
 * ```
 * SELECT relrowsecurity AS "rls!", relforcerowsecurity AS "force!", pg_get_userbyid(relowner)::text AS "owner!"
 * FROM pg_class
 * WHERE oid = to_regclass('storage_records')                                                                                       
 * ```
 */
export const tableSecurity = new PreparedQuery<ITableSecurityParams,ITableSecurityResult>(tableSecurityIR);


/** 'TablePolicies' parameters type */
export type ITablePoliciesParams = void;

/** 'TablePolicies' return type */
export interface ITablePoliciesResult {
  cmd: string;
  name: string;
  permissive: boolean;
  qual: string | null;
  roles: stringArray;
  with_check: string | null;
}

/** 'TablePolicies' query type */
export interface ITablePoliciesQuery {
  params: ITablePoliciesParams;
  result: ITablePoliciesResult;
}

const tablePoliciesIR: any = {"usedParamSet":{},"params":[],"statement":"SELECT p.polname::text AS \"name!\", p.polpermissive AS \"permissive!\", p.polcmd::text AS \"cmd!\",\n       ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE quote_ident(pg_get_userbyid(r)) END FROM unnest(p.polroles) r) AS \"roles!\",\n       pg_get_expr(p.polqual, p.polrelid) AS qual, pg_get_expr(p.polwithcheck, p.polrelid) AS with_check\nFROM pg_policy p\nWHERE p.polrelid = to_regclass('storage_records')\nORDER BY p.polname"};

/**
 * Query generated from SQL:
 * ```
 * SELECT p.polname::text AS "name!", p.polpermissive AS "permissive!", p.polcmd::text AS "cmd!",
 *        ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE quote_ident(pg_get_userbyid(r)) END FROM unnest(p.polroles) r) AS "roles!",
 *        pg_get_expr(p.polqual, p.polrelid) AS qual, pg_get_expr(p.polwithcheck, p.polrelid) AS with_check
 * FROM pg_policy p
 * WHERE p.polrelid = to_regclass('storage_records')
 * ORDER BY p.polname
 * ```
 */
export const tablePolicies = new PreparedQuery<ITablePoliciesParams,ITablePoliciesResult>(tablePoliciesIR);


/** 'TableTriggers' parameters type */
export type ITableTriggersParams = void;

/** 'TableTriggers' return type */
export interface ITableTriggersResult {
  definition: string;
  enabled: string;
  name: string;
}

/** 'TableTriggers' query type */
export interface ITableTriggersQuery {
  params: ITableTriggersParams;
  result: ITableTriggersResult;
}

const tableTriggersIR: any = {"usedParamSet":{},"params":[],"statement":"SELECT tgname::text AS \"name!\", pg_get_triggerdef(oid) AS \"definition!\", tgenabled::text AS \"enabled!\"\nFROM pg_trigger\nWHERE tgrelid = to_regclass('storage_records') AND NOT tgisinternal\nORDER BY tgname                                                           "};

/**
 * Query generated from SQL:
 * ```
 * SELECT tgname::text AS "name!", pg_get_triggerdef(oid) AS "definition!", tgenabled::text AS "enabled!"
 * FROM pg_trigger
 * WHERE tgrelid = to_regclass('storage_records') AND NOT tgisinternal
 * ORDER BY tgname                                                           
 * ```
 */
export const tableTriggers = new PreparedQuery<ITableTriggersParams,ITableTriggersResult>(tableTriggersIR);


/** 'TableGrants' parameters type */
export type ITableGrantsParams = void;

/** 'TableGrants' return type */
export interface ITableGrantsResult {
  grantable: boolean;
  grantee: string;
  privilege: string;
}

/** 'TableGrants' query type */
export interface ITableGrantsQuery {
  params: ITableGrantsParams;
  result: ITableGrantsResult;
}

const tableGrantsIR: any = {"usedParamSet":{},"params":[],"statement":"SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END AS \"grantee!\",\n       a.privilege_type::text AS \"privilege!\", a.is_grantable AS \"grantable!\"\nFROM pg_class c, aclexplode(c.relacl) a\nWHERE c.oid = to_regclass('storage_records') AND a.grantee <> c.relowner                                                                                      "};

/**
 * Query generated from SQL:
 * ```
 * SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END AS "grantee!",
 *        a.privilege_type::text AS "privilege!", a.is_grantable AS "grantable!"
 * FROM pg_class c, aclexplode(c.relacl) a
 * WHERE c.oid = to_regclass('storage_records') AND a.grantee <> c.relowner                                                                                      
 * ```
 */
export const tableGrants = new PreparedQuery<ITableGrantsParams,ITableGrantsResult>(tableGrantsIR);


/** 'CreatedAtSpan' parameters type */
export type ICreatedAtSpanParams = void;

/** 'CreatedAtSpan' return type */
export interface ICreatedAtSpanResult {
  hi: number | null;
  lo: number | null;
}

/** 'CreatedAtSpan' query type */
export interface ICreatedAtSpanQuery {
  params: ICreatedAtSpanParams;
  result: ICreatedAtSpanResult;
}

const createdAtSpanIR: any = {"usedParamSet":{},"params":[],"statement":"SELECT floor(extract(epoch FROM min(created_at)) * 1000)::float8 AS lo,\n       floor(extract(epoch FROM max(created_at)) * 1000)::float8 AS hi\nFROM storage_records"};

/**
 * Query generated from SQL:
 * ```
 * SELECT floor(extract(epoch FROM min(created_at)) * 1000)::float8 AS lo,
 *        floor(extract(epoch FROM max(created_at)) * 1000)::float8 AS hi
 * FROM storage_records
 * ```
 */
export const createdAtSpan = new PreparedQuery<ICreatedAtSpanParams,ICreatedAtSpanResult>(createdAtSpanIR);


