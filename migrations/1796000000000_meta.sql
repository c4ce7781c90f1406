-- Up Migration

-- Small internal state kept beside the records and never among them: copy watermarks (`recordstore copy`
-- resumes and continues incrementally from them) and when the last scheduled backup ran. One row per
-- (scope, key); scope is the store's tenant_id ('' without one), so tenant stores sharing a schema keep
-- their own state. Application roles need SELECT, INSERT, UPDATE and DELETE on it, like on storage_records.
CREATE TABLE recordstore_meta (
  scope       text COLLATE "C" NOT NULL DEFAULT '',
  key         text COLLATE "C" NOT NULL,
  value       text        NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);

-- Down Migration

DROP TABLE recordstore_meta;
