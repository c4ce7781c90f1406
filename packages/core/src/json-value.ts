import { describeType } from './describe-value.js';
import { validationError } from './errors.js';

/** A JSON value as recordstore stores it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
/** A JSON object. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/** Deepest nesting accepted in a record or filter: deeper input is refused rather than risking the stack. */
export const MAX_DEPTH = 100;

// A UTF-16 surrogate not paired with its partner cannot be encoded as UTF-8, so no database can store it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Checks a string for what no backend can store losslessly: NUL (PostgreSQL's jsonb and text refuse it)
 * and lone UTF-16 surrogates (not encodable as UTF-8). Returns a reason, or null when the string is fine.
 */
export function unstorableStringReason(value: string): string | null {
  if (value.includes('\u0000')) return 'contains a NUL character (\\u0000), which PostgreSQL cannot store';
  if (LONE_SURROGATE.test(value)) return 'contains a lone UTF-16 surrogate, which is not valid Unicode';
  return null;
}

/**
 * Sets an own property, also for the key `__proto__`, which plain assignment would turn into a prototype
 * change (a hostile key must be stored as data, like any other).
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/** True for objects made by `{}` or `Object.create(null)` (not arrays, dates or class instances). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Walks a value and copies it as plain JSON, refusing what JSON cannot represent faithfully: BigInt,
 * functions, symbols, NaN and Infinity, circular references, class instances, NUL characters, lone
 * surrogates and nesting deeper than {@link MAX_DEPTH}. Object properties whose value is `undefined` are
 * omitted (as `JSON.stringify` does, so optional TypeScript fields work); `undefined` elsewhere is refused.
 * `Date` values become ISO-8601 strings.
 */
export function toJsonValue(value: unknown, path: string): JsonValue {
  return copyJson(value, path, 0, new Set());
}

/**
 * {@link toJsonValue} starting at nesting `depth`, with `seen` the objects on the path from the root (to
 * refuse circular references).
 */
export function copyJson(value: unknown, path: string, depth: number, seen: Set<object>): JsonValue {
  switch (typeof value) {
    case 'string': {
      const reason = unstorableStringReason(value);
      if (reason) throw validationError(`${path} ${reason}.`, path);
      return value;
    }
    case 'number':
      if (!Number.isFinite(value)) {
        throw validationError(
          `${path} is ${value}, which JSON cannot represent; use null or a finite number.`,
          path,
        );
      }
      return value;
    case 'boolean':
      return value;
    case 'object':
      break;
    case 'bigint':
      throw validationError(
        `${path} is a BigInt (${value}n), which JSON cannot represent; store it as a string.`,
        path,
      );
    default:
      throw validationError(`${path} is ${describeType(value)}, which is not a JSON value.`, path);
  }
  if (value === null) return null;
  if (depth >= MAX_DEPTH)
    throw validationError(`${path} is nested more than ${MAX_DEPTH} levels deep.`, path);
  if (seen.has(value)) throw validationError(`${path} is a circular reference.`, path);
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw validationError(`${path} is an invalid Date.`, path);
    return value.toISOString();
  }
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      const out: JsonValue[] = new Array(value.length);
      for (let i = 0; i < value.length; i++) {
        if (value[i] === undefined) {
          throw validationError(
            `${path}[${i}] is undefined, which is not a JSON value; use null.`,
            `${path}[${i}]`,
          );
        }
        out[i] = copyJson(value[i], `${path}[${i}]`, depth + 1, seen);
      }
      return out;
    }
    if (!isPlainObject(value)) {
      const name = (value as object).constructor?.name ?? 'object';
      throw validationError(
        `${path} is a ${name} instance; only plain objects, arrays and scalars are JSON.`,
        path,
      );
    }
    const out: JsonObject = {};
    for (const key of Object.keys(value)) {
      const child = value[key];
      if (child === undefined) continue;
      const reason = unstorableStringReason(key);
      if (reason) throw validationError(`The key ${JSON.stringify(key)} in ${path} ${reason}.`, path);
      setOwn(out, key, copyJson(child, `${path}.${key}`, depth + 1, seen));
    }
    return out;
  } finally {
    seen.delete(value);
  }
}
