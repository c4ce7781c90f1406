import type { FieldRef, JsonValue, Scalar } from '@recordstore/core';
import { type DeclaredPaths, declaredPathKey } from './declared-paths.js';

/**
 * The JSON-path pieces of the filter compiler (postgres-filter-compiler.ts): bind parameters, access to a
 * path with its guards, two-valued predicates, containment documents, and equality on declared paths.
 */

// strtol-style integers (leading blanks, a sign) are what `#>` takes as an array index.
const INDEX_LIKE = /\d/;

const NO_DECLARED: DeclaredPaths = new Map();

/** The bind parameters of one statement being compiled, and the declared paths it may use. */
export class Params {
  readonly values: unknown[] = [];
  constructor(readonly declared: DeclaredPaths = NO_DECLARED) {}
  add(value: unknown, cast: string): string {
    this.values.push(value);
    return `$${this.values.length}::${cast}`;
  }
}

/** `{"a":{"b": leaf}}` for the path [a, b]. */
export function nest(path: readonly string[], leaf: JsonValue): JsonValue {
  let out: JsonValue = leaf;
  for (let i = path.length - 1; i >= 0; i--) {
    const wrapper: Record<string, JsonValue> = {};
    Object.defineProperty(wrapper, path[i]!, {
      value: out,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    out = wrapper;
  }
  return out;
}

/** SQL for reading a JSON path: its value, its text, and the guards under which they are the reference's. */
export interface JsonAccess {
  /** The jsonb value at the path, NULL when missing (may still be wrong where guards fail). */
  value: string;
  /** The text value at the path (`#>>`). */
  text: string;
  /** Conditions (possibly NULL-valued) that must hold for `value` to be the reference's value. */
  guards: string[];
}

/** The SQL that reads `field`'s path (the path as a parameter; guards for array-index-like segments). */
export function jsonAccess(field: Extract<FieldRef, { kind: 'json' }>, params: Params): JsonAccess {
  const root = field.root;
  const p = params.add(field.path, 'text[]');
  const guards: string[] = [];
  for (let i = 1; i < field.path.length; i++) {
    if (INDEX_LIKE.test(field.path[i]!)) {
      guards.push(`jsonb_typeof(${root} #> ${params.add(field.path.slice(0, i), 'text[]')}) = 'object'`);
    }
  }
  return { value: `(${root} #> ${p})`, text: `(${root} #>> ${p})`, guards };
}

/** `cond` as a two-valued predicate. */
export function definitely(conditions: string[]): string {
  return `COALESCE(${conditions.join(' AND ')}, false)`;
}

/** The path is present (and its guards hold), as a two-valued predicate. */
export function found(access: JsonAccess): string {
  return definitely([`${access.value} IS NOT NULL`, ...access.guards]);
}

/** `root @> ANY(docs)`, two-valued on the nullable metadata column too. */
export function containsAny(root: string, docs: string[], params: Params): string {
  const any = `${root} @> ANY(${params.add(docs, 'jsonb[]')})`;
  return root === 'data' ? any : `(${root} IS NOT NULL AND ${any})`;
}

/**
 * Both containment documents of each value: `{"a":{"b":v}}` and `{"a":{"b":[v]}}` (the second is the
 * reference's "an array field contains the value"; postgres-filter-compiler.ts explains both).
 */
export function containmentDocs(path: readonly string[], values: readonly Exclude<Scalar, null>[]): string[] {
  const docs: string[] = [];
  for (const v of values) docs.push(JSON.stringify(nest(path, v)), JSON.stringify(nest(path, [v])));
  return docs;
}

/**
 * True when `value` is of the type of a declared index on the field's path (a string on `text`, a number
 * on `numeric`). Only on data, whose GIN index serves the array arm: an OR with an arm no index serves is
 * a scan.
 */
export function declaredTypeOf(
  field: Extract<FieldRef, { kind: 'json' }>,
  params: Params,
  value: Exclude<Scalar, null>,
): value is string | number {
  if (field.root !== 'data') return false;
  const declared = params.declared.get(declaredPathKey(field.root, field.path));
  return (
    (declared === 'text' && typeof value === 'string') ||
    (declared === 'numeric' && typeof value === 'number')
  );
}

/**
 * Equality with any of `typed` (values of the declared index's type, see {@link DeclaredPaths}) or of
 * `others`: the scalar case of `typed` as the index's expression (the same text the range conditions use,
 * so a custom plan matches the index), their array case and both cases of `others` as containment. Each
 * arm is two-valued, as `cmpSql` explains, so the OR is too.
 */
export function declaredEqualitySql(
  field: Extract<FieldRef, { kind: 'json' }>,
  typed: readonly (string | number)[],
  others: readonly Exclude<Scalar, null>[],
  params: Params,
): string {
  const access = jsonAccess(field, params);
  const one = typed.length === 1;
  const numeric = typeof typed[0] === 'number';
  const check = definitely([
    `jsonb_typeof(${access.value}) = '${numeric ? 'number' : 'string'}'`,
    ...access.guards,
  ]);
  let operand: string;
  if (numeric) {
    const texts = typed.map((v) => JSON.stringify(v));
    operand = one ? params.add(texts[0], 'jsonb') : `ANY(${params.add(texts, 'jsonb[]')})`;
  } else {
    operand = one ? `(${params.add(typed[0], 'text')} COLLATE "C")` : `ANY(${params.add(typed, 'text[]')})`;
  }
  const scalar = numeric ? `${access.value} = ${operand}` : `${access.text} COLLATE "C" = ${operand}`;
  const docs = [
    ...typed.map((v) => JSON.stringify(nest(field.path, [v]))),
    ...containmentDocs(field.path, others),
  ];
  const contains =
    docs.length === 1
      ? `data @> ${params.add(docs[0], 'jsonb')}`
      : `data @> ANY(${params.add(docs, 'jsonb[]')})`;
  return `((${scalar} AND ${check}) OR ${contains})`;
}
