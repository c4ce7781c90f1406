import {
  type BackendOptions,
  defineBackend,
  type ParsedBackendConfig,
  StorageRuntime,
  type UntypedRecord,
} from '@recordstore/core';
import {
  type SQLiteConfig,
  type SQLiteConfigInput,
  sqliteConfigKeys,
  sqliteConfigSchema,
  sqliteFilePath,
} from './sqlite-config.js';
import { SQLiteDriver } from './sqlite-driver.js';
import { SQLiteMetrics, sqliteMetricsCapability } from './sqlite-metrics.js';
import { sqliteMigrator } from './sqlite-migrator.js';
import { sqliteIdentity, sqliteInlineSpec } from './sqlite-store-spec.js';

/**
 * The SQLite backend's definition: the driver, its config schema (core parses it), and what works without
 * a connected store: forward-only migrations, the store's identity and the inline `sqlite:<path>` form.
 */
export const sqliteBackend = defineBackend<SQLiteConfig>({
  name: 'sqlite',
  aliases: ['SQLiteStorageBackend'],
  packageName: '@recordstore/sqlite',
  configSchema: sqliteConfigSchema,
  configKeys: sqliteConfigKeys,
  createDriver: (config, context) => {
    const driver = new SQLiteDriver(config, context);
    // Metrics decorate the driver from outside: the runtime times operations through the capability's meter.
    if (config.metrics_enabled)
      driver.offers.metrics = sqliteMetricsCapability(new SQLiteMetrics(driver, config.table_name));
    return driver;
  },
  capabilities: {
    migrator: sqliteMigrator,
    identity: sqliteIdentity,
    inline: sqliteInlineSpec,
  },
});

/**
 * The embedded default backend: one SQLite file through better-sqlite3, in WAL mode with a busy timeout, so
 * several processes can share the file. The schema comes from versioned migrations applied on connect;
 * filters compile to parameterized SQL evaluated by SQLite.
 *
 * While a transaction is open, every other operation on this object waits for it to end (better-sqlite3
 * has one synchronous connection). Calling the store itself (instead of `tx`) from inside a transaction
 * callback therefore waits forever; use `tx`.
 *
 * @example
 * const store = new SQLiteStorageBackend({ path: './data/app.db', ttl_enabled: true });
 * await store.connect();
 * const id = await store.save({ type: 'message', session_id: 's1', text: 'hi' });
 * await store.list({ session_id: 's1', 'metadata.source': 'web' }, { limit: 20 });
 */
export class SQLiteStorageBackend<R extends object = UntypedRecord> extends StorageRuntime<SQLiteConfig, R> {
  /** The definition the registry resolves `sqlite` to. */
  static readonly definition = sqliteBackend;

  /**
   * @param config the raw `config:` block (validated here, with core's config errors) or one the registry
   *   already parsed
   */
  constructor(
    config: Partial<SQLiteConfigInput> | ParsedBackendConfig<SQLiteConfig> = {},
    options: BackendOptions<R> = {},
  ) {
    super(sqliteBackend, config as Record<string, unknown>, options);
  }

  /** The database file's absolute path, or `:memory:`. */
  get path(): string {
    return sqliteFilePath(this.config.path);
  }
}
