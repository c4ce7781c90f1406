import type { IDatabaseConnection } from '@pgtyped/runtime';
import type { WriteRow } from '@recordstore/core';
import * as records from '../generated/records.queries.js';
import type { CompiledQuery } from '../postgres-filter-compiler.js';
import type { PostgresRowStore } from '../postgres-row-store.js';
import { columnsOf, type SqlSession } from '../queries.js';
import type { DistributionConfig } from './citus-options.js';

/**
 * How saveMany and the import write on a distributed store. Citus runs an `INSERT ... SELECT` by pulling
 * the SELECT to the coordinator and sending the INSERT to the shards without its parameters: a parameter
 * in its ON CONFLICT clause then fails on the worker ("could not determine data type of parameter $1",
 * seen on Citus 13.2). Both set-based upserts (sql/records.sql's UpsertRecords, the COPY import's staging
 * upsert) carry the created_at rule's two parameters there. On Citus, batches are written by the same
 * statement with those two values written into the SQL as literals (a boolean, and a timestamp printed
 * from a number: nothing from the records), the records' columns still travelling as parameters; the
 * import, whose staging upsert has the same problem, goes through these batches.
 */

/** Whether the set-based upserts with parameters in ON CONFLICT can run (false on a distributed store). */
export function setBasedUpsertWorks(config: Pick<DistributionConfig, 'distributed'>): boolean {
  return config.distributed === undefined;
}

/**
 * `rows` with saveMany's batches written by {@link citusUpsertQuery}; single rows keep UpsertRecord
 * (a single-row INSERT, which Citus routes to one shard with its parameters).
 */
export function citusRowStore(rows: PostgresRowStore, session: SqlSession): PostgresRowStore {
  return {
    ...rows,
    upsertRows: async (batch, options) => {
      if (batch.length <= 1) return rows.upsertRows(batch, options);
      await session.dynamic(await citusUpsertQuery(batch, options.keepCreatedAt, options.now));
    },
  };
}

/** Stand-ins handed to pgtyped for the two values that become literals (found again among its bindings). */
const KEEP_CREATED_AT = Symbol('keepCreatedAt');
const NOW = Symbol('now');

/**
 * UpsertRecords of sql/records.sql (the statement itself, not a copy: pgtyped renders it into a capturing
 * connection that sends nothing) with `keepCreatedAt` and `now` written in as literals and the other
 * parameters renumbered. Citus splits the rows by shard and writes every shard in parallel, in one
 * distributed transaction.
 */
export async function citusUpsertQuery(
  rows: readonly WriteRow[],
  keepCreatedAt: boolean,
  now: number,
): Promise<CompiledQuery> {
  let rendered: CompiledQuery | undefined;
  const capture: IDatabaseConnection = {
    query: async (text, values) => {
      rendered = { text, values };
      return { rows: [], rowCount: 0 };
    },
  };
  const params = { ...columnsOf(rows), keepCreatedAt: KEEP_CREATED_AT, now: NOW };
  await records.upsertRecords.run(params as unknown as records.IUpsertRecordsParams, capture);
  if (rendered === undefined) throw new Error('pgtyped rendered no UpsertRecords statement');
  return inlineValues(
    rendered,
    new Map<unknown, string>([
      [KEEP_CREATED_AT, keepCreatedAt ? 'true' : 'false'],
      [NOW, `'${new Date(now).toISOString()}'`],
    ]),
  );
}

/** Replaces the parameters bound to the keys of `literals` by those literals and renumbers the rest. */
function inlineValues(query: CompiledQuery, literals: ReadonlyMap<unknown, string>): CompiledQuery {
  const values: unknown[] = [];
  const replacement = query.values.map((value) => {
    const literal = literals.get(value);
    if (literal !== undefined) return literal;
    values.push(value);
    return `$${values.length}`;
  });
  // The statement has no string literal holding a "$n": every match is a parameter.
  const text = query.text.replace(/\$(\d+)/g, (match, n: string) => replacement[Number(n) - 1] ?? match);
  return { text, values };
}
