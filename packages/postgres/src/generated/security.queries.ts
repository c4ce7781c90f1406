/** Types generated for queries found in "sql/security.sql" */
import { PreparedQuery } from '@pgtyped/runtime';

/** 'ReadAuditLog' parameters type */
export interface IReadAuditLogParams {
  limit: number;
  recordId?: string | null | void;
}

/** 'ReadAuditLog' return type */
export interface IReadAuditLogResult {
  actor: string | null;
  at: Date;
  audit_id: string;
  db_role: string;
  new_hash: string | null;
  old_hash: string | null;
  operation: string;
  record_id: string;
  tenant_id: string | null;
  txid: string;
}

/** 'ReadAuditLog' query type */
export interface IReadAuditLogQuery {
  params: IReadAuditLogParams;
  result: IReadAuditLogResult;
}

const readAuditLogIR: any = {"usedParamSet":{"recordId":true,"limit":true},"params":[{"name":"recordId","required":false,"transform":{"type":"scalar"},"locs":[{"a":142,"b":150},{"a":181,"b":189}]},{"name":"limit","required":true,"transform":{"type":"scalar"},"locs":[{"a":227,"b":233}]}],"statement":"SELECT audit_id, at, db_role, actor, tenant_id, operation, record_id, old_hash, new_hash, txid::text AS \"txid!\"\nFROM recordstore_audit\nWHERE (:recordId::text IS NULL OR record_id = :recordId::text)\nORDER BY audit_id DESC\nLIMIT :limit!::int"};

/**
 * Query generated from SQL:
 * ```
 * SELECT audit_id, at, db_role, actor, tenant_id, operation, record_id, old_hash, new_hash, txid::text AS "txid!"
 * FROM recordstore_audit
 * WHERE (:recordId::text IS NULL OR record_id = :recordId::text)
 * ORDER BY audit_id DESC
 * LIMIT :limit!::int
 * ```
 */
export const readAuditLog = new PreparedQuery<IReadAuditLogParams,IReadAuditLogResult>(readAuditLogIR);


/** 'AuditTriggerState' parameters type */
export type IAuditTriggerStateParams = void;

/** 'AuditTriggerState' return type */
export interface IAuditTriggerStateResult {
  enabled: string;
}

/** 'AuditTriggerState' query type */
export interface IAuditTriggerStateQuery {
  params: IAuditTriggerStateParams;
  result: IAuditTriggerStateResult;
}

const auditTriggerStateIR: any = {"usedParamSet":{},"params":[],"statement":"SELECT t.tgenabled::text AS \"enabled!\"\nFROM pg_trigger t\nWHERE t.tgrelid = 'storage_records'::regclass AND t.tgname = 'recordstore_audit'                                                                                                               "};

/**
 * Query generated from SQL:
 * ```
 * SELECT t.tgenabled::text AS "enabled!"
 * FROM pg_trigger t
 * WHERE t.tgrelid = 'storage_records'::regclass AND t.tgname = 'recordstore_audit'                                                                                                               
 * ```
 */
export const auditTriggerState = new PreparedQuery<IAuditTriggerStateParams,IAuditTriggerStateResult>(auditTriggerStateIR);


/** 'EnableAuditTrigger' parameters type */
export type IEnableAuditTriggerParams = void;

/** 'EnableAuditTrigger' return type */
export type IEnableAuditTriggerResult = void;

/** 'EnableAuditTrigger' query type */
export interface IEnableAuditTriggerQuery {
  params: IEnableAuditTriggerParams;
  result: IEnableAuditTriggerResult;
}

const enableAuditTriggerIR: any = {"usedParamSet":{},"params":[],"statement":"ALTER TABLE storage_records ENABLE TRIGGER recordstore_audit                                                                                                                                                                                                   "};

/**
 * Query generated from SQL:
 * ```
 * ALTER TABLE storage_records ENABLE TRIGGER recordstore_audit                                                                                                                                                                                                   
 * ```
 */
export const enableAuditTrigger = new PreparedQuery<IEnableAuditTriggerParams,IEnableAuditTriggerResult>(enableAuditTriggerIR);


/** 'TenancyState' parameters type */
export type ITenancyStateParams = void;

/** 'TenancyState' return type */
export interface ITenancyStateResult {
  bypass: boolean;
  owner: boolean;
  rls: boolean;
}

/** 'TenancyState' query type */
export interface ITenancyStateQuery {
  params: ITenancyStateParams;
  result: ITenancyStateResult;
}

const tenancyStateIR: any = {"usedParamSet":{},"params":[],"statement":"SELECT c.relrowsecurity AS \"rls!\",\n       pg_has_role(current_user, c.relowner, 'USAGE') AS \"owner!\",\n       (r.rolsuper OR r.rolbypassrls) AS \"bypass!\"\nFROM pg_class c\nJOIN pg_roles r ON r.rolname = current_user\nWHERE c.oid = 'storage_records'::regclass                                                                                                   "};

/**
 * Query generated from SQL:
 * ```
 * SELECT c.relrowsecurity AS "rls!",
 *        pg_has_role(current_user, c.relowner, 'USAGE') AS "owner!",
 *        (r.rolsuper OR r.rolbypassrls) AS "bypass!"
 * FROM pg_class c
 * JOIN pg_roles r ON r.rolname = current_user
 * WHERE c.oid = 'storage_records'::regclass                                                                                                   
 * ```
 */
export const tenancyState = new PreparedQuery<ITenancyStateParams,ITenancyStateResult>(tenancyStateIR);


/** 'EnableRowLevelSecurity' parameters type */
export type IEnableRowLevelSecurityParams = void;

/** 'EnableRowLevelSecurity' return type */
export type IEnableRowLevelSecurityResult = void;

/** 'EnableRowLevelSecurity' query type */
export interface IEnableRowLevelSecurityQuery {
  params: IEnableRowLevelSecurityParams;
  result: IEnableRowLevelSecurityResult;
}

const enableRowLevelSecurityIR: any = {"usedParamSet":{},"params":[],"statement":"ALTER TABLE storage_records ENABLE ROW LEVEL SECURITY"};

/**
 * Query generated from SQL:
 * ```
 * ALTER TABLE storage_records ENABLE ROW LEVEL SECURITY
 * ```
 */
export const enableRowLevelSecurity = new PreparedQuery<IEnableRowLevelSecurityParams,IEnableRowLevelSecurityResult>(enableRowLevelSecurityIR);


