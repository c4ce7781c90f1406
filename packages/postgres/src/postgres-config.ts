import {
  commonConfigShape,
  configBoolean,
  configCount,
  configNumber,
  configPositiveInt,
  configString,
} from '@recordstore/core';
import { z } from 'zod';
import { DISTRIBUTION_ENGINES, MAX_SHARD_COUNT } from './citus/citus-options.js';
import { declaredIndexSchema, INDEX_METHODS } from './indexes/index-options.js';

/** The only table name the PostgreSQL backend uses (its fixed queries are compiled by pgtyped). */
export const POSTGRES_TABLE_NAME = 'storage_records';
/** Default name of node-pg-migrate's bookkeeping table. */
export const DEFAULT_MIGRATION_TABLE = 'recordstore_migrations';

/** An identifier PostgreSQL accepts unquoted (and that needs no escaping anywhere): at most 63 bytes. */
// Lower case only: PostgreSQL folds unquoted names to lower case, so `mySchema` in a search_path and in
// a migration could name two different schemas.
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** libpq's six `sslmode` values. */
export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
/** One of {@link SSL_MODES}. */
export type SslMode = (typeof SSL_MODES)[number];

const lowerCase = (v: unknown) => (typeof v === 'string' ? v.trim().toLowerCase() : v);

function enumOf<const T extends readonly [string, ...string[]]>(values: T, key: string) {
  return z.preprocess(
    lowerCase,
    z.enum(values, {
      error: (issue) => `${key} must be one of ${values.join(', ')}, got ${JSON.stringify(issue.input)}.`,
    }),
  );
}

function identifier(key: string) {
  return configString().pipe(
    z.string().regex(IDENTIFIER, {
      error: (issue) =>
        `${key} must be a lower-case identifier (a-z or _, then a-z, 0-9 or _; at most 63 characters), got ${JSON.stringify(issue.input)}.`,
    }),
  );
}

/** A file path; `""` (the design's way of saying "none") reads as unset. */
const optionalPath = () =>
  configString()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

/**
 * Config of the PostgreSQL backend: the common keys plus every key of the design's `postgresql.config`
 * block, `url` and `prepared_statements`. Unknown keys are refused. Defaults are the design's.
 *
 * @example
 * postgresConfigSchema.parse({ host: 'db', database: 'app', username: 'app', password: '...' })
 */
export const postgresConfigSchema = z
  .object({
    ...commonConfigShape,
    /**
     * A `postgres://user:password@host:port/database?sslmode=...` URL in any form the `pg` driver reads
     * (unix sockets: `postgres:///db?host=/run/postgresql`), parsed by `pg-connection-string`. Keys set
     * explicitly next to it (host, port, database, username, password, ssl_*, application_name) override
     * the URL's parts; `PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE` fill what neither says.
     */
    url: configString()
      .pipe(
        z.string().regex(/^(?:postgres(?:ql)?:\/\/|socket:)/i, {
          error: 'url must start with postgres://, postgresql:// or socket:.',
        }),
      )
      .optional(),
    host: configString().optional(),
    port: z
      .preprocess(
        (v) => (typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v.trim()) : v),
        z.number().int().min(1).max(65535),
      )
      .optional(),
    database: configString().optional(),
    username: configString().optional(),
    password: configString().optional(),
    /** Connections kept open when idle. */
    connection_pool_size: configPositiveInt().default(10),
    /** Extra connections opened under load and closed again when idle: pool max = size + overflow. */
    connection_pool_max_overflow: configCount().default(20),
    /** Seconds to wait for a free connection before failing with a timeout error. */
    connection_pool_timeout: configNumber().default(30),
    /** Seconds after which a connection is closed and replaced (0 = never). */
    connection_pool_recycle: configNumber().default(3600),
    ssl_enabled: configBoolean().default(false),
    ssl_mode: enumOf(SSL_MODES, 'ssl_mode').default('prefer'),
    ssl_cert_file: optionalPath(),
    ssl_key_file: optionalPath(),
    ssl_ca_file: optionalPath(),
    /** Seconds to wait for a new connection (TCP, TLS and authentication). 0 = no limit. */
    connect_timeout: configNumber().default(10),
    /** Seconds the client waits for a statement's result before giving up on the connection. 0 = no limit. */
    command_timeout: configNumber().default(30),
    /** Milliseconds after which the server cancels a statement (server side). 0 = no limit. */
    statement_timeout: configCount().default(30000),
    /** Must be `storage_records`: see the README (the fixed queries name their table statically). */
    table_name: configString().default(POSTGRES_TABLE_NAME),
    /** The schema holding the table and the migrations table. */
    schema_name: identifier('schema_name').default('public'),
    // Partitioning and index management (the partitions and indexes modules read these).
    /**
     * false: on the connect (or `migrate up`) that creates the schema, the secondary indexes the migrations
     * made are dropped, so a new store starts with only its key; on an existing store it does nothing.
     * true: missing declared `indexes` are created at connect; an index of the migrations that someone
     * dropped is never recreated (recreate it with a migration of your own, in migrations_dir).
     */
    auto_create_indexes: configBoolean().default(true),
    /** Default access method of declared `indexes` (only btree can serve their range filters). */
    index_type: enumOf(INDEX_METHODS, 'index_type').default('btree'),
    /** Declared expression indexes on hot data paths: `[{ path: 'user.id', type: 'text' }]`. */
    indexes: z.array(declaredIndexSchema).default([]),
    /**
     * `citus`: the database is a Citus coordinator and the migrations distribute storage_records by id
     * (and the audit table beside it). Features that cannot work distributed are refused at connect.
     */
    distributed: enumOf(DISTRIBUTION_ENGINES, 'distributed').optional(),
    /** Shards of a newly distributed storage_records (default: Citus' citus.shard_count, 32). */
    shard_count: configPositiveInt()
      .pipe(z.number().max(MAX_SHARD_COUNT, { error: `shard_count must be at most ${MAX_SHARD_COUNT}.` }))
      .optional(),
    partitioning_enabled: configBoolean().default(false),
    partition_strategy: enumOf(['range', 'list', 'hash'], 'partition_strategy').default('range'),
    /** Implied by the strategy (range: created_at, list: type, hash: id); any other value is refused. */
    partition_column: configString().optional(),
    partition_interval: enumOf(['daily', 'weekly', 'monthly', 'yearly'], 'partition_interval').default(
      'monthly',
    ),
    /** Hash partitions (partition_strategy hash). */
    partition_count: configPositiveInt().default(8),
    /** Range partitions created ahead of the current one. */
    partition_premake: configCount().default(4),
    /** Range partitions wholly older than this many days are dropped (or detached) by maintenance. */
    partition_retention_days: configNumber().optional(),
    /** What maintenance does with expired range partitions: drop them, or detach them (kept as tables). */
    partition_retention_action: enumOf(['drop', 'detach'], 'partition_retention_action').default('drop'),
    /** List partitions: one per type value (others and null go to the default partition). */
    list_partition_values: z
      .preprocess(
        (v) =>
          typeof v === 'string'
            ? v
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean)
            : v,
        z.array(configString()),
      )
      .default([]),
    /** Hours between partition maintenance runs while connected (0 = only at connect and on demand). */
    partition_maintenance_interval_hours: configNumber().default(1),
    /** PostgreSQL column compression method of `data` and `metadata` when compression_enabled. */
    compression_algorithm: enumOf(['pglz', 'lz4'], 'compression_algorithm').default('pglz'),
    /** saveMany writes each batch in one statement (unnest); false: one INSERT per record. */
    bulk_insert_enabled: configBoolean().default(true),
    /** Batches of records that all exist already are written by one UPDATE; false: one statement each. */
    bulk_update_enabled: configBoolean().default(true),
    metrics_enabled: configBoolean().default(false),
    /** Statements slower than this are logged; the slow query log runs with metrics_enabled (else refused). */
    slow_query_threshold_ms: configCount().default(1000),
    explain_analyze_enabled: configBoolean().default(false),
    /** Apply pending migrations on connect (under node-pg-migrate's advisory lock). */
    auto_migrate: configBoolean().default(true),
    /** node-pg-migrate's bookkeeping table (in schema_name). */
    migration_table: identifier('migration_table').default(DEFAULT_MIGRATION_TABLE),
    /**
     * The deployment's own SQL migrations (`recordstore migrate create` writes there), applied after the
     * shipped ones and recorded in the same table. `recordstore migrate` resolves it against the config
     * file's folder and defaults it to `./migrations` beside that file; a store opened by an application
     * uses it only when set (relative to the working directory).
     */
    migrations_dir: optionalPath(),
    /** Named prepared statements for the fixed queries; false behind PgBouncer in transaction mode. */
    prepared_statements: configBoolean().default(true),
    /** application_name reported in pg_stat_activity. */
    /**
     * application_name reported in pg_stat_activity. Unset: the url's `application_name`, then
     * `PGAPPNAME`, then `recordstore`.
     */
    application_name: configString().optional(),
    // Read replicas (postgres-replicas.ts, postgres-read-router.ts).
    /**
     * Streaming replicas for reads: `host`, `host:port` or `postgres://` URLs (credentials, database and
     * TLS come from the primary's settings unless the URL gives them). A string is split on commas.
     */
    replicas: z
      .preprocess(
        (v) =>
          typeof v === 'string'
            ? v
                .split(',')
                .map((s) => s.trim())
                .filter((s) => s !== '')
            : v,
        z.array(
          z.string().min(1, { error: 'replicas entries must be host, host:port or postgres:// URLs.' }),
        ),
      )
      .default([]),
    /** Where reads go: primary, replica (never the primary), replica_preferred (primary when none is up). */
    read_preference: enumOf(['primary', 'replica', 'replica_preferred'], 'read_preference').default(
      'replica_preferred',
    ),
    /** After a write, reads of the same session_id (or id) go to the primary for this long. 0 = off. */
    read_your_writes_window_ms: configCount().default(5000),
    /** A replica that failed to connect or answer is skipped for this long before it is tried again. */
    replica_backoff_ms: configCount().default(5000),
    // Tenancy and audit (postgres-tenancy.ts, postgres-audit.ts).
    /**
     * Binds the store to one tenant: every statement runs with `recordstore.tenant_id` set for its
     * transaction, and PostgreSQL's row-level security policy limits reads and writes to that tenant's rows
     * (for roles that are not the table owner). Unset: the store sees only rows without a tenant.
     */
    tenant_id: configString()
      .pipe(
        z
          .string()
          .min(1, { error: 'tenant_id must not be empty (remove the key for no tenant).' })
          .max(200, { error: 'tenant_id must be at most 200 characters.' })
          .refine((v) => !v.includes('\u0000'), { error: 'tenant_id must not contain NUL.' }),
      )
      .optional(),
    /** Record every insert, update and delete in recordstore_audit (enables the audit trigger at connect). */
    audit_enabled: configBoolean().default(false),
    /** The actor recorded in the audit log when no `runAs(actor, fn)` is in effect. */
    audit_actor: configString()
      .pipe(
        z
          .string()
          .min(1)
          .max(200)
          .refine((v) => !v.includes('\u0000'), { error: 'audit_actor must not contain NUL.' }),
      )
      .optional(),
  })
  .strict();

/** Parsed PostgreSQL backend config (defaults applied). */
export type PostgresConfig = z.infer<typeof postgresConfigSchema>;
/** PostgreSQL backend config as written (strings are coerced). */
export type PostgresConfigInput = z.input<typeof postgresConfigSchema>;

/**
 * Aliases accepted for key names (the existing layer's and libpq's spellings), mapped to the design's.
 */
export const POSTGRES_KEY_ALIASES: Readonly<Record<string, string>> = {
  user: 'username',
  dbname: 'database',
  sslmode: 'ssl_mode',
  sslcert: 'ssl_cert_file',
  sslkey: 'ssl_key_file',
  sslrootcert: 'ssl_ca_file',
  schema: 'schema_name',
  connection_url: 'url',
  dsn: 'url',
};

/** Every key the schema knows, for "unknown key (did you mean ...?)" messages. */
export const POSTGRES_CONFIG_KEYS: readonly string[] = Object.keys(postgresConfigSchema.shape);
