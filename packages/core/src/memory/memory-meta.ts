import type { MetaCapability } from '../driver/capabilities.js';

/**
 * The memory backend's meta storage: a map beside the records, gone with the object like the records are.
 * Copy watermarks kept here make `copy --incremental` into a `memory:` target work within one process.
 */
export function memoryMeta(): MetaCapability {
  const values = new Map<string, string>();
  return {
    get: async (key) => values.get(key) ?? null,
    set: async (key, value) => {
      values.set(key, value);
    },
    delete: async (key) => values.delete(key),
  };
}
