import {
  type BackendOptions,
  defineBackend,
  type ImportRecordsOptions,
  type ImportSource,
  type ParsedBackendConfig,
  StorageRuntime,
  type UntypedRecord,
} from '@recordstore/core';
import type pg from 'pg';
import type { Registry } from 'prom-client';
import { type AnalyzeIndexesOptions, type IndexReport, indexAdminTasks } from './indexes/index.js';
import {
  type PartitionMaintenanceReport,
  type PartitionStatusReport,
  partitionAdminTasks,
} from './partitions/index.js';
import type { AuditEntry, AuditQuery } from './postgres-audit.js';
import {
  POSTGRES_CONFIG_KEYS,
  POSTGRES_KEY_ALIASES,
  type PostgresConfig,
  type PostgresConfigInput,
  postgresConfigSchema,
} from './postgres-config.js';
import { postgresSettings } from './postgres-config-rules.js';
import { postgresIdentity } from './postgres-connection.js';
import { PostgresDriver } from './postgres-driver.js';
import { postgresMigrator } from './postgres-migrator.js';

/**
 * The PostgreSQL backend as the registry knows it: `class: postgresql` (also `postgres`, `pg`,
 * `PostgreSQLStorageBackend` and the existing layer's dotted class path). Core parses the `config:` block
 * once with this schema (libpq's and the existing layer's key spellings mapped first; the cross-key rules
 * in `settings`); the definition's capabilities work without a connected store.
 */
export const postgresBackend = defineBackend<PostgresConfig>({
  name: 'postgresql',
  aliases: ['postgres', 'pg', 'PostgreSQLStorageBackend'],
  packageName: '@recordstore/postgres',
  configSchema: postgresConfigSchema,
  configKeys: POSTGRES_CONFIG_KEYS,
  keyAliases: POSTGRES_KEY_ALIASES,
  settings: postgresSettings,
  createDriver: (config, context) => new PostgresDriver(config, context),
  capabilities: {
    migrator: (config) => postgresMigrator(config),
    // Each task opens and closes its own client per run: nothing stays open to close.
    adminTasks: (config) => ({
      tasks: [...partitionAdminTasks(config), ...indexAdminTasks(config)],
      close: async () => {},
    }),
    identity: postgresIdentity,
    inline: { schemes: ['postgres', 'postgresql'], parse: (url) => ({ url }) },
  },
});

/**
 * The PostgreSQL store: records in one `storage_records` table (jsonb data, btree and GIN indexes), fixed
 * statements compiled by pgtyped and sent as named prepared statements, filters compiled to SQL with the
 * reference semantics, schema managed by node-pg-migrate. Core's runtime does the rest; this class adds
 * typed accessors only.
 *
 * @example
 * const store = new PostgreSQLStorageBackend({ url: 'postgres://app:secret@db/app' });
 * await store.connect();
 * await store.save({ type: 'message', text: 'hi' });
 */
export class PostgreSQLStorageBackend<R extends object = UntypedRecord> extends StorageRuntime<
  PostgresConfig,
  R
> {
  /** The definition the registry resolves `postgresql` to. */
  static readonly definition = postgresBackend;

  /**
   * @param config the `config:` block (strings from `${VAR:default}` are coerced), or one core already parsed.
   * @throws StorageError(config) for invalid keys, StorageError(unsupported) for combinations not supported.
   */
  constructor(
    config: PostgresConfigInput | ParsedBackendConfig<PostgresConfig> | Record<string, unknown> = {},
    options: BackendOptions<R> = {},
  ) {
    super(postgresBackend, config as Record<string, unknown>, options);
  }

  get #pg(): PostgresDriver {
    return this.driver as PostgresDriver;
  }

  /** The pg pool while connected (for tests and tools; do not end it). */
  get pool(): pg.Pool | null {
    return this.#pg.pool;
  }

  /**
   * The Prometheus registry of this store's metrics (`metrics_enabled: true`), to expose from the
   * application (e.g. merge it with prom-client's `Registry.merge`); null when metrics are off.
   */
  get metricsRegistry(): Registry | null {
    return this.#pg.metricsRegistry;
  }

  /**
   * The metrics in Prometheus text format: operation counters and latency histograms, statement latency
   * by server role, pool gauges, replica availability and lag, and the server-side figures of the last
   * health check.
   * @throws StorageError(config) when metrics_enabled is false.
   */
  metrics(): Promise<string> {
    return this.#pg.metricsText();
  }

  /**
   * Runs `fn` with every read it makes sent to the primary instead of a replica: the explicit
   * read-your-writes scope, for reads the automatic one (same id, same session_id, within
   * read_your_writes_window_ms) does not cover. Without replicas it just runs `fn`.
   * @example
   * await store.save({ thread_id: 't1', text: 'hi' });
   * const fresh = await store.primaryReads(() => store.getByThread('t1'));
   */
  primaryReads<T>(fn: () => Promise<T>): Promise<T> {
    return this.#pg.primaryReads(fn);
  }

  /**
   * Runs `fn` with `actor` recorded as the actor of every write it makes (audit log), across awaits and
   * concurrently with other actors on the same store.
   * @example
   * await store.runAs('alice@example.com', () => store.save({ id: 'x', v: 1 }));
   */
  runAs<T>(actor: string, fn: () => Promise<T>): Promise<T> {
    return this.#pg.runAs(actor, fn);
  }

  /**
   * Reads the audit log (newest first). Needs a role that may read `recordstore_audit` (the owner or an
   * auditor role granted SELECT): application roles get none.
   */
  auditLog(query: AuditQuery = {}): Promise<AuditEntry[]> {
    return this.run('auditLog', () => this.#pg.auditEntries(query));
  }

  /**
   * Imports many records fast through the `bulkImport` capability: each batch is validated like saveMany,
   * streamed with COPY into a temporary table and upserted in one transaction (all rows of a batch or
   * none). Falls back to saveMany's statements on range/list partitions and for roles without TEMPORARY.
   * @returns how many records were read (and written).
   * @example
   * const n = await store.importRecords(readJsonLines('dump.jsonl'), { preserveTimestamps: true });
   */
  importRecords(records: ImportSource, options?: ImportRecordsOptions): Promise<number> {
    return this.capability('bulkImport')!.importRecords(records, options);
  }

  /**
   * Creates the coming range partitions and the configured list partitions, and drops (or detaches)
   * range partitions wholly older than partition_retention_days. Runs at connect, every
   * partition_maintenance_interval_hours, and by `recordstore partitions maintain`.
   */
  maintainPartitions(): Promise<PartitionMaintenanceReport> {
    return this.run('maintainPartitions', () => this.#pg.maintenance.maintainPartitions());
  }

  /** The table's layout and partitions with row counts (estimates unless `exact`) and sizes. */
  partitionStatus(options: { exact?: boolean } = {}): Promise<PartitionStatusReport> {
    return this.run('partitionStatus', () => this.#pg.maintenance.partitionStatus(options));
  }

  /**
   * Index usage from pg_stat_user_indexes / pg_stat_user_tables with a verdict (unused indexes, missing
   * declared ones, sequential scans), and the plan of each sample filter.
   * @example
   * const report = await store.analyzeIndexes({ filters: [{ 'user.id': { $gt: 'u1' } }] });
   */
  analyzeIndexes(options: Omit<AnalyzeIndexesOptions, 'declared'> = {}): Promise<IndexReport> {
    return this.run('analyzeIndexes', () => this.#pg.maintenance.analyzeIndexes(options));
  }
}
