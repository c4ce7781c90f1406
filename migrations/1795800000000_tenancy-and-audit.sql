-- Up Migration

-- Tenant isolation (issue 6), off until a store with tenant_id turns it on. Every row may belong to a
-- tenant. A store configured with tenant_id sets recordstore.tenant_id with set_config(..., true) inside
-- the transaction of each statement; the column default stamps new rows with it and the policy below
-- limits reads and writes to that tenant's rows. Row-level security is NOT enabled here: with it on,
-- every role that is not the owner needs a tenant (PostgreSQL also keeps non-leakproof operators such
-- as jsonb @> from being pushed below a policy, so the GIN index on data does not serve such roles), so
-- it is a deployment decision: connect() with tenant_id as the owner (or the owner running
-- ALTER TABLE storage_records ENABLE ROW LEVEL SECURITY) switches it on. The owner and superusers
-- bypass it unless FORCE ROW LEVEL SECURITY is set: run the application as a DML-only role
-- (docs/reliability-and-security.md).
ALTER TABLE storage_records
  ADD COLUMN tenant_id text COLLATE "C" DEFAULT NULLIF(current_setting('recordstore.tenant_id', true), '');
-- Serves the policy's tenant_id = ... condition (and the newest-first order) for tenant stores.
CREATE INDEX storage_records_tenant_id_idx ON storage_records (tenant_id, created_at) WHERE tenant_id IS NOT NULL;
CREATE POLICY recordstore_tenant_isolation ON storage_records
  USING (tenant_id = current_setting('recordstore.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('recordstore.tenant_id', true));

-- Audit log (issue 6): one row per inserted, updated or deleted record, written by a trigger, so writes
-- by any client are recorded, not only those through recordstore. The trigger is created DISABLED;
-- connect() with audit_enabled: true enables it (ALTER TABLE ... ENABLE TRIGGER, as the owner).
CREATE TABLE recordstore_audit (
  audit_id   bigserial   PRIMARY KEY,
  at         timestamptz NOT NULL DEFAULT clock_timestamp(),
  db_role    text        NOT NULL,
  actor      text,
  tenant_id  text COLLATE "C",
  operation  text        NOT NULL CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE')),
  record_id  text COLLATE "C" NOT NULL,
  old_hash   text,
  new_hash   text,
  txid       bigint      NOT NULL DEFAULT txid_current()
);
CREATE INDEX recordstore_audit_record_id_idx ON recordstore_audit (record_id, audit_id);
-- Application roles get nothing on the audit table: they can neither read nor rewrite history.
REVOKE ALL ON recordstore_audit FROM PUBLIC;

-- SECURITY DEFINER: the trigger writes the audit row with the owner's rights, and session_user is the
-- role that logged in (the application's). search_path is pinned (no object can be slipped in ahead of
-- pg_catalog); the audit table is found through the schema of the table that fired the trigger.
CREATE FUNCTION recordstore_audit_row() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  old_hash text;
  new_hash text;
  rid text;
  tenant text;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    old_hash := encode(sha256(convert_to(to_jsonb(OLD)::text, 'UTF8')), 'hex');
    rid := OLD.id;
    tenant := OLD.tenant_id;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    new_hash := encode(sha256(convert_to(to_jsonb(NEW)::text, 'UTF8')), 'hex');
    rid := NEW.id;
    tenant := NEW.tenant_id;
  END IF;
  EXECUTE format(
    'INSERT INTO %I.recordstore_audit (db_role, actor, tenant_id, operation, record_id, old_hash, new_hash) '
    'VALUES ($1, $2, $3, $4, $5, $6, $7)', TG_TABLE_SCHEMA)
    USING session_user::text, NULLIF(current_setting('recordstore.actor', true), ''), tenant, TG_OP, rid,
      old_hash, new_hash;
  RETURN NULL;
END
$$;
CREATE TRIGGER recordstore_audit AFTER INSERT OR UPDATE OR DELETE ON storage_records
  FOR EACH ROW EXECUTE FUNCTION recordstore_audit_row();
ALTER TABLE storage_records DISABLE TRIGGER recordstore_audit;

-- Down Migration

DROP TRIGGER recordstore_audit ON storage_records;
DROP FUNCTION recordstore_audit_row();
DROP TABLE recordstore_audit;
DROP POLICY recordstore_tenant_isolation ON storage_records;
ALTER TABLE storage_records DISABLE ROW LEVEL SECURITY;
DROP INDEX storage_records_tenant_id_idx;
ALTER TABLE storage_records DROP COLUMN tenant_id;
