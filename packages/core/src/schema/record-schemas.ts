import { describeValue } from '../describe-value.js';
import { isStandardSchema, type StandardSchemaV1 } from '../driver/standard-schema.js';
import { StorageError } from '../errors.js';
import { isPlainObject, setOwn } from '../json-value.js';
import type { RecordTypeName, UntypedRecord } from '../typing/record-types.js';

/**
 * Standard Schemas (zod, valibot, arktype, or any object implementing https://standardschema.dev) by
 * record `type`: a record whose `type` has a schema must pass it to be stored. Records of other types,
 * and records without a `type`, are stored unchecked. For a typed store the keys are its record type's
 * `type` names, so a misspelt name does not compile.
 *
 * @example
 * const schemas: RecordSchemas<AgentRecord> = { message: z.object({ content: z.string() }) };
 */
export type RecordSchemas<R extends object = UntypedRecord> = {
  readonly [T in RecordTypeName<R>]?: StandardSchemaV1;
};

/** One problem a schema reported: where in the record (`content`, `user.id`, `tags[2]`) and what. */
export interface RecordIssue {
  path: string;
  message: string;
}

/** The keys the store manages and validates itself: a schema never sees them. */
const STORE_KEYS = ['id', 'created_at', 'updated_at', 'expires_at'] as const;

/** Issues listed in an error message; the rest are counted (all of them are on `issues`). */
const ISSUES_IN_MESSAGE = 3;

/**
 * A record refused by the schema of its `type`: a `StorageError` of kind `validation` whose `path` names
 * the first failing field (`content`, or `records[2].content` in `saveMany`) and whose `issues` list every
 * problem the schema reported. Nothing of the call was stored.
 */
export class RecordValidationError extends StorageError {
  /** The record's `type`, whose schema refused it. */
  readonly recordType: string;
  /** Position of the record in a `saveMany`/import batch; undefined for a single record. */
  readonly index: number | undefined;
  /** Every issue the schema reported, paths relative to the record. */
  readonly issues: readonly RecordIssue[];

  constructor(recordType: string, index: number | undefined, issues: readonly RecordIssue[]) {
    const at = index === undefined ? '' : `records[${index}]`;
    const first = issues[0]?.path ?? '';
    const listed = issues
      .slice(0, ISSUES_IN_MESSAGE)
      .map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message))
      .join('; ');
    const more = issues.length > ISSUES_IN_MESSAGE ? ` (and ${issues.length - ISSUES_IN_MESSAGE} more)` : '';
    super(
      'validation',
      `${at ? `${at}: ` : ''}record of type ${JSON.stringify(recordType)} fails its schema: ${listed}${more}. Nothing was stored.`,
      { path: joinPath(at, first) || 'record' },
    );
    this.recordType = recordType;
    this.index = index;
    this.issues = issues;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), recordType: this.recordType, issues: this.issues };
  }
}

/**
 * Branded like StorageError, so `instanceof RecordValidationError` also recognises one raised by another
 * copy of `@recordstore/core` (a backend package built against its own copy).
 */
const VALIDATION_BRAND: unique symbol = Symbol.for('recordstore.RecordValidationError') as never;
Object.defineProperty(RecordValidationError.prototype, VALIDATION_BRAND, { value: true });
Object.defineProperty(RecordValidationError, Symbol.hasInstance, {
  value: (value: unknown): boolean =>
    value !== null &&
    typeof value === 'object' &&
    (value as { [VALIDATION_BRAND]?: unknown })[VALIDATION_BRAND] === true,
});

/** Checks records against the schemas of their types before anything is written. */
export interface RecordValidator {
  /**
   * Resolves (synchronously when every schema involved is synchronous) when every record passes; else
   * throws or rejects with the {@link RecordValidationError} of the first failing record. `offset` is the
   * position of `records[0]` in the caller's batch, or null for a single record (`save`, `update`).
   */
  check(records: readonly unknown[], offset: number | null): void | Promise<void>;
}

/**
 * The validator for a store's `schemas` option, or null when there is none (the write path then does no
 * work at all).
 * @throws StorageError(config) when a value is not a Standard Schema.
 */
export function recordValidator(schemas: RecordSchemas<object> | undefined): RecordValidator | null {
  if (schemas === undefined || schemas === null) return null;
  if (!isPlainObject(schemas)) {
    throw new StorageError(
      'config',
      `schemas must be an object of Standard Schemas by record type, got ${describeValue(schemas)}.`,
      { path: 'schemas' },
    );
  }
  const byType = new Map<string, StandardSchemaV1>();
  for (const [type, schema] of Object.entries(schemas)) {
    if (schema === undefined) continue;
    if (!isStandardSchema(schema)) {
      throw new StorageError(
        'config',
        `schemas.${type} is not a Standard Schema (zod, valibot, arktype, or an object with a "~standard" property of version 1), got ${describeValue(schema)}.`,
        { path: `schemas.${type}` },
      );
    }
    byType.set(type, schema);
  }
  if (byType.size === 0) return null;
  return {
    check(records, offset) {
      const results: Array<StandardSchemaV1.Result<unknown> | Promise<StandardSchemaV1.Result<unknown>>> = [];
      const checked: Array<{ type: string; index: number | undefined }> = [];
      let async = false;
      for (let i = 0; i < records.length; i++) {
        const record = records[i];
        if (!isPlainObject(record) || typeof record.type !== 'string') continue;
        const schema = byType.get(record.type);
        if (!schema) continue;
        const result = schema['~standard'].validate(withoutStoreKeys(record));
        // A thenable, not only a native Promise: a schema library may bring its own.
        async ||= typeof (result as { then?: unknown }).then === 'function';
        results.push(result);
        checked.push({ type: record.type, index: offset === null ? undefined : offset + i });
      }
      // In input order, so the error names the earliest failing record whichever schema answered first.
      const refuseFirst = (settled: readonly StandardSchemaV1.Result<unknown>[]): void => {
        for (let k = 0; k < settled.length; k++) {
          refuseOnIssues(settled[k]!, checked[k]!.type, checked[k]!.index);
        }
      };
      if (!async) return refuseFirst(results as StandardSchemaV1.Result<unknown>[]);
      return Promise.all(results).then(refuseFirst);
    },
  };
}

function refuseOnIssues(
  result: StandardSchemaV1.Result<unknown>,
  type: string,
  index: number | undefined,
): void {
  if (!result.issues) return;
  const issues = result.issues.map((issue) => ({
    path: formatPath(issue.path),
    message: issue.message,
  }));
  throw new RecordValidationError(
    type,
    index,
    issues.length > 0 ? issues : [{ path: '', message: 'invalid' }],
  );
}

/** The record as a schema sees it: the caller's object, minus the keys the store manages. */
function withoutStoreKeys(record: Record<string, unknown>): Record<string, unknown> {
  if (!STORE_KEYS.some((key) => Object.hasOwn(record, key))) return record;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    if (!(STORE_KEYS as readonly string[]).includes(key)) setOwn(copy, key, record[key]);
  }
  return copy;
}

/** `records[2]` + `content` = `records[2].content`; `records[2]` + `[0]` = `records[2][0]`. */
function joinPath(prefix: string, path: string): string {
  if (!prefix || !path) return prefix || path;
  return path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `user.id`, `tags[2]`, `labels["a b"]`: the issue's path as the filter language and messages spell it. */
export function formatPath(path: StandardSchemaV1.Issue['path']): string {
  if (!path) return '';
  let out = '';
  for (const part of path) {
    const key = typeof part === 'object' && part !== null ? part.key : part;
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && IDENTIFIER.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}
