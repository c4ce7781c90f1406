import type { ConformanceOptions } from '@recordstore/testkit';
import { type ProvisionedPostgres, provisionPostgres } from '@recordstore/testkit/postgres';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { PostgreSQLStorageBackend } from '../src/index.js';
import type { PostgresConfigInput } from '../src/postgres-config.js';

/** The run's server (url provider: set by the global setup) and one fresh database for the calling file. */
export interface SuiteDatabase {
  server: ProvisionedPostgres;
  /** URL of this suite's database (a clone of the migrated template). */
  url: string;
  /** Runs SQL on this suite's database with a short-lived client. */
  sql<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

/**
 * Registers beforeAll/afterAll hooks that clone the migrated template into a database for this file.
 * Read the returned object's fields inside tests (they are set in beforeAll).
 */
export function useSuiteDatabase(options: { migrated?: boolean } = {}): SuiteDatabase {
  const suite = {} as SuiteDatabase;
  beforeAll(async () => {
    suite.server = await provisionPostgres();
    suite.url = await suite.server.createDatabase(
      options.migrated === false ? {} : { template: inject('recordstorePostgresTemplate') },
    );
    suite.sql = async (text, values) => {
      const client = new pg.Client({ connectionString: suite.url });
      await client.connect();
      try {
        return await client.query(text, values);
      } finally {
        await client.end();
      }
    };
  });
  afterAll(async () => {
    await suite.server?.stop();
  });
  return suite;
}

/** A backend on `url` with test-friendly defaults (small pool). */
export function backendOn(url: string, config: PostgresConfigInput = {}): PostgreSQLStorageBackend {
  return new PostgreSQLStorageBackend({ url, connection_pool_size: 2, ...config });
}

/** Replaces the database of a URL. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Runs SQL somewhere (a suite database or a cluster's coordinator). */
export type RunSql = <R extends pg.QueryResultRow = pg.QueryResultRow>(
  text: string,
  values?: unknown[],
) => Promise<pg.QueryResult<R>>;

/**
 * Maps the conformance suite's store keys onto reusable schemas. Migrating a fresh schema per test
 * (and dropping it after) was most of a PostgreSQL conformance run's time; a released schema is
 * emptied instead (every table but the migrations table) and handed to the next key, so each schema
 * is created and migrated (or partitioned, or distributed) once.
 */
export class SchemaPool {
  #free: string[] = [];
  #byKey = new Map<string, string>();
  #created = 0;

  /** @param prefix names the pool's schemas (`<prefix>_1`, `<prefix>_2`, ...) for queries after the suite. */
  constructor(private readonly prefix: string) {}

  /** The schema of `storeKey` (a spare one, or a new name). */
  schemaFor(storeKey: string): string {
    let schema = this.#byKey.get(storeKey);
    if (schema === undefined) {
      schema = this.#free.pop() ?? `${this.prefix}_${++this.#created}`;
      this.#byKey.set(storeKey, schema);
    }
    return schema;
  }

  /** Empties the schema of `storeKey` and keeps it for another key. */
  async release(storeKey: string, sql: RunSql): Promise<void> {
    const schema = this.#byKey.get(storeKey);
    if (schema === undefined) return;
    this.#byKey.delete(storeKey);
    // Partitions are emptied through their parent; the migrations table keeps the schema migrated.
    const tables = await sql<{ name: string }>(
      `SELECT format('%I.%I', n.nspname, c.relname) AS name
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND c.relname <> 'recordstore_migrations'`,
      [schema],
    );
    if (tables.rows.length > 0) await sql(`TRUNCATE ${tables.rows.map((t) => t.name).join(', ')}`);
    this.#free.push(schema);
  }

  /** How many schemas were made. */
  get created(): number {
    return this.#created;
  }
}

/**
 * Runs `fn` while `observe` sees the arguments of every pg client `query()` call in the process (the
 * stores' pools included). Observing, not replacing: every call goes on to the real query, and the
 * original is restored when `fn` settles.
 */
export async function observingQueries<T>(
  observe: (args: unknown[]) => void,
  fn: () => Promise<T>,
): Promise<T> {
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    observe(args);
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    return await fn();
  } finally {
    pg.Client.prototype.query = original;
  }
}

/** Executions of each prepared statement of a store's connection, by statement text (a one-connection pool). */
async function executions(s: PostgreSQLStorageBackend): Promise<Map<string, number>> {
  const { rows } = await s.pool!.query<{ statement: string; runs: number }>(
    'SELECT statement, (generic_plans + custom_plans)::int AS runs FROM pg_prepared_statements',
  );
  return new Map(rows.map((r) => [r.statement, r.runs]));
}

/**
 * The statements `fn` made the server execute on a store with one pooled connection, as counted by the
 * server (`pg_prepared_statements` of that session): text with whitespace collapsed, and how many times.
 * The store's fixed statements are named prepared statements; the counting query itself (unnamed) is not
 * counted.
 */
export async function statementsOf(s: PostgreSQLStorageBackend, fn: () => Promise<unknown>) {
  const before = await executions(s);
  await fn();
  const after = await executions(s);
  const ran: { statement: string; runs: number }[] = [];
  for (const [statement, runs] of after) {
    const delta = runs - (before.get(statement) ?? 0);
    if (delta > 0) ran.push({ statement: statement.replace(/\s+/g, ' ').trim(), runs: delta });
  }
  return { total: ran.reduce((n, r) => n + r.runs, 0), ran };
}

/**
 * The conformance suite's options for stores on `db`, each in a schema of a {@link SchemaPool} named by
 * `prefix`, with `extra` config on top (partitioning, declared indexes, ...).
 */
export function pooledConformance(
  db: SuiteDatabase,
  prefix: string,
  extra: PostgresConfigInput = {},
): Pick<ConformanceOptions, 'createBackend' | 'cleanup'> {
  const schemas = new SchemaPool(prefix);
  return {
    createBackend: ({ config, clock, storeKey }) =>
      new PostgreSQLStorageBackend(
        {
          ...config,
          url: db.url,
          schema_name: schemas.schemaFor(storeKey),
          connection_pool_size: 2,
          connection_pool_max_overflow: 8,
          ...extra,
        } as PostgresConfigInput,
        { clock },
      ),
    cleanup: (storeKey) => schemas.release(storeKey, db.sql),
  };
}
