import { createHash } from 'node:crypto';
import { MAX_ID_LENGTH } from '@recordstore/core';

/**
 * Prefix of the ids of keys that cannot be ids as they are. Keys that themselves start with it are hashed
 * too, so no key's id can equal another key's hashed id.
 */
export const HASHED_ID_PREFIX = 'keyv#sha256:';

/**
 * The record id of a Keyv key (Keyv hands adapters keys already prefixed with the namespace, `keyv:foo`).
 * A key is its own id when it is a valid one; an empty key, a key longer than recordstore's 255-character
 * id limit, or one starting with {@link HASHED_ID_PREFIX} becomes that prefix plus the key's SHA-256, a
 * deterministic mapping, so every call finds the same record. The record keeps the original key.
 */
export function keyToId(key: string): string {
  if (key.length > 0 && key.length <= MAX_ID_LENGTH && !key.startsWith(HASHED_ID_PREFIX)) return key;
  return `${HASHED_ID_PREFIX}${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

/**
 * The namespace a key belongs to, kept as the record's `session_id` so that `clear()` and `iterator()`
 * select one namespace by an indexed column. Keyv's own adapters treat a key as part of namespace `ns` when
 * it starts with `ns:`; the same rule here: the store's current namespace when the key carries it, else
 * the text before the first `:` (the namespace of another Keyv sharing this adapter: Keyv itself splits
 * keys there), else none.
 */
export function namespaceOfKey(key: string, current: string | undefined): string | null {
  if (current !== undefined && current !== '' && key.startsWith(`${current}:`)) return current;
  const colon = key.indexOf(':');
  return colon > 0 ? key.slice(0, colon) : null;
}
