import type { WriteRow } from '@recordstore/core';
import * as partitioned from '../generated/partitioned.queries.js';
import { columnsOf, type SqlSession } from '../queries.js';

/**
 * The write path of range- and list-partitioned layouts (sql/partitioned.sql). PostgreSQL requires the
 * partition key in every unique index, so there the id alone cannot be a constraint: every write of an
 * id first takes a transaction-scoped advisory lock on it, so `save` can never create a second row.
 * TTL and retention batches address rows by id, because ctid repeats across partitions.
 */

/**
 * Upserts rows (distinct ids) on a range- or list-partitioned table: locks their ids (advisory,
 * transaction-scoped, in hash order), then updates-or-inserts them in one statement. Must run inside a
 * transaction: the lock is what makes the second statement see a concurrent writer's committed row.
 * `oneByOne` sends one statement per row (bulk_insert_enabled / bulk_update_enabled false).
 */
export async function upsertPartitionedRows(
  db: SqlSession,
  rows: readonly WriteRow[],
  keepCreatedAt: boolean,
  now: number,
  oneByOne = false,
): Promise<void> {
  await partitioned.lockRecordIds.run({ ids: rows.map((r) => r.id) }, db.connection);
  const batches = oneByOne ? rows.map((r) => [r]) : [rows];
  for (const batch of batches) {
    if (batch.length === 1) {
      const row = batch[0]!;
      await partitioned.upsertPartitionedRecord.run(
        {
          id: row.id,
          data: row.dataJson,
          createdAt: new Date(row.created_at),
          updatedAt: new Date(row.updated_at),
          expiresAt: row.expires_at === null ? null : new Date(row.expires_at),
          type: row.type,
          sessionId: row.session_id,
          threadId: row.thread_id,
          metadata: row.metadataJson,
          keepCreatedAt,
          now: new Date(now),
        },
        db.connection,
      );
      continue;
    }
    const columns = columnsOf(batch) as unknown as Omit<
      partitioned.IUpsertPartitionedRecordsParams,
      'keepCreatedAt' | 'now'
    >;
    await partitioned.upsertPartitionedRecords.run(
      { ...columns, keepCreatedAt, now: new Date(now) },
      db.connection,
    );
  }
}

/** Takes the write lock of one id until the transaction ends (update() locks before it reads). */
export async function lockRecordId(db: SqlSession, id: string): Promise<void> {
  await partitioned.lockRecordIds.run({ ids: [id] }, db.connection);
}

/** One TTL batch on a partitioned table (by id: ctid repeats across partitions). */
export async function deleteExpiredBatchById(db: SqlSession, now: number, limit: number): Promise<number> {
  const { rowCount } = await partitioned.deleteExpiredBatchById.runWithCounts(
    { now: new Date(now), limit },
    db.connection,
  );
  return rowCount ?? 0;
}

/** One retention batch on a partitioned table (by id: ctid repeats across partitions). */
export async function deleteCreatedBeforeBatchById(
  db: SqlSession,
  cutoff: number,
  limit: number,
): Promise<number> {
  const { rowCount } = await partitioned.deleteCreatedBeforeBatchById.runWithCounts(
    { cutoff: new Date(cutoff), limit },
    db.connection,
  );
  return rowCount ?? 0;
}
