import type { ListOptions, RowQuery } from '../backend.js';
import { describeValue } from '../describe-value.js';
import { validationError } from '../errors.js';
import { compareCodePoints } from '../filter/compare.js';
import { parseFilter } from '../filter/parse.js';
import type { Filter, FilterNode, OrderBy } from '../filter/types.js';
import { isPlainObject } from '../json-value.js';
import type { WriteRow } from '../record.js';

const ORDERABLE = new Set<OrderBy['field']>([
  'created_at',
  'updated_at',
  'expires_at',
  'id',
  'type',
  'session_id',
  'thread_id',
]);

/** The default order: newest `created_at` first. */
export const NEWEST_FIRST: readonly OrderBy[] = [{ field: 'created_at', direction: 'desc' }];

const EXPIRES_AT = { kind: 'time', column: 'expires_at' } as const;
const ID = { kind: 'string', column: 'id' } as const;

/** Rows that have expired at `now` (a row without expires_at never expires). */
export function expiredFilter(now: number): FilterNode {
  return { op: 'cmp', field: EXPIRES_AT, cmp: 'lte', value: now };
}

/** The one row with this id, if it has expired at `now`: what lazy expiry may delete. */
export function expiredRowFilter(id: string, now: number): FilterNode {
  return { op: 'and', nodes: [{ op: 'eq', field: ID, value: id }, expiredFilter(now)] };
}

/** Rows created before `cutoff` (epoch ms). */
export function createdBeforeFilter(cutoff: number): FilterNode {
  return { op: 'cmp', field: { kind: 'time', column: 'created_at' }, cmp: 'lt', value: cutoff };
}

/** Validates a caller's filter and restricts it to rows live at `now`. */
export function liveFilter(filter: Filter | undefined, now: number): FilterNode {
  const live: FilterNode = {
    op: 'or',
    nodes: [
      { op: 'eq', field: EXPIRES_AT, value: null },
      { op: 'cmp', field: EXPIRES_AT, cmp: 'gt', value: now },
    ],
  };
  const parsed = parseFilter(filter);
  return parsed.op === 'and' && parsed.nodes.length === 0 ? live : { op: 'and', nodes: [parsed, live] };
}

/** Validates list options into a {@link RowQuery}. */
export function rowQuery(options: ListOptions | undefined): RowQuery {
  const limit = options?.limit;
  const offset = options?.offset ?? 0;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw validationError(`limit must be a non-negative integer, got ${describeValue(limit)}.`, 'limit');
  }
  if (!Number.isInteger(offset) || offset < 0) {
    throw validationError(`offset must be a non-negative integer, got ${describeValue(offset)}.`, 'offset');
  }
  return { orderBy: parseOrderBy(options?.orderBy), limit: limit ?? null, offset };
}

/**
 * The page after `last` in newest-first keyset order on (created_at, id): what streaming asks for. The
 * redundant `created_at <= last` bound lets an index start each page where the last one ended.
 */
export function keysetAfter(base: FilterNode, last: { created_at: number; id: string }): FilterNode {
  const createdAt = { kind: 'time', column: 'created_at' } as const;
  return {
    op: 'and',
    nodes: [
      base,
      { op: 'cmp', field: createdAt, cmp: 'lte', value: last.created_at },
      {
        op: 'or',
        nodes: [
          { op: 'cmp', field: createdAt, cmp: 'lt', value: last.created_at },
          {
            op: 'and',
            nodes: [
              { op: 'eq', field: createdAt, value: last.created_at },
              { op: 'cmp', field: ID, cmp: 'lt', value: last.id },
            ],
          },
        ],
      },
    ],
  };
}

/**
 * Prepares rows for one bulk statement: a row may appear once (PostgreSQL refuses ON CONFLICT touching a
 * row twice), the last occurrence wins as sequential saves would, and rows go out in id order so that two
 * concurrent batches touching the same ids lock them in the same order and cannot deadlock each other.
 */
export function dedupeById(rows: readonly WriteRow[]): WriteRow[] {
  const byId = new Map<string, WriteRow>();
  for (const row of rows) byId.set(row.id, row);
  return [...byId.values()].sort((a, b) => compareCodePoints(a.id, b.id));
}

/** Parses `orderBy` options: `'created_at'`, `'-created_at'`, `{ field, direction }` or a list of them. */
export function parseOrderBy(orderBy: ListOptions['orderBy']): OrderBy[] {
  if (orderBy === undefined) return [...NEWEST_FIRST];
  const list = Array.isArray(orderBy) ? orderBy : [orderBy];
  if (list.length === 0) return [...NEWEST_FIRST];
  return list.map((entry, i) => {
    const spec: OrderBy =
      typeof entry === 'string'
        ? entry.startsWith('-')
          ? { field: entry.slice(1) as OrderBy['field'], direction: 'desc' }
          : { field: entry as OrderBy['field'], direction: 'asc' }
        : entry;
    if (
      !isPlainObject(spec) ||
      !ORDERABLE.has(spec.field) ||
      (spec.direction !== 'asc' && spec.direction !== 'desc')
    ) {
      throw validationError(
        `orderBy[${i}] must name one of ${[...ORDERABLE].join(', ')} with direction asc or desc, got ${describeValue(entry)}.`,
        'orderBy',
      );
    }
    return { field: spec.field, direction: spec.direction };
  });
}
