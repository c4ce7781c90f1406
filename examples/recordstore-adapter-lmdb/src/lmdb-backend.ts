import { resolve } from 'node:path';
import {
  type BackendOptions,
  defineBackend,
  type ParsedBackendConfig,
  StorageRuntime,
} from '@recordstore/core';
import { type LmdbConfig, type LmdbConfigInput, lmdbConfigKeys, lmdbConfigSchema } from './lmdb-config.js';
import { LmdbDriver } from './lmdb-driver.js';
import { lmdbIdentity, lmdbInlineSpec } from './lmdb-store-spec.js';

/**
 * The LMDB adapter's definition: its name, its config schema (core parses the `config:` block with it) and
 * what works without a connected store: the store's identity (copy resume key) and the inline
 * `lmdb:<folder>` form of `recordstore copy`.
 */
export const lmdbBackend = defineBackend<LmdbConfig>({
  name: 'lmdb',
  aliases: ['LmdbStorageBackend'],
  packageName: 'recordstore-adapter-lmdb',
  configSchema: lmdbConfigSchema,
  configKeys: lmdbConfigKeys,
  createDriver: (config) => new LmdbDriver(config),
  capabilities: { identity: lmdbIdentity, inline: lmdbInlineSpec },
});

/**
 * Records in LMDB, for applications that construct stores directly. Everything but the database work
 * (validation, TTL, filters, streaming, backups) is core's runtime.
 *
 * @example
 * const store = new LmdbStorageBackend({ path: './data/main.lmdb', ttl_enabled: true });
 * await store.connect();
 * await store.save({ type: 'message', session_id: 's1', text: 'hi' });
 * await store.list({ session_id: 's1' }, { limit: 20 });
 */
export class LmdbStorageBackend extends StorageRuntime<LmdbConfig> {
  /** The definition the registry resolves `lmdb` to. */
  static readonly definition = lmdbBackend;

  /** @param config the raw `config:` block (core validates it) or one the registry already parsed */
  constructor(config: LmdbConfigInput | ParsedBackendConfig<LmdbConfig>, options: BackendOptions = {}) {
    super(lmdbBackend, config as Record<string, unknown>, options);
  }

  /** The LMDB environment's folder, absolute. */
  get path(): string {
    return resolve(this.config.path);
  }
}
