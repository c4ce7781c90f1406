/**
 * @recordstore/keyv: a Keyv storage adapter over any recordstore backend. Keys become records (TTL as
 * `expires_at`, the namespace as `session_id`), so recordstore's indexes, cleanup, backups and copies
 * serve a Keyv cache or store too.
 */
export { createKeyv } from './create-keyv.js';
export { HASHED_ID_PREFIX, keyToId, namespaceOfKey } from './keyv-keys.js';
export {
  DEFAULT_RECORD_TYPE,
  type KeyvRecordEntry,
  KeyvRecordStore,
  type KeyvRecordStoreOptions,
  type KeyvRecordStoreOpts,
} from './keyv-record-store.js';
export type { StorageSource, StorageSpec } from './storage-source.js';
