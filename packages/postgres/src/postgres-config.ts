import {
  commonConfigShape,
  configBoolean,
  configCount,
  configNumber,
  configPositiveInt,
  configString,
  StorageError,
} from '@recordstore/core';
import { z } from 'zod';

/** The only table name the PostgreSQL backend uses (its fixed queries are compiled by pgtyped). */
export const POSTGRES_TABLE_NAME = 'storage_records';
/** Default name of node-pg-migrate's bookkeeping table. */
export const DEFAULT_MIGRATION_TABLE = 'recordstore_migrations';

/** An identifier PostgreSQL accepts unquoted (and that needs no escaping anywhere): at most 63 bytes. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

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
        `${key} must be an identifier (a letter or _ then letters, digits or _; at most 63), got ${JSON.stringify(issue.input)}.`,
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
     * A `postgres://user:password@host:port/database?sslmode=...` URL. Keys set explicitly next to it
     * (host, port, database, username, password, ssl_*) override the URL's parts.
     */
    url: configString()
      .pipe(
        z.string().regex(/^postgres(?:ql)?:\/\//, {
          error: 'url must start with postgres:// or postgresql://.',
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
    auto_create_indexes: configBoolean().default(true),
    index_type: enumOf(['btree', 'gin', 'gist', 'hash'], 'index_type').default('btree'),
    partitioning_enabled: configBoolean().default(false),
    partition_strategy: enumOf(['range', 'list', 'hash'], 'partition_strategy').default('range'),
    partition_column: configString().default('created_at'),
    partition_interval: enumOf(['daily', 'weekly', 'monthly', 'yearly'], 'partition_interval').default(
      'monthly',
    ),
    /** PostgreSQL column compression method of `data` and `metadata` when compression_enabled. */
    compression_algorithm: enumOf(['pglz', 'lz4'], 'compression_algorithm').default('pglz'),
    /** saveMany writes each batch in one statement (unnest); false: one INSERT per record. */
    bulk_insert_enabled: configBoolean().default(true),
    /** Batches of records that all exist already are written by one UPDATE; false: one statement each. */
    bulk_update_enabled: configBoolean().default(true),
    metrics_enabled: configBoolean().default(false),
    slow_query_threshold_ms: configCount().default(1000),
    explain_analyze_enabled: configBoolean().default(false),
    /** Apply pending migrations on connect (under node-pg-migrate's advisory lock). */
    auto_migrate: configBoolean().default(true),
    /** node-pg-migrate's bookkeeping table (in schema_name). */
    migration_table: identifier('migration_table').default(DEFAULT_MIGRATION_TABLE),
    /** Named prepared statements for the fixed queries; false behind PgBouncer in transaction mode. */
    prepared_statements: configBoolean().default(true),
    /** application_name reported in pg_stat_activity. */
    application_name: configString().default('recordstore'),
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

function notYet(key: string, value: unknown, issue: string, hint: string): StorageError {
  return new StorageError(
    'unsupported',
    `postgresql: ${key}: ${JSON.stringify(value)} is not supported yet (${issue}); ${hint}`,
    { path: `config.${key}`, backend: 'postgresql' },
  );
}

/**
 * Refuses values that the schema accepts but this version cannot honour, so nothing is silently ignored.
 * @throws StorageError(config | unsupported) naming the key.
 */
export function assertSupported(config: PostgresConfig): void {
  if (config.table_name !== POSTGRES_TABLE_NAME) {
    throw new StorageError(
      'config',
      `postgresql: table_name must be "${POSTGRES_TABLE_NAME}", got ${JSON.stringify(config.table_name)}. ` +
        'The PostgreSQL backend runs fixed, type-checked SQL (compiled by pgtyped) that names its table, so the ' +
        'name cannot change at run time. To keep several stores apart in one database, give each its own ' +
        'schema_name instead.',
      { path: 'config.table_name', backend: 'postgresql' },
    );
  }
  if (!config.auto_create_indexes) {
    throw notYet(
      'auto_create_indexes',
      false,
      'the indexes are part of the schema migrations',
      'remove the key or set it to true. To drop an index, write a migration.',
    );
  }
  if (config.index_type !== 'btree') {
    throw notYet(
      'index_type',
      config.index_type,
      'the migrations create btree indexes on the columns and a GIN index on data',
      'remove the key or set it to btree.',
    );
  }
  if (config.partitioning_enabled) {
    throw notYet(
      'partitioning_enabled',
      true,
      'partitioned storage comes in a later release',
      'set partitioning_enabled: false.',
    );
  }
  if (config.partition_column !== 'created_at') {
    throw notYet(
      'partition_column',
      config.partition_column,
      'only created_at is planned',
      'remove the key.',
    );
  }
  if (config.backup_enabled) {
    throw notYet(
      'backup_enabled',
      true,
      'scheduled backups come with the backup tooling',
      'set backup_enabled: false (use pg_dump meanwhile).',
    );
  }
  if (config.metrics_enabled) {
    throw notYet(
      'metrics_enabled',
      true,
      'query metrics come in a later release; stats() and healthCheck() work now',
      'set metrics_enabled: false.',
    );
  }
  if (config.explain_analyze_enabled) {
    throw notYet(
      'explain_analyze_enabled',
      true,
      'it belongs to query metrics',
      'set explain_analyze_enabled: false.',
    );
  }
}
