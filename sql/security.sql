/*
  Tenant isolation and the audit log (migration 1795800000000_tenancy-and-audit). Compiled by pgtyped
  into security.queries.ts.

  The audit log (recordstore_audit, filled by the recordstore_audit trigger), newest first, optionally
  for one record id.
*/

/* @name ReadAuditLog */
SELECT audit_id, at, db_role, actor, tenant_id, operation, record_id, old_hash, new_hash, txid::text AS "txid!"
FROM recordstore_audit
WHERE (:recordId::text IS NULL OR record_id = :recordId::text)
ORDER BY audit_id DESC
LIMIT :limit!::int;

/* @name AuditTriggerState */
SELECT t.tgenabled::text AS "enabled!"
FROM pg_trigger t
WHERE t.tgrelid = 'storage_records'::regclass AND t.tgname = 'recordstore_audit';

/* Needs the table owner; takes a SHARE ROW EXCLUSIVE lock briefly, so it runs only when the trigger is off. */
/* @name EnableAuditTrigger */
ALTER TABLE storage_records ENABLE TRIGGER recordstore_audit;

/*
  What connect() needs to know about tenant isolation: whether row-level security is on for
  storage_records and whether the current role escapes it (owns the table, superuser, BYPASSRLS).
*/
/* @name TenancyState */
SELECT c.relrowsecurity AS "rls!",
       pg_has_role(current_user, c.relowner, 'USAGE') AS "owner!",
       (r.rolsuper OR r.rolbypassrls) AS "bypass!"
FROM pg_class c
JOIN pg_roles r ON r.rolname = current_user
WHERE c.oid = 'storage_records'::regclass;

/* Needs the table owner: a deployment decision, taken by connect() with tenant_id as the owner. */
/* @name EnableRowLevelSecurity */
ALTER TABLE storage_records ENABLE ROW LEVEL SECURITY;
