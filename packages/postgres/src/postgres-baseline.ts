import { StorageError } from '@recordstore/core';
import pg from 'pg';
import {
  type ColumnInfo,
  compareShape,
  FIRST_MIGRATION_INDEXES,
  firstMigrationIndexSql,
  type ShapeDifference,
} from './baseline-shape.js';
import { withMigrationClient } from './migrate.js';
import { readMigrationStatus, withMigrationLock } from './migration-runner.js';
import { migrationNames } from './migration-sources.js';
import type { PostgresConfig } from './postgres-config.js';
import { migrationTargetOf } from './postgres-schema.js';

/**
 * `recordstore migrate baseline`: adopts a storage_records that exists without recordstore's migrations
 * table (created by hand, by the design's Alembic-era model, by another tool). Checks its columns, types
 * and primary key against the first shipped migration; refuses a table it cannot use, listing each
 * difference with the SQL that would fix it; otherwise, in one transaction under the migration lock,
 * makes the lossless alignments (text COLLATE "C", timestamptz, compressed DEFAULT false) and records as
 * applied the first shipped migration and each following one whose objects the database already has.
 * The rest stay pending for `recordstore migrate up`.
 */

/** What {@link baselinePostgres} did. */
export interface BaselineResult {
  /** Shipped migrations recorded as applied, in order. */
  marked: string[];
  /** What was aligned, what stays pending, which first-migration indexes are missing. */
  details: Record<string, unknown>;
}

type Client = pg.ClientBase;

/** Where the table is: the quoted `"schema".name` regclass text. */
const qualified = (schema: string, name: string) => `${pg.escapeIdentifier(schema)}.${name}`;

async function readColumns(client: Client, table: string): Promise<ColumnInfo[]> {
  const result = await client.query<Omit<ColumnInfo, 'nulls'>>(
    `SELECT a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type, t.typname::text AS base,
            a.attnotnull AS "notNull", pg_get_expr(d.adbin, d.adrelid) AS "default", co.collname::text AS collation
       FROM pg_attribute a
       JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       LEFT JOIN pg_collation co ON co.oid = a.attcollation
      WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [table],
  );
  const columns: ColumnInfo[] = [];
  for (const row of result.rows) {
    // Only the columns every record needs are counted: the others may hold NULL.
    const counted =
      !row.notNull && ['id', 'data', 'created_at', 'updated_at', 'compressed'].includes(row.name);
    const nulls = counted
      ? (
          await client.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM ${table} WHERE ${pg.escapeIdentifier(row.name)} IS NULL`,
          )
        ).rows[0]!.n
      : 0;
    columns.push({ ...row, nulls });
  }
  return columns;
}

async function readPrimaryKey(
  client: Client,
  table: string,
): Promise<{ name: string; columns: string[] } | null> {
  const result = await client.query<{ name: string; columns: string[] }>(
    `SELECT c.conname::text AS name,
            array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns
       FROM pg_constraint c WHERE c.conrelid = $1::regclass AND c.contype = 'p'`,
    [table],
  );
  return result.rows[0] ?? null;
}

/** The indexes on the table, by name, with their key columns. */
async function readIndexes(client: Client, table: string): Promise<Map<string, string[]>> {
  const result = await client.query<{ name: string; columns: string[] }>(
    `SELECT c.relname::text AS name,
            array(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = $1::regclass`,
    [table],
  );
  return new Map(result.rows.map((r) => [r.name, r.columns]));
}

/** The objects of 1795800000000_tenancy-and-audit: tenant column and policy, audit table and trigger. */
async function tenancyAndAuditPresent(client: Client, schema: string, table: string): Promise<boolean> {
  const result = await client.query<{ present: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'tenant_id' AND NOT attisdropped)
        AND to_regclass($2) IS NOT NULL
        AND EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = $1::regclass AND tgname = 'recordstore_audit')
        AND EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = $1::regclass AND polname = 'recordstore_tenant_isolation')
        AS present`,
    [table, qualified(schema, 'recordstore_audit')],
  );
  return result.rows[0]?.present === true;
}

type Probe = (
  client: Client,
  schema: string,
  table: string,
  indexes: Map<string, string[]>,
) => Promise<boolean>;

/**
 * For each shipped migration after the first: whether the database already has what it creates. A
 * migration without a probe here stops the baseline before it (it stays pending for `migrate up`), so a
 * new shipped migration is safe without one.
 */
const PROBES: Readonly<Record<string, Probe>> = {
  '1795719284070_index-updated-at': async (_c, _s, _t, indexes) =>
    indexes.get('storage_records_updated_at_id_idx')?.join(',') === 'updated_at,id',
  '1795800000000_tenancy-and-audit': (client, schema, table) => tenancyAndAuditPresent(client, schema, table),
  '1795900000000_created-at-id-index': async (_c, _s, _t, indexes) =>
    indexes.get('storage_records_created_at_idx')?.join(',') === 'created_at,id',
};

function refusal(where: string, incompatible: ShapeDifference[]): StorageError {
  const lines = incompatible.map((d, i) => `(${i + 1}) ${d.subject} ${d.found}: ${d.sql}`);
  return new StorageError(
    'conflict',
    `postgresql: migrate baseline: storage_records in ${where} has a shape recordstore cannot use, so nothing ` +
      `was changed or recorded: ${lines.join(' ')} Check each statement against your data, run it, then run ` +
      '`recordstore migrate baseline` again.',
    { backend: 'postgresql', retryable: false },
  );
}

/**
 * Adopts an existing storage_records (see the module comment). Does nothing when the migrations table
 * already records a shipped migration.
 * @throws StorageError(config) when storage_records does not exist; StorageError(conflict) listing each
 *   difference and its SQL when the table's shape is incompatible.
 */
export function baselinePostgres(config: PostgresConfig): Promise<BaselineResult> {
  const target = migrationTargetOf(config);
  const schema = config.schema_name;
  const table = qualified(schema, 'storage_records');
  return withMigrationClient(config, (client, database) =>
    withMigrationLock(client, async (): Promise<BaselineResult> => {
      const where = `${database} (schema ${schema})`;
      const shipped = migrationNames();
      const status = await readMigrationStatus(client, target);
      const recorded = status.applied.filter((m) => m.source === 'shipped').map((m) => m.name);
      if (recorded.length > 0) {
        return {
          marked: [],
          details: { note: `nothing to adopt: the migrations table already records ${recorded.join(', ')}` },
        };
      }
      const exists = await client.query<{ present: boolean }>(
        'SELECT to_regclass($1) IS NOT NULL AS present',
        [table],
      );
      if (exists.rows[0]?.present !== true) {
        throw new StorageError(
          'config',
          `postgresql: migrate baseline: there is no storage_records in ${where} to adopt; \`recordstore migrate up\` creates it.`,
          { path: 'config.schema_name', backend: 'postgresql' },
        );
      }
      const shape = compareShape(await readColumns(client, table), await readPrimaryKey(client, table));
      if (shape.incompatible.length > 0) throw refusal(where, shape.incompatible);
      await client.query('BEGIN');
      try {
        await client.query(`SET LOCAL search_path TO ${pg.escapeIdentifier(schema)}`);
        for (const change of shape.aligned) await client.query(change.sql);
        const indexes = await readIndexes(client, table);
        const marked = [shipped[0]!];
        for (const name of shipped.slice(1)) {
          const probe = PROBES[name];
          if (probe === undefined || !(await probe(client, schema, table, indexes))) break;
          marked.push(name);
        }
        const migrations = `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(config.migration_table)}`;
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${migrations} (id SERIAL PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL)`,
        );
        for (const name of marked) {
          await client.query(`INSERT INTO ${migrations} (name, run_on) VALUES ($1, NOW())`, [name]);
        }
        await client.query('COMMIT');
        const missing = Object.keys(FIRST_MIGRATION_INDEXES).filter((name) => !indexes.has(name));
        const pending = shipped.slice(marked.length);
        return {
          marked,
          details: {
            aligned: shape.aligned.map((d) => `${d.subject} ${d.found}: ${d.sql}`),
            ...(missing.length > 0 ? { missingIndexes: missing.map(firstMigrationIndexSql) } : {}),
            next:
              pending.length > 0
                ? `run \`recordstore migrate up\`: it applies ${pending.join(', ')} and any deployment migrations`
                : 'run `recordstore migrate up` to apply any deployment migrations and the config-driven settings',
          },
        };
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    }),
  );
}
