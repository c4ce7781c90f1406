import pg from 'pg';
import type { Layout } from './partition-layout.js';
import { PARTITION_COLUMNS } from './partition-options.js';

/**
 * The statements of layout conversion and maintenance whose text names a computed table: a partition,
 * the renamed old table. PostgreSQL takes no bind parameters in DDL, so their text is built here from
 * validated names: identifiers quoted with `escapeIdentifier` (quote_ident's rules), partition bounds with
 * `escapeLiteral` (quote_literal's), numbers checked to be integers; values of DML go as parameters.
 * The fixed statements are pgtyped queries (sql/partition-maintenance.sql, sql/table-definition.sql);
 * table-extras.ts replays what the catalog deparsed (policies, triggers, grants).
 */

/** An identifier, quoted. */
export const ident = (name: string): string => pg.escapeIdentifier(name);

function integer(n: number): string {
  if (!Number.isSafeInteger(n)) throw new RangeError(`expected an integer, got ${n}`);
  return String(n);
}

/** The values one partition holds. */
export type PartitionBound =
  | { kind: 'range'; from: Date; to: Date }
  | { kind: 'list'; value: string }
  | { kind: 'hash'; modulus: number; remainder: number }
  | { kind: 'default' };

function boundClause(bound: PartitionBound): string {
  switch (bound.kind) {
    case 'range':
      return `FOR VALUES FROM (${pg.escapeLiteral(bound.from.toISOString())}) TO (${pg.escapeLiteral(bound.to.toISOString())})`;
    case 'list':
      return `FOR VALUES IN (${pg.escapeLiteral(bound.value)})`;
    case 'hash':
      return `FOR VALUES WITH (MODULUS ${integer(bound.modulus)}, REMAINDER ${integer(bound.remainder)})`;
    case 'default':
      return 'DEFAULT';
  }
}

/** `CREATE TABLE <name> PARTITION OF storage_records <bound>`. */
export function createPartitionDdl(name: string, bound: PartitionBound): string {
  return `CREATE TABLE ${ident(name)} PARTITION OF storage_records ${boundClause(bound)}`;
}

/** A new, empty storage_records shaped like `oldTable` (columns, defaults, constraints), in `layout`. */
export function createTableLikeDdl(oldTable: string, layout: Layout): string {
  const partitionBy =
    layout.kind === 'none'
      ? ''
      : ` PARTITION BY ${layout.kind.toUpperCase()} (${PARTITION_COLUMNS[layout.kind]})`;
  return (
    `CREATE TABLE storage_records (LIKE ${ident(oldTable)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS ` +
    `INCLUDING STORAGE INCLUDING COMPRESSION INCLUDING GENERATED)${partitionBy}`
  );
}

/** Renames a table (storage_records itself or one of its partitions). */
export function renameTableDdl(from: string, to: string): string {
  return `ALTER TABLE ${ident(from)} RENAME TO ${ident(to)}`;
}

/** Renames an index. */
export function renameIndexDdl(from: string, to: string): string {
  return `ALTER INDEX ${ident(from)} RENAME TO ${ident(to)}`;
}

/** Drops a table (an expired partition, the old table after a conversion). */
export function dropTableDdl(name: string): string {
  return `DROP TABLE ${ident(name)}`;
}

/** Detaches a partition from storage_records, keeping it as a table. */
export function detachPartitionDdl(name: string): string {
  return `ALTER TABLE storage_records DETACH PARTITION ${ident(name)}`;
}

/**
 * One keyset batch of a conversion's copy from `oldTable` into the new storage_records, returning the
 * batch's last id and size. $1: the last id copied (NULL first), $2: the batch size.
 */
export function copyBatchStatement(oldTable: string, columns: readonly string[]): string {
  const list = columns.map(ident).join(', ');
  return `WITH b AS (
    SELECT ${list} FROM ${ident(oldTable)} WHERE ($1::text IS NULL OR id > $1::text) ORDER BY id LIMIT $2::int
  ), ins AS (INSERT INTO storage_records (${list}) SELECT * FROM b)
  SELECT max(id) AS last, count(*)::int AS n FROM b`;
}

/*
  Moving rows out of the default partition goes through the temporary table rs_moving
  (sql/partition-maintenance.sql creates it per transaction). pgtyped cannot compile statements on it (it
  does not exist in the migrated schema pgtyped types against), so these two are kept here, with values
  as parameters.
*/

/** Takes the default partition's rows of a created_at range ($1 from, $2 to) into rs_moving. */
export const TAKE_DEFAULT_ROWS_IN_RANGE = `WITH d AS (
  DELETE FROM storage_records WHERE tableoid = to_regclass('storage_records_default')
    AND created_at >= $1::timestamptz AND created_at < $2::timestamptz RETURNING *
) INSERT INTO rs_moving SELECT * FROM d`;

/** Takes the default partition's rows of one type ($1) into rs_moving. */
export const TAKE_DEFAULT_ROWS_OF_TYPE = `WITH d AS (
  DELETE FROM storage_records WHERE tableoid = to_regclass('storage_records_default') AND type = $1::text RETURNING *
) INSERT INTO rs_moving SELECT * FROM d`;

/** Puts the rows of rs_moving back, into the partition just created for them. */
export const RESTORE_MOVED_ROWS = 'INSERT INTO storage_records SELECT * FROM rs_moving';
