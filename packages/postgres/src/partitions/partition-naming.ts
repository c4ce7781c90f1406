import { createHash } from 'node:crypto';
import type { PartitionInterval } from './partition-options.js';

/**
 * Names of the partitions and the time ranges of range partitions. Every name is at most 63 characters
 * of [a-z0-9_], so it is a valid identifier as is; DDL still quotes it.
 */

/** The partitioned (or plain) table. */
export const PARENT_TABLE = 'storage_records';
/** Name of the default partition (range and list). */
export const DEFAULT_PARTITION = 'storage_records_default';

/** Start (UTC) of the interval containing `ms`. */
export function intervalStart(ms: number, interval: PartitionInterval): Date {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  switch (interval) {
    case 'daily':
      return new Date(Date.UTC(y, m, d.getUTCDate()));
    case 'weekly': {
      // ISO weeks start on Monday.
      const day = new Date(Date.UTC(y, m, d.getUTCDate()));
      return new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * 86_400_000);
    }
    case 'monthly':
      return new Date(Date.UTC(y, m, 1));
    case 'yearly':
      return new Date(Date.UTC(y, 0, 1));
  }
}

/** `start` moved by `n` intervals. */
export function addIntervals(start: Date, interval: PartitionInterval, n: number): Date {
  const y = start.getUTCFullYear();
  const m = start.getUTCMonth();
  const day = start.getUTCDate();
  switch (interval) {
    case 'daily':
      return new Date(Date.UTC(y, m, day + n));
    case 'weekly':
      return new Date(Date.UTC(y, m, day + 7 * n));
    case 'monthly':
      return new Date(Date.UTC(y, m + n, 1));
    case 'yearly':
      return new Date(Date.UTC(y + n, 0, 1));
  }
}

/** `storage_records_p20250101`: the range partition starting at `start`. */
export function rangePartitionName(start: Date): string {
  return `${PARENT_TABLE}_p${start.toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/** `storage_records_l_<slug>_<hash>`: the list partition of one type value (<= 63 characters). */
export function listPartitionName(value: string): string {
  const slug = value
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 24);
  const digest = createHash('sha1').update(value).digest('hex').slice(0, 8);
  return `${PARENT_TABLE}_l_${slug}_${digest}`;
}

/** `storage_records_h3`: hash partition with remainder 3. */
export function hashPartitionName(remainder: number): string {
  return `${PARENT_TABLE}_h${remainder}`;
}
