import { z } from 'zod';
import type { ParsedBackendConfig } from '../config/backend-config.js';
import { commonConfigShape } from '../config/common-config.js';
import { maskSecretsInString } from '../config/secrets.js';
import { defineBackend } from '../driver/definition.js';
import { StorageError } from '../errors.js';
import { type BackendOptions, StorageRuntime } from '../runtime/storage-runtime.js';
import type { UntypedRecord } from '../typing/record-types.js';
import { MemoryDriver } from './memory-driver.js';

/** Config of the memory backend: only the common keys. */
export const memoryConfigSchema = z.object(commonConfigShape).strict();
/** Parsed memory backend config. */
export type MemoryConfig = z.infer<typeof memoryConfigSchema>;

/** The memory backend's definition: the in-memory reference driver, common config keys only. */
export const memoryBackend = defineBackend<MemoryConfig>({
  name: 'memory',
  aliases: ['MemoryStorageBackend', 'InMemoryStorageBackend'],
  packageName: '@recordstore/core',
  configSchema: memoryConfigSchema,
  configKeys: Object.keys(commonConfigShape),
  createDriver: (_config, context) => new MemoryDriver(context.settings),
  capabilities: {
    // `memory:` on a command line (copy --to memory:): a fresh, empty store with the default config.
    inline: {
      schemes: ['memory'],
      parse: (spec) => {
        if (/^memory:$/i.test(spec.trim())) return {};
        throw new StorageError(
          'config',
          `"${maskSecretsInString(spec)}": a memory store takes no location; write memory:`,
        );
      },
    },
  },
});

/**
 * The in-memory reference backend: the definition of the filter language and of every operation's
 * semantics. Other backends are tested against it. Nothing persists beyond the object. `R` is the record
 * type (see `createStorage<R>`).
 *
 * @example
 * const store = new MemoryStorageBackend<AgentRecord>({ ttl_enabled: true }, { schemas: { message: MessageSchema } });
 * await store.connect();
 */
export class MemoryStorageBackend<R extends object = UntypedRecord> extends StorageRuntime<MemoryConfig, R> {
  /** The definition the registry resolves `memory` to. */
  static readonly definition = memoryBackend;

  constructor(
    config: Partial<z.input<typeof memoryConfigSchema>> | ParsedBackendConfig<MemoryConfig> = {},
    options: BackendOptions<R> = {},
  ) {
    super(memoryBackend, config as Record<string, unknown>, options);
  }
}
