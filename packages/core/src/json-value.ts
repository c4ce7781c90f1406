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
  return copyJson(value, path, 0);
}

/**
 * {@link toJsonValue} starting at nesting `depth` (a value found `depth` levels inside what is stored).
 */
export function copyJson(value: unknown, path: string, depth: number): JsonValue {
  return copyValue(value, new JsonWalk(path), depth);
}

/**
 * The own properties of a record that are not `skip`ped, copied as a JSON object in one pass (what
 * {@link copyJson} of an object holding only those properties gives, at `path`, without making that object
 * first): a record's data, its reserved keys left out.
 */
export function copyJsonProperties(
  source: Record<string, unknown>,
  skip: ReadonlySet<string>,
  path: string,
): JsonObject {
  const walk = new JsonWalk(path);
  walk.ancestors.push(source);
  const out: JsonObject = {};
  for (const key of Object.keys(source)) {
    if (skip.has(key)) continue;
    copyProperty(out, key, source[key], walk, 1);
  }
  return out;
}

/**
 * Where a walk is: the segments from its root and the objects on that path (to refuse circular
 * references). The path is made into text only when a value is refused, so accepted data costs no strings.
 */
class JsonWalk {
  readonly segments: (string | number)[] = [];
  readonly ancestors: object[] = [];
  constructor(readonly root: string) {}

  path(): string {
    let out = this.root;
    for (const s of this.segments) out += typeof s === 'number' ? `[${s}]` : `.${s}`;
    return out;
  }
}

function refuse(walk: JsonWalk, message: (path: string) => string): never {
  const path = walk.path();
  throw validationError(message(path), path);
}

function copyProperty(out: JsonObject, key: string, child: unknown, walk: JsonWalk, depth: number): void {
  if (child === undefined) return;
  const reason = unstorableStringReason(key);
  if (reason !== null) refuse(walk, (path) => `The key ${JSON.stringify(key)} in ${path} ${reason}.`);
  walk.segments.push(key);
  setOwn(out, key, copyValue(child, walk, depth));
  walk.segments.pop();
}

function copyValue(value: unknown, walk: JsonWalk, depth: number): JsonValue {
  switch (typeof value) {
    case 'string': {
      const reason = unstorableStringReason(value);
      if (reason) refuse(walk, (path) => `${path} ${reason}.`);
      return value;
    }
    case 'number':
      if (!Number.isFinite(value)) {
        refuse(
          walk,
          (path) => `${path} is ${value}, which JSON cannot represent; use null or a finite number.`,
        );
      }
      return value;
    case 'boolean':
      return value;
    case 'object':
      break;
    case 'bigint':
      refuse(
        walk,
        (path) => `${path} is a BigInt (${value}n), which JSON cannot represent; store it as a string.`,
      );
      break;
    default:
      refuse(walk, (path) => `${path} is ${describeType(value)}, which is not a JSON value.`);
  }
  if (value === null) return null;
  if (depth >= MAX_DEPTH) refuse(walk, (path) => `${path} is nested more than ${MAX_DEPTH} levels deep.`);
  const { ancestors, segments } = walk;
  // The path is at most MAX_DEPTH deep and usually a few levels: a scan beats a Set's add and delete.
  if (ancestors.includes(value as object)) refuse(walk, (path) => `${path} is a circular reference.`);
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) refuse(walk, (path) => `${path} is an invalid Date.`);
    return value.toISOString();
  }
  ancestors.push(value as object);
  if (Array.isArray(value)) {
    const out: JsonValue[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      segments.push(i);
      if (value[i] === undefined) {
        refuse(walk, (path) => `${path} is undefined, which is not a JSON value; use null.`);
      }
      out[i] = copyValue(value[i], walk, depth + 1);
      segments.pop();
    }
    ancestors.pop();
    return out;
  }
  if (!isPlainObject(value)) {
    const name = (value as object).constructor?.name ?? 'object';
    refuse(walk, (path) => `${path} is a ${name} instance; only plain objects, arrays and scalars are JSON.`);
  }
  const out: JsonObject = {};
  for (const key of Object.keys(value)) copyProperty(out, key, value[key], walk, depth + 1);
  ancestors.pop();
  return out;
}
