import type { StorageBackend } from '../backend.js';

/** The schema version a store runs on (its `schemaVersion` capability), or null when it offers none. */
export async function schemaVersionOf(backend: StorageBackend): Promise<string | number | null> {
  return (await backend.capability('schemaVersion')?.current()) ?? null;
}
