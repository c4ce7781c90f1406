import type { StringColumn, TimeColumn } from '../record.js';
import type { IsUntypedRecord, UntypedRecord } from '../typing/record-types.js';
import type { TypedFilter } from '../typing/typed-filter.js';

/**
 * The filter language as callers write it: a JSON object. Given a record type `R` (a store created with
 * `createStorage<R>`), its keys and operands are checked against `R` at compile time (see
 * {@link TypedFilter}); untyped, it is any JSON object and the runtime parser alone judges it.
 *
 * @example
 * { type: 'message', 'metadata.source': 'web', score: { $gte: 3, $lt: 10 }, $or: [{ a: 1 }, { b: { $exists: false } }] }
 */
export type Filter<R extends object = UntypedRecord> =
  IsUntypedRecord<R> extends true ? { [key: string]: unknown } : TypedFilter<R>;

/** A field a condition reads: a reserved string column, a reserved timestamp column, or a JSON path. */
export type FieldRef =
  | { kind: 'string'; column: StringColumn }
  | { kind: 'time'; column: TimeColumn }
  /** A path into the record's data (`root: 'data'`) or into its `metadata` column; never empty. */
  | { kind: 'json'; root: 'data' | 'metadata'; path: readonly string[] };

/** A scalar an equality condition compares against. Time fields carry epoch ms. */
export type Scalar = string | number | boolean | null;

/** Range comparison operators. */
export type Comparator = 'gt' | 'gte' | 'lt' | 'lte';

/**
 * A validated, normalized filter: what backends compile. Produced only by {@link parseFilter}, so every
 * operand has the type its field needs (`$ne`/`$nin` arrive as `not` around `eq`/`in`).
 */
export type FilterNode =
  | { op: 'and'; nodes: FilterNode[] }
  | { op: 'or'; nodes: FilterNode[] }
  | { op: 'not'; node: FilterNode }
  /** Equal, or for a JSON array field: contains the (non-null) value. `null` matches null or missing. */
  | { op: 'eq'; field: FieldRef; value: Scalar }
  /** Any of `values` by the rules of `eq`. An empty list matches nothing. */
  | { op: 'in'; field: FieldRef; values: Scalar[] }
  /** A typed range: only values of the operand's type match (numbers numerically, strings by code point). */
  | { op: 'cmp'; field: FieldRef; cmp: Comparator; value: string | number }
  /** SQL LIKE (`%`, `_`, `\` escapes) on string values; `caseInsensitive` folds ASCII letters only. */
  | { op: 'like'; field: FieldRef; pattern: string; caseInsensitive: boolean }
  /** Present (JSON null counts as present; a reserved column is present when not null) or absent. */
  | { op: 'exists'; field: FieldRef; exists: boolean };

/** How a list is ordered. Ties are always broken by `id` in the same direction, on every backend. */
export interface OrderBy {
  field: 'created_at' | 'updated_at' | 'expires_at' | 'id' | 'type' | 'session_id' | 'thread_id';
  direction: 'asc' | 'desc';
}
