import type { JsonObject } from '../json-value.js';
import type { RecordInput, StoredRecord, TimestampInput } from '../record.js';

/**
 * The record type of a store nobody typed. A store typed by it (the default) takes and returns
 * {@link RecordInput} and {@link StoredRecord} exactly as before typed records existed. It is `any` so
 * that a typed store (`StorageBackend<AgentRecord>`) can be passed wherever an untyped `StorageBackend`
 * is expected (copy, backup, the conformance suite): with any other default TypeScript would find the
 * two unrelated, since a typed `save` accepts fewer records than an untyped one.
 */
// biome-ignore lint/suspicious/noExplicitAny: the one type both ways assignable with every record type (see above).
export type UntypedRecord = any;

/**
 * True for a record type that names no fields to check: one with a string index signature
 * (`Record<string, unknown>`, `StoredRecord`, `any`) or with no keys at all (`object`). The API then falls
 * back to the untyped shapes.
 */
export type IsUntypedRecord<R> = string extends keyof R ? true : [keyof R] extends [never] ? true : false;

/** Reserved keys that recordstore fills in (the caller may give them, and gets them back as `Date`s). */
type GeneratedKey = 'id' | 'created_at' | 'updated_at' | 'expires_at';
/** Reserved keys a record type may declare with its own (narrower) type, such as `type: 'message'`. */
type DeclarableKey = 'type' | 'session_id' | 'thread_id' | 'metadata';

/** Flattens an intersection for readable hovers and error messages. */
type Simplify<T> = { [K in keyof T]: T[K] } & {};

type GeneratedInput = {
  id?: string;
  created_at?: TimestampInput | null;
  updated_at?: TimestampInput | null;
  expires_at?: TimestampInput | null;
};

type TypedInput<R> = Simplify<
  Omit<R, GeneratedKey> & GeneratedInput & { [K in Exclude<DeclarableKey, keyof R>]?: RecordInput[K] }
>;

type TypedStored<R> = Simplify<
  Omit<R, GeneratedKey> & { id: string; created_at: Date; updated_at: Date; expires_at?: Date } & {
    [K in Exclude<DeclarableKey, keyof R>]?: StoredRecord[K];
  }
>;

/**
 * What `save` and `saveMany` take for record type `R`: its fields as declared, `id` and the timestamps
 * optional (generated when missing), `session_id`/`thread_id`/`metadata` optional unless `R` declares them.
 * A union of record types (discriminated by `type`) gives a union of inputs.
 */
export type RecordInputOf<R extends object> =
  IsUntypedRecord<R> extends true ? RecordInput : R extends unknown ? TypedInput<R> : never;

/**
 * What `load`, `list`, `stream` and `getBySession` return for record type `R`: its fields, plus `id`,
 * `created_at` and `updated_at` (as `Date`s) always present and `expires_at` when the record expires.
 */
export type StoredRecordOf<R extends object> =
  IsUntypedRecord<R> extends true ? StoredRecord : R extends unknown ? TypedStored<R> : never;

/** What `update` takes for record type `R`: any subset of one record type's fields (shallow-merged). */
export type RecordPatchOf<R extends object> =
  IsUntypedRecord<R> extends true
    ? Record<string, unknown>
    : R extends unknown
      ? Partial<TypedInput<R>>
      : never;

/**
 * The `type` names a record type declares (`'message' | 'tool_call'`), or `string` when it declares none
 * (or is untyped): the keys a {@link RecordSchemas} map may use.
 */
export type RecordTypeName<R extends object> =
  IsUntypedRecord<R> extends true
    ? string
    : R extends unknown
      ? 'type' extends keyof R
        ? Extract<R['type' & keyof R], string>
        : string
      : never;

/** The metadata object of record type `R`: as declared, else any JSON object. */
export type MetadataOf<R> = R extends { metadata?: infer M } ? NonNullable<M> : JsonObject;
