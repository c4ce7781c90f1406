import { type Filter, unstorableStringReason } from '@recordstore/core';

/**
 * Store search filters (`search(prefix, { filter })`), with exactly the semantics of LangGraph's
 * InMemoryStore: each key names a top-level field of the value; a plain value must be `===`; an operator
 * object applies `$eq`/`$ne` (`===`), `$gt`/`$gte`/`$lt`/`$lte` (on `Number(...)` of both sides) and
 * `$in`/`$nin` (`includes`).
 *
 * Conditions compile to recordstore filters on `value.<key>` so the database (GIN index on PostgreSQL)
 * narrows the rows; each row is then checked with the rule above. A string or number equality compiles
 * exactly (equality plus a typed range on the same value, which no array matches), so `limit` and
 * `offset` go to the database; booleans, null and `$in` compile to supersets; ranges, `$ne` and `$nin`
 * (whose coercions no typed filter reproduces) are checked only in memory, after the namespace narrowing.
 */
export interface CompiledItemFilter {
  conditions: Filter[];
  /** The conditions select exactly the matching items. */
  exact: boolean;
  matches(value: Record<string, unknown>): boolean;
}

const OPERATORS = new Set(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin']);
const PLAIN_KEY = /^[^.$][^.]*$/;

function isOperatorObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.keys(value).every((key) => OPERATORS.has(key));
}

/** InMemoryStore's `compareValues`, operator for operator. */
function compareValues(itemValue: unknown, filterValue: unknown): boolean {
  if (!isOperatorObject(filterValue)) return itemValue === filterValue;
  return Object.keys(filterValue).every((op) => {
    const value = filterValue[op];
    switch (op) {
      case '$eq':
        return itemValue === value;
      case '$ne':
        return itemValue !== value;
      case '$gt':
        return Number(itemValue) > Number(value);
      case '$gte':
        return Number(itemValue) >= Number(value);
      case '$lt':
        return Number(itemValue) < Number(value);
      case '$lte':
        return Number(itemValue) <= Number(value);
      case '$in':
        return Array.isArray(value) ? value.includes(itemValue) : false;
      default:
        return Array.isArray(value) ? !value.includes(itemValue) : true;
    }
  });
}

function exactScalar(value: unknown): value is string | number {
  return (
    (typeof value === 'string' && unstorableStringReason(value) === null) ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

function supersetScalar(value: unknown): value is boolean | null {
  return typeof value === 'boolean' || value === null;
}

/** Conditions for `path === value`, and whether they are exact. */
function equality(path: string, value: unknown): { conditions: Filter[]; exact: boolean } {
  if (exactScalar(value)) {
    return { conditions: [{ [path]: value }, { [path]: { $gte: value, $lte: value } }], exact: true };
  }
  if (supersetScalar(value)) return { conditions: [{ [path]: value }], exact: false };
  return { conditions: [], exact: false };
}

function operatorConditions(
  path: string,
  ops: Record<string, unknown>,
): { conditions: Filter[]; exact: boolean } {
  const conditions: Filter[] = [];
  let exact = true;
  for (const [op, value] of Object.entries(ops)) {
    if (op === '$eq') {
      const compiled = equality(path, value);
      conditions.push(...compiled.conditions);
      exact &&= compiled.exact;
    } else if (
      op === '$in' &&
      Array.isArray(value) &&
      value.every((v) => exactScalar(v) || supersetScalar(v))
    ) {
      conditions.push({ [path]: { $in: value } });
      exact = false;
    } else {
      exact = false;
    }
  }
  return { conditions, exact };
}

/** Compiles a store search filter; `undefined` and `{}` match everything. */
export function compileItemFilter(filter: Record<string, unknown> | undefined): CompiledItemFilter {
  const entries = Object.entries(filter ?? {});
  const conditions: Filter[] = [];
  let exact = true;
  for (const [key, value] of entries) {
    if (isOperatorObject(value) && Object.keys(value).length === 0) continue; // matches everything
    if (!PLAIN_KEY.test(key) || unstorableStringReason(key) !== null) {
      exact = false;
      continue;
    }
    const path = `value.${key}`;
    const compiled = isOperatorObject(value) ? operatorConditions(path, value) : equality(path, value);
    conditions.push(...compiled.conditions);
    exact &&= compiled.exact;
  }
  return {
    conditions,
    exact,
    matches: (value) => entries.every(([key, expected]) => compareValues(value[key], expected)),
  };
}
