import type { TimestampInput } from '../record.js';
import type { MetadataOf } from './record-types.js';

/*
 * Compile-time checking of filters against a record type. Everything here is types only: the runtime
 * parser (filter/parse.ts) stays the judge of what a filter means; these types refuse, before the code
 * runs, the keys a record type does not have and the operands its fields cannot hold. Recursion is bounded
 * (four path segments, two under a nested scope) so that checking a filter stays cheap for the compiler.
 */

declare const timeColumn: unique symbol;
declare const idColumn: unique symbol;
/** Stands for a reserved timestamp column (`created_at`, ...): operands are `Date`, ISO string or epoch ms. */
interface TimeColumnValue {
  readonly [timeColumn]: true;
}
/** Stands for the `id` column: a string, never null. */
interface IdColumnValue {
  readonly [idColumn]: true;
}

/** Remaining nesting levels, counted down. */
type Prev = [never, 0, 1, 2, 3];

type Primitive = string | number | boolean;

/** One field a filter may name and the type of the value stored there. */
interface Entry<P extends string, V> {
  path: P;
  value: V;
}

type IsPlainObjectType<V> = V extends readonly unknown[]
  ? false
  : V extends Date | TimeColumnValue | IdColumnValue
    ? false
    : V extends (...args: never[]) => unknown
      ? false
      : V extends object
        ? true
        : false;

/** The fields of object type `T` as entries, `Prefix` before each name, `D` more levels below. */
type FieldEntries<T, Prefix extends string, D extends number> = {
  [K in keyof T & string]:
    | Entry<`${Prefix}${K}`, Exclude<T[K], undefined>>
    | NestedEntries<T[K], `${Prefix}${K}.`, D>;
}[keyof T & string];

/** The fields below a field of type `V`: its object members' fields, or any path when unknown or too deep. */
type NestedEntries<V, Prefix extends string, D extends number> = unknown extends V
  ? Entry<`${Prefix}${string}`, unknown>
  : V extends unknown
    ? IsPlainObjectType<V> extends true
      ? [D] extends [0]
        ? Entry<`${Prefix}${string}`, unknown>
        : FieldEntries<V, Prefix, Prev[D]>
      : never
    : never;

type ColumnValue<R, K extends string> = K extends keyof R ? Extract<R[K], string> : string;

/** Every field a filter on records of type `R` (one member of a union) may name. */
type RecordEntries<R> =
  | FieldEntries<Omit<R, ReservedName>, '', 3>
  | Entry<'id', IdColumnValue>
  | Entry<'type', ColumnValue<R, 'type'>>
  | Entry<'session_id', ColumnValue<R, 'session_id'>>
  | Entry<'thread_id', ColumnValue<R, 'thread_id'>>
  | Entry<'created_at', TimeColumnValue>
  | Entry<'updated_at', TimeColumnValue>
  | Entry<'expires_at', TimeColumnValue>
  | Entry<'metadata', MetadataOf<R>>
  | NestedEntries<MetadataOf<R>, 'metadata.', 1>;

type ReservedName =
  | 'id'
  | 'type'
  | 'session_id'
  | 'thread_id'
  | 'metadata'
  | 'created_at'
  | 'updated_at'
  | 'expires_at';

/** What equality (`field: value`, `$eq`, `$ne`, `$in`, `$nin`) compares against; an array field matches an element. */
type Operand<V> = V extends TimeColumnValue
  ? TimestampInput
  : V extends IdColumnValue
    ? string
    : V extends readonly (infer E)[]
      ? ElementOperand<E>
      : V extends Date
        ? Date | string
        : V extends Primitive
          ? V
          : never;

type ElementOperand<E> = unknown extends E
  ? Primitive | Date
  : E extends Date
    ? Date | string
    : E extends Primitive
      ? E
      : never;

/** Equality operand: null matches null or a missing field, except on `id`, which is never null. */
type EqOperand<V> = [V] extends [IdColumnValue] ? string : Operand<V> | null;

/** Range operand (`$gt` ... `$lte`): numbers against number fields, strings against string fields. */
type RangeOperand<V> = V extends TimeColumnValue
  ? TimestampInput
  : V extends IdColumnValue
    ? string
    : V extends number
      ? number
      : V extends string
        ? string
        : V extends Date
          ? Date | string
          : never;

/** `$like` / `$ilike` apply to string fields only. */
type LikeOperand<V> = V extends IdColumnValue ? string : V extends string ? string : never;

/** The operators of one field of type `V`. */
export interface FieldOperators<V> {
  $eq?: EqOperand<V>;
  $ne?: EqOperand<V>;
  $in?: readonly EqOperand<V>[];
  $nin?: readonly EqOperand<V>[];
  $gt?: RangeOperand<V>;
  $gte?: RangeOperand<V>;
  $lt?: RangeOperand<V>;
  $lte?: RangeOperand<V>;
  $like?: LikeOperand<V>;
  $ilike?: LikeOperand<V>;
  $exists?: boolean;
}

/** A nested scope on an object field: `{ user: { id: 5 } }` means `{ 'user.id': 5 }`. */
type Scope<V> = V extends unknown
  ? IsPlainObjectType<V> extends true
    ? FilterOver<FieldEntries<V, '', 1>>
    : never
  : never;

/** What a filter may say about one field of type `V`. */
export type FieldCondition<V> = unknown extends V ? unknown : EqOperand<V> | FieldOperators<V> | Scope<V>;

type FilterOver<E extends Entry<string, unknown>> = {
  [P in E['path']]?: FieldCondition<Extract<E, { path: P }>['value']>;
} & {
  /** Every one of these filters matches. */
  $and?: readonly FilterOver<E>[];
  /** At least one of these filters matches. */
  $or?: readonly FilterOver<E>[];
  /** This filter does not match. */
  $not?: FilterOver<E>;
};

/**
 * A filter checked against record type `R`: keys are its fields (`content`, nested `user.id`, reserved
 * columns, `metadata.<key>`), operands have the field's type. A union of record types accepts the fields
 * of every member.
 */
export type TypedFilter<R> = FilterOver<R extends unknown ? RecordEntries<R> : never>;
