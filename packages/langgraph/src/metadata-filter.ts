import { isDeepStrictEqual } from 'node:util';
import { type Filter, type JsonObject, type JsonValue, unstorableStringReason } from '@recordstore/core';

/**
 * Checkpoint metadata filters (`list(config, { filter })`): `{ key: value, ... }`, every key equal.
 *
 * Each entry compiles to a condition on the record's `metadata` column (`metadata.<key>`), so the
 * database narrows the rows; the saver then checks every row against the exact rule below, so a
 * condition only has to be a superset. A string or number compiles exactly (an equality the GIN/JSON
 * index serves, plus a typed range on the same value that excludes arrays containing it), which lets
 * `limit` go to the database; booleans and null compile to a superset; objects, arrays and keys that are
 * not a plain field name (a `.` or a leading `$`) are checked only in memory.
 *
 * The exact rule: the metadata's own property deep-equals the filter's value (MemorySaver compares with
 * `===`, which agrees for every scalar; PostgresSaver's containment agrees for equal objects).
 */
export interface CompiledMetadataFilter {
  /** Conditions to AND into the record filter. */
  conditions: Filter[];
  /** True when the conditions select exactly the matching records (no in-memory check can drop one). */
  exact: boolean;
  /** The exact rule, on deserialized metadata. */
  matches(metadata: unknown): boolean;
}

const PLAIN_KEY = /^[^.$][^.]*$/;

function compilableKey(key: string): boolean {
  return PLAIN_KEY.test(key) && unstorableStringReason(key) === null;
}

/** Compiles a LangGraph metadata filter; `undefined` and `{}` match everything. */
export function compileMetadataFilter(filter: Record<string, unknown> | undefined): CompiledMetadataFilter {
  const entries = Object.entries(filter ?? {});
  const conditions: Filter[] = [];
  let exact = true;
  for (const [key, value] of entries) {
    const path = `metadata.${key}`;
    if (!compilableKey(key)) {
      exact = false;
    } else if (
      (typeof value === 'string' && unstorableStringReason(value) === null) ||
      (typeof value === 'number' && Number.isFinite(value))
    ) {
      conditions.push({ [path]: value }, { [path]: { $gte: value, $lte: value } });
    } else if (typeof value === 'boolean' || value === null) {
      conditions.push({ [path]: value });
      exact = false;
    } else {
      exact = false;
    }
  }
  return {
    conditions,
    exact,
    matches: (metadata) =>
      entries.every(([key, value]) => {
        const own =
          typeof metadata === 'object' && metadata !== null && Object.hasOwn(metadata, key)
            ? (metadata as Record<string, unknown>)[key]
            : undefined;
        return isDeepStrictEqual(own, value);
      }),
  };
}

const MAX_FILTERABLE_DEPTH = 64;

const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function storableString(value: string): string {
  // What no backend stores (NUL, lone surrogates) is dropped or replaced, as PostgresSaver strips NUL.
  return value.replaceAll('\u0000', '').replace(LONE_SURROGATES, '\uFFFD');
}

function filterable(value: unknown, depth: number): JsonValue | undefined {
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
      return storableString(value);
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'boolean':
      return value;
    case 'object': {
      if (depth >= MAX_FILTERABLE_DEPTH) return null;
      if (Array.isArray(value)) return value.map((v) => filterable(v, depth + 1) ?? null);
      const out: JsonObject = {};
      for (const [key, v] of Object.entries(value)) {
        const copy = filterable(v, depth + 1);
        if (copy !== undefined) {
          Object.defineProperty(out, storableString(key), {
            value: copy,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
      }
      return out;
    }
    default:
      return undefined;
  }
}

/**
 * The copy of checkpoint metadata kept in the record's `metadata` column for filtering: its JSON form
 * (as `JSON.stringify` sees it), with what no backend can store removed. The exact metadata travels
 * separately, through the serde. An altered value can only let the database return a record that the
 * in-memory check then drops (a filter value no backend can store is never compiled), so no match is
 * lost. Returns null when the metadata has no JSON form (circular).
 */
export function filterableMetadata(metadata: unknown): JsonObject | null {
  try {
    const json = JSON.parse(
      JSON.stringify(metadata, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
    ) as unknown;
    const copy = filterable(json, 0);
    return copy !== null && typeof copy === 'object' && !Array.isArray(copy) ? copy : null;
  } catch {
    return null;
  }
}
