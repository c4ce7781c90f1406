import type { JsonValue } from '../json-value.js';
import type { RecordRow } from '../record.js';
import { compareCodePoints } from './compare.js';
import { likeMatches } from './like.js';
import type { FieldRef, FilterNode, OrderBy, Scalar } from './types.js';

/** A field's value in a row: `found` is false when the key is absent (or a reserved column is null). */
interface Resolved {
  found: boolean;
  value: JsonValue | undefined;
}

const MISSING: Resolved = { found: false, value: undefined };

/**
 * Reads a field of a row. JSON paths walk through objects only: a path segment never indexes an array.
 */
export function resolveField(row: RecordRow, field: FieldRef): Resolved {
  if (field.kind !== 'json') {
    const value = row[field.column];
    return value === null ? MISSING : { found: true, value };
  }
  let current: JsonValue | undefined = field.root === 'data' ? row.data : row.metadata;
  if (current === null && field.root === 'metadata') return MISSING;
  for (const segment of field.path) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return MISSING;
    if (!Object.hasOwn(current, segment)) return MISSING;
    current = current[segment];
  }
  return { found: true, value: current };
}

function scalarEquals(actual: JsonValue | undefined, expected: Exclude<Scalar, null>): boolean {
  return typeof actual === typeof expected && actual === expected;
}

function equals(field: FieldRef, resolved: Resolved, expected: Scalar): boolean {
  if (expected === null) return !resolved.found || resolved.value === null;
  if (!resolved.found) return false;
  const { value } = resolved;
  if (scalarEquals(value, expected)) return true;
  // A JSON array field "equals" a value it contains, as document stores behave.
  return field.kind === 'json' && Array.isArray(value) && value.some((item) => scalarEquals(item, expected));
}

function compare(actual: JsonValue | undefined, cmp: 'gt' | 'gte' | 'lt' | 'lte', operand: string | number) {
  let order: number;
  if (typeof operand === 'number') {
    if (typeof actual !== 'number') return false;
    order = actual - operand;
  } else {
    if (typeof actual !== 'string') return false;
    order = compareCodePoints(actual, operand);
  }
  switch (cmp) {
    case 'gt':
      return order > 0;
    case 'gte':
      return order >= 0;
    case 'lt':
      return order < 0;
    case 'lte':
      return order <= 0;
  }
}

/**
 * The reference semantics of the filter language: whether `row` matches `node`. Every backend must return
 * exactly the rows this function accepts (the conformance suite checks it).
 */
export function matchesFilter(row: RecordRow, node: FilterNode): boolean {
  switch (node.op) {
    case 'and':
      return node.nodes.every((n) => matchesFilter(row, n));
    case 'or':
      return node.nodes.some((n) => matchesFilter(row, n));
    case 'not':
      return !matchesFilter(row, node.node);
    case 'eq':
      return equals(node.field, resolveField(row, node.field), node.value);
    case 'in': {
      const resolved = resolveField(row, node.field);
      return node.values.some((v) => equals(node.field, resolved, v));
    }
    case 'cmp': {
      const resolved = resolveField(row, node.field);
      return resolved.found && compare(resolved.value, node.cmp, node.value);
    }
    case 'like': {
      const { found, value } = resolveField(row, node.field);
      return found && typeof value === 'string' && likeMatches(value, node.pattern, node.caseInsensitive);
    }
    case 'exists':
      return resolveField(row, node.field).found === node.exists;
  }
}

/**
 * The reference order: by each `OrderBy` in turn, nulls last in either direction, strings by code
 * point, then by `id` in the direction of the first key.
 */
export function compareRows(a: RecordRow, b: RecordRow, orderBy: readonly OrderBy[]): number {
  for (const { field, direction } of orderBy) {
    const x = a[field];
    const y = b[field];
    if (x === y) continue;
    if (x === null) return 1;
    if (y === null) return -1;
    const order = typeof x === 'string' ? compareCodePoints(x, y as string) : (x as number) - (y as number);
    if (order !== 0) return direction === 'asc' ? order : -order;
  }
  const tie = compareCodePoints(a.id, b.id);
  return orderBy[0]?.direction === 'asc' ? tie : -tie;
}
