import { describeValue } from '../describe-value.js';
import type { StorageDriver } from '../driver/driver.js';
import { validationError } from '../errors.js';
import { createdBeforeFilter, expiredFilter } from './query-plan.js';
import type { RowAccess } from './row-access.js';

/** The driver and rows TTL cleanup and retention delete from. */
export interface RetentionTarget {
  driver: Pick<StorageDriver, 'deleteExpiredRows' | 'deleteRowsCreatedBefore'>;
  rows: RowAccess;
  batchSize: number;
}

/** Deletes the rows expired at `now`: the driver's batched cleanup when it has one, else one filtered delete. */
export function deleteExpired(target: RetentionTarget, now: number): Promise<number> {
  return target.driver.deleteExpiredRows
    ? target.driver.deleteExpiredRows(now, target.batchSize)
    : target.rows.deleteRowsWhere(expiredFilter(now));
}

/**
 * Deletes the rows created before `now - retentionDays` (the cutoff itself is kept: exclusive), through the
 * driver's batched delete when it has one.
 */
export function deleteCreatedBefore(
  target: RetentionTarget,
  now: number,
  retentionDays: number,
): Promise<number> {
  if (typeof retentionDays !== 'number' || !Number.isFinite(retentionDays) || retentionDays < 0) {
    return Promise.reject(
      validationError(
        `retentionDays must be a non-negative number, got ${describeValue(retentionDays)}.`,
        'retentionDays',
      ),
    );
  }
  const cutoff = now - retentionDays * 86_400_000;
  return target.driver.deleteRowsCreatedBefore
    ? target.driver.deleteRowsCreatedBefore(cutoff, target.batchSize)
    : target.rows.deleteRowsWhere(createdBeforeFilter(cutoff));
}
