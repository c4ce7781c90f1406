import { describeType, describeValue } from '../describe-value.js';
import { validationError } from '../errors.js';
import { isPlainObject, MAX_DEPTH, unstorableStringReason } from '../json-value.js';
import { STRING_COLUMNS, type StringColumn, TIME_COLUMNS, type TimeColumn } from '../record.js';
import { toEpochMs } from '../timestamp.js';
import { validateLikePattern } from './like.js';
import type { FieldRef, FilterNode, Scalar } from './types.js';

/** Every operator the filter language knows, for error messages. */
export const FIELD_OPERATORS = [
  '$eq',
  '$ne',
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$in',
  '$nin',
  '$like',
  '$ilike',
  '$exists',
] as const;
/** Operators that combine whole filters. */
export const LOGICAL_OPERATORS = ['$and', '$or', '$not'] as const;

/** Most values accepted by one `$in` / `$nin`: beyond this a query should be restructured. */
export const MAX_IN_VALUES = 10_000;

/** The filter that matches everything. */
export const MATCH_ALL: FilterNode = { op: 'and', nodes: [] };

/**
 * Validates a caller's filter and turns it into a {@link FilterNode} tree that backends compile.
 * `undefined`, `null` and `{}` match everything.
 * @throws StorageError(validation) naming the filter path and what was expected.
 */
export function parseFilter(filter: unknown): FilterNode {
  if (filter === undefined || filter === null) return MATCH_ALL;
  return parseObject(filter, 'filter', [], 0);
}

function parseObject(filter: unknown, where: string, prefix: readonly string[], depth: number): FilterNode {
  if (!isPlainObject(filter)) {
    throw validationError(`${where} must be an object, got ${describeType(filter)}.`, where);
  }
  if (depth > MAX_DEPTH)
    throw validationError(`${where} is nested more than ${MAX_DEPTH} levels deep.`, where);
  const nodes: FilterNode[] = [];
  for (const key of Object.keys(filter)) {
    const value = filter[key];
    const here = `${where}.${key}`;
    if (key.startsWith('$')) {
      nodes.push(parseLogical(key, value, here, prefix, depth));
    } else {
      nodes.push(parseField(key, value, here, prefix, depth));
    }
  }
  return nodes.length === 1 ? nodes[0]! : { op: 'and', nodes };
}

function parseLogical(
  key: string,
  value: unknown,
  where: string,
  prefix: readonly string[],
  depth: number,
): FilterNode {
  if (key === '$not') return { op: 'not', node: parseObject(value, where, prefix, depth + 1) };
  if (key === '$and' || key === '$or') {
    if (!Array.isArray(value) || value.length === 0) {
      throw validationError(
        `${where} must be a non-empty array of filters, got ${describeValue(value)}.`,
        where,
      );
    }
    const nodes = value.map((f, i) => parseObject(f, `${where}[${i}]`, prefix, depth + 1));
    return { op: key === '$and' ? 'and' : 'or', nodes };
  }
  const hint = (FIELD_OPERATORS as readonly string[]).includes(key)
    ? ` ${key} applies to a field: write { "<field>": { "${key}": ... } }.`
    : ` Known: ${LOGICAL_OPERATORS.join(', ')} at the top of a filter; ${FIELD_OPERATORS.join(', ')} on a field.`;
  throw validationError(`${where}: unknown logical operator ${JSON.stringify(key)}.${hint}`, where);
}

function resolveField(path: readonly string[], where: string): FieldRef {
  const [head, ...rest] = path;
  if (rest.length === 0 && (STRING_COLUMNS as readonly string[]).includes(head!)) {
    return { kind: 'string', column: head as StringColumn };
  }
  if (rest.length === 0 && (TIME_COLUMNS as readonly string[]).includes(head!)) {
    return { kind: 'time', column: head as TimeColumn };
  }
  if (head === 'metadata') return { kind: 'json', root: 'metadata', path: rest };
  if (
    (STRING_COLUMNS as readonly string[]).includes(head!) ||
    (TIME_COLUMNS as readonly string[]).includes(head!)
  ) {
    throw validationError(`${where}: ${head} is a reserved column and has no nested fields.`, where);
  }
  return { kind: 'json', root: 'data', path };
}

function splitPath(key: string, prefix: readonly string[], where: string): string[] {
  const segments = key.split('.');
  for (const segment of segments) {
    if (segment.length === 0) {
      throw validationError(`${where}: the field path ${JSON.stringify(key)} has an empty segment.`, where);
    }
    const reason = unstorableStringReason(segment);
    if (reason) throw validationError(`${where}: the field name ${reason}.`, where);
  }
  return [...prefix, ...segments];
}

function parseField(
  key: string,
  value: unknown,
  where: string,
  prefix: readonly string[],
  depth: number,
): FilterNode {
  const path = splitPath(key, prefix, where);
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    const operators = keys.filter((k) => k.startsWith('$'));
    if (keys.length === 0) {
      throw validationError(`${where} is an empty object; to test presence use { "$exists": true }.`, where);
    }
    if (operators.length === 0) {
      // A plain object is a nested scope: { user: { id: 5 } } means { "user.id": 5 }.
      const field = resolveField(path, where);
      if (field.kind !== 'json') {
        throw validationError(
          `${where}: ${path[0]} is a reserved column; compare it with a value or operators.`,
          where,
        );
      }
      return parseObject(value, where, path, depth + 1);
    }
    if (operators.length !== keys.length) {
      throw validationError(
        `${where} mixes operators (${operators.join(', ')}) with field names; nest them separately.`,
        where,
      );
    }
    const field = resolveField(path, where);
    const nodes = keys.map((op) => parseOperator(field, op, value[op], `${where}.${op}`));
    return nodes.length === 1 ? nodes[0]! : { op: 'and', nodes };
  }
  return equality(resolveField(path, where), value, where);
}

function equality(field: FieldRef, value: unknown, where: string): FilterNode {
  return { op: 'eq', field, value: scalarOperand(field, value, where) };
}

function parseOperator(field: FieldRef, op: string, operand: unknown, where: string): FilterNode {
  switch (op) {
    case '$eq':
      return equality(field, operand, where);
    case '$ne':
      return { op: 'not', node: equality(field, operand, where) };
    case '$in':
      return { op: 'in', field, values: listOperand(field, operand, where) };
    case '$nin':
      return { op: 'not', node: { op: 'in', field, values: listOperand(field, operand, where) } };
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte':
      return { op: 'cmp', field, cmp: op.slice(1) as 'gt', value: rangeOperand(field, operand, where) };
    case '$like':
    case '$ilike': {
      if (field.kind === 'time')
        throw validationError(`${where}: ${op} does not apply to timestamp columns.`, where);
      if (typeof operand !== 'string') {
        throw validationError(`${where} must be a string pattern, got ${describeValue(operand)}.`, where);
      }
      const reason = unstorableStringReason(operand);
      if (reason) throw validationError(`${where}: the pattern ${reason}.`, where);
      validateLikePattern(operand, where);
      return { op: 'like', field, pattern: operand, caseInsensitive: op === '$ilike' };
    }
    case '$exists':
      if (typeof operand !== 'boolean') {
        throw validationError(`${where} must be true or false, got ${describeValue(operand)}.`, where);
      }
      return { op: 'exists', field, exists: operand };
    default:
      throw validationError(
        `${where}: unknown operator ${JSON.stringify(op)}. Known field operators: ${FIELD_OPERATORS.join(', ')}.`,
        where,
      );
  }
}

function listOperand(field: FieldRef, operand: unknown, where: string): Scalar[] {
  if (!Array.isArray(operand)) {
    throw validationError(`${where} must be an array of values, got ${describeValue(operand)}.`, where);
  }
  if (operand.length > MAX_IN_VALUES) {
    throw validationError(`${where} has ${operand.length} values; the limit is ${MAX_IN_VALUES}.`, where);
  }
  return operand.map((v, i) => scalarOperand(field, v, `${where}[${i}]`));
}

function scalarOperand(field: FieldRef, value: unknown, where: string): Scalar {
  if (value === null) {
    if (field.kind === 'string' && field.column === 'id') {
      throw validationError(`${where}: id is never null.`, where);
    }
    return null;
  }
  if (field.kind === 'time') return toEpochMs(value, where);
  if (field.kind === 'json' && field.path.length === 0) {
    throw validationError(
      `${where}: metadata itself only compares with null or $exists; filter its fields as "metadata.<key>".`,
      where,
    );
  }
  if (typeof value === 'string') {
    const reason = unstorableStringReason(value);
    if (reason) throw validationError(`${where}: the value ${reason}.`, where);
    return value;
  }
  if (field.kind === 'string') {
    throw validationError(`${where}: ${field.column} holds strings; got ${describeType(value)}.`, where);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw validationError(`${where}: ${value} is not a finite number.`, where);
    return value;
  }
  if (typeof value === 'boolean') return value;
  if (value instanceof Date) return toEpochMsAsIso(value, where);
  if (Array.isArray(value)) {
    throw validationError(
      `${where}: equality against an array is not supported; use { "$in": [...] } for any of several values, or $and for all of them.`,
      where,
    );
  }
  throw validationError(
    `${where} must be a string, number, boolean or null, got ${describeValue(value)}.`,
    where,
  );
}

function rangeOperand(field: FieldRef, value: unknown, where: string): string | number {
  if (field.kind === 'time') return toEpochMs(value, where);
  if (field.kind === 'json' && field.path.length === 0) {
    throw validationError(`${where}: compare fields of metadata as "metadata.<key>".`, where);
  }
  if (typeof value === 'string') {
    const reason = unstorableStringReason(value);
    if (reason) throw validationError(`${where}: the value ${reason}.`, where);
    return value;
  }
  if (field.kind === 'json' && typeof value === 'number' && Number.isFinite(value)) return value;
  if (field.kind === 'json' && value instanceof Date) return toEpochMsAsIso(value, where);
  const expected = field.kind === 'string' ? 'a string' : 'a finite number or a string';
  throw validationError(`${where} must be ${expected}, got ${describeValue(value)}.`, where);
}

// Dates inside record data are stored as ISO-8601 strings, so a Date operand compares as one.
function toEpochMsAsIso(value: Date, where: string): string {
  return new Date(toEpochMs(value, where)).toISOString();
}
