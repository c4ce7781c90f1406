import type { FieldRef, FilterNode, OrderBy, Scalar } from '@recordstore/core';
import { demotedIn, NO_DEMOTION, twoSidedIdRange } from './sqlite-access-paths.js';
import { type DeclaredPath, declaredExpressions, documentExpression, pathLiteral } from './sqlite-indexes.js';

/**
 * Compiles validated {@link FilterNode} trees to SQLite WHERE fragments with exactly the semantics of core's
 * `matchesFilter`, evaluated in the database. Every value, every JSON key and every path reaches SQLite as a
 * bind parameter: the SQL text depends only on the filter's shape, never on a caller's string.
 *
 * Rules that make the SQL agree with the reference:
 * - Every leaf is two-valued (0 or 1, never NULL), so `NOT` and `OR` behave as in JavaScript.
 * - JSON types come from `json_type`: numbers are `integer` or `real`, booleans `true`/`false`.
 * - Numbers compare as REAL (`CAST(... AS REAL)`): JSON text such as `9007199254740993000` reads as an
 *   exact 64-bit integer in SQLite but as the nearest double in JavaScript, and the double is the truth.
 * - Strings compare with the BINARY collation: UTF-8 byte order is code point order.
 * - LIKE runs through `rs_like`, a deterministic function built on core's `likeMatches`, because SQLite's own
 *   LIKE folds case by default and handles escapes differently.
 * - Paths walk objects only: quoted labels (`$."a"."b"`) never index arrays. A key containing `"` or `\`
 *   cannot be written as a quoted label, so it is looked up by `json_each(...) WHERE key = ?` instead.
 * - A declared path (`indexes:`, see sqlite-indexes.ts) is the one exception to "paths are parameters": it
 *   is inlined as the literal of its index expression (it comes from the config, not from the caller), and
 *   equality and ranges of its type compile to `type IS '<json type>' AND <indexed value> <op> ?` terms
 *   joined by OR, the same semantics in a shape SQLite can search the index with.
 * - Access paths (which index a conjunction's terms may choose): see sqlite-access-paths.ts.
 */

/** The alias of the records table in every statement the compiler's fragments are used in. */
export const ROW_ALIAS = 'r';
/** The record data as JSON text, whether stored plain (`data`) or gzip-compressed (`data_z`). */
export const DATA_DOC = documentExpression('data', ROW_ALIAS);
const METADATA_DOC = documentExpression('metadata', ROW_ALIAS);

/** A compiled WHERE fragment and its named parameters (`:p0`, `:p1`, ...). */
export interface CompiledFilter {
  sql: string;
  params: Record<string, string | number | null>;
}

const NULLABLE_COLUMNS: ReadonlySet<string> = new Set(['type', 'session_id', 'thread_id', 'expires_at']);
const COLUMNS: ReadonlySet<string> = new Set([
  'id',
  'type',
  'session_id',
  'thread_id',
  'created_at',
  'updated_at',
  'expires_at',
]);

/** How a JSON field is read: its json_type, its SQL value, and a json_each source over it. */
interface Locator {
  type: string;
  value: string;
  each: string;
  /** Set for a declared path: what it holds and its indexed value expression. */
  indexed?: { kind: DeclaredPath['type']; value: string };
}

/** The lookup key of a JSON field: root and segments. */
function pathKey(root: string, path: readonly string[]): string {
  return JSON.stringify([root, ...path]);
}

/** Quoted path labels cannot contain these; such keys go through json_each lookups. */
function isHostileSegment(segment: string): boolean {
  return segment.includes('"') || segment.includes('\\');
}

function jsonPath(segments: readonly string[]): string {
  let path = '$';
  for (const segment of segments) path += `."${segment}"`;
  return path;
}

function column(name: string): string {
  if (!COLUMNS.has(name)) throw new Error(`sqlite filter compiler: unknown column ${JSON.stringify(name)}`);
  return `${ROW_ALIAS}.${name}`;
}

class Compiler {
  readonly params: Record<string, string | number | null> = {};
  readonly #declared: ReadonlyMap<string, DeclaredPath>;
  #count = 0;
  #aliases = 0;
  #byValue = new Map<string, string>();
  /** Columns written `+r.<column>` in the conjunction being compiled. */
  #demoted: ReadonlySet<string> = NO_DEMOTION;
  /** Set inside a conjunction with a two-sided `id` range: its bounds carry a likelihood. */
  #idRange = false;

  constructor(declared: readonly DeclaredPath[]) {
    this.#declared = new Map(declared.map((d) => [pathKey(d.root, d.path), d]));
  }

  /** A named parameter for `value`; equal strings (paths, keys) share one. */
  param(value: string | number): string {
    const key = typeof value === 'string' ? `s${value}` : `n${value}`;
    const existing = this.#byValue.get(key);
    if (existing) return existing;
    const name = `p${this.#count++}`;
    this.params[name] = value;
    this.#byValue.set(key, `:${name}`);
    return `:${name}`;
  }

  alias(): string {
    return `e${this.#aliases++}`;
  }

  locate(field: Extract<FieldRef, { kind: 'json' }>): Locator {
    const declared = this.#declared.get(pathKey(field.root, field.path));
    if (declared !== undefined) {
      // Inlined literally, exactly as in the index (a bound path never matches an index expression).
      const doc = field.root === 'data' ? DATA_DOC : METADATA_DOC;
      const literal = pathLiteral(declared.path);
      const indexed = declaredExpressions(declared, ROW_ALIAS);
      return {
        type: indexed.type,
        value: `json_extract(${doc}, ${literal})`,
        each: `json_each(${doc}, ${literal})`,
        indexed: { kind: declared.type, value: indexed.value },
      };
    }
    let doc = field.root === 'data' ? DATA_DOC : METADATA_DOC;
    let safe: string[] = [];
    const { path } = field;
    for (let i = 0; i < path.length; i++) {
      const segment = path[i]!;
      if (!isHostileSegment(segment)) {
        safe.push(segment);
        continue;
      }
      const parent = this.param(jsonPath(safe));
      const key = this.param(segment);
      const a = this.alias();
      const member = (column: string, extra = '') =>
        `(SELECT ${a}.${column} FROM json_each(${doc}, ${parent}) AS ${a} WHERE ${a}.key = ${key}${extra})`;
      if (i === path.length - 1) {
        const value = member('value');
        // For an array, json_each's value column is the array's JSON text, which json_each can walk again.
        return { type: member('type'), value, each: `json_each(${value})` };
      }
      // Paths only walk through objects, so an intermediate member that is not an object ends the walk.
      doc = member('value', ` AND ${a}.type = 'object'`);
      safe = [];
    }
    const p = this.param(jsonPath(safe));
    return {
      type: `json_type(${doc}, ${p})`,
      value: `json_extract(${doc}, ${p})`,
      each: `json_each(${doc}, ${p})`,
    };
  }

  compile(node: FilterNode): string {
    switch (node.op) {
      case 'and': {
        if (node.nodes.length === 0) return '1';
        const [outer, outerRange] = [this.#demoted, this.#idRange];
        const here = demotedIn(node);
        // The sets nest (none, type, type and the group columns): the larger one applies.
        if (here.size > outer.size) this.#demoted = here;
        this.#idRange ||= twoSidedIdRange(node);
        try {
          return `(${node.nodes.map((n) => this.compile(n)).join(' AND ')})`;
        } finally {
          [this.#demoted, this.#idRange] = [outer, outerRange];
        }
      }
      case 'or':
        return node.nodes.length === 0 ? '0' : `(${node.nodes.map((n) => this.compile(n)).join(' OR ')})`;
      case 'not':
        return `(NOT ${this.compile(node.node)})`;
      case 'eq':
        return node.field.kind === 'json'
          ? this.#jsonEq(this.locate(node.field), node.value)
          : this.#columnEq(node.field.column, node.value);
      case 'in':
        return node.field.kind === 'json'
          ? this.#jsonIn(this.locate(node.field), node.values)
          : this.#columnIn(node.field.column, node.values);
      case 'cmp': {
        const op = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[node.cmp];
        const v = this.param(node.value);
        if (node.field.kind !== 'json') {
          const test = `${this.#column(node.field.column)} ${op} ${v}`;
          if (node.field.column === 'id' && this.#idRange) return `(likelihood(${test}, 0.001))`;
          return this.#guard(node.field.column, test);
        }
        const l = this.locate(node.field);
        const searched = this.#indexedTest(l, node.value, `${op} ${v}`);
        if (searched !== null) return searched;
        if (typeof node.value === 'number') {
          const test = `CAST(${l.value} AS REAL) ${op} ${v}`;
          return `(CASE ${l.type} WHEN 'integer' THEN ${test} WHEN 'real' THEN ${test} ELSE 0 END)`;
        }
        return `(CASE ${l.type} WHEN 'text' THEN ${l.value} ${op} ${v} ELSE 0 END)`;
      }
      case 'like': {
        const args = `${this.param(node.pattern)}, ${node.caseInsensitive ? 1 : 0}`;
        if (node.field.kind !== 'json') return `rs_like(${this.#column(node.field.column)}, ${args})`;
        const l = this.locate(node.field);
        return `(CASE ${l.type} WHEN 'text' THEN rs_like(${l.value}, ${args}) ELSE 0 END)`;
      }
      case 'exists': {
        const target =
          node.field.kind === 'json' ? this.locate(node.field).type : this.#column(node.field.column);
        return `(${target} IS ${node.exists ? 'NOT NULL' : 'NULL'})`;
      }
    }
  }

  /** A reserved column's reference, `+`-prefixed where its index must not be chosen. */
  #column(name: string): string {
    return this.#demoted.has(name) ? `+${column(name)}` : column(name);
  }

  /** Makes a comparison on a nullable column two-valued: NULL never matches. */
  #guard(name: string, test: string): string {
    return NULLABLE_COLUMNS.has(name) ? `(${this.#column(name)} IS NOT NULL AND ${test})` : `(${test})`;
  }

  #columnEq(name: string, value: Scalar): string {
    if (value === null) return `(${this.#column(name)} IS NULL)`;
    if (typeof value === 'boolean') return '0';
    return this.#guard(name, `${this.#column(name)} = ${this.param(value)}`);
  }

  #columnIn(name: string, values: readonly Scalar[]): string {
    const parts: string[] = [];
    if (values.includes(null)) parts.push(`(${this.#column(name)} IS NULL)`);
    const list = values.filter((v) => typeof v === 'string' || typeof v === 'number');
    if (list.length > 0) {
      const a = this.alias();
      parts.push(
        this.#guard(
          name,
          `${this.#column(name)} IN (SELECT ${a}.value FROM json_each(${this.param(JSON.stringify(list))}) AS ${a})`,
        ),
      );
    }
    return parts.length === 0 ? '0' : `(${parts.join(' OR ')})`;
  }

  /**
   * `<value> <test>` on a declared path of the value's type, as index-searchable terms (each two-valued:
   * `IS` never yields NULL, and the value is not NULL where its type matched), or null when the path is not
   * declared for this type of value.
   */
  #indexedTest(l: Locator, value: Scalar, test: string): string | null {
    if (l.indexed === undefined) return null;
    if (l.indexed.kind === 'text' && typeof value === 'string') {
      return `(${l.type} IS 'text' AND ${l.indexed.value} ${test})`;
    }
    if (l.indexed.kind === 'numeric' && typeof value === 'number') {
      const v = l.indexed.value;
      return `((${l.type} IS 'integer' AND ${v} ${test}) OR (${l.type} IS 'real' AND ${v} ${test}))`;
    }
    return null;
  }

  #jsonEq(l: Locator, value: Scalar): string {
    if (value === null) return `(COALESCE(${l.type}, 'null') = 'null')`;
    const e = this.alias();
    if (l.indexed !== undefined && typeof value !== 'boolean') {
      const searched = this.#indexedTest(l, value, `= ${this.param(value)}`);
      if (searched !== null) {
        // An array matches by containment: its own index search on type 'array'.
        const member =
          typeof value === 'number'
            ? `${e}.type IN ('integer', 'real') AND CAST(${e}.atom AS REAL) = ${this.param(value)}`
            : `${e}.type = 'text' AND ${e}.atom = ${this.param(value)}`;
        return `(${searched} OR (${l.type} IS 'array' AND EXISTS (SELECT 1 FROM ${l.each} AS ${e} WHERE ${member})))`;
      }
    }
    if (typeof value === 'boolean') {
      const t = `'${value}'`;
      return `(CASE ${l.type} WHEN ${t} THEN 1 WHEN 'array' THEN EXISTS (SELECT 1 FROM ${l.each} AS ${e} WHERE ${e}.type = ${t}) ELSE 0 END)`;
    }
    const v = this.param(value);
    if (typeof value === 'number') {
      const test = `CAST(${l.value} AS REAL) = ${v}`;
      return (
        `(CASE ${l.type} WHEN 'integer' THEN ${test} WHEN 'real' THEN ${test} WHEN 'array' THEN EXISTS ` +
        `(SELECT 1 FROM ${l.each} AS ${e} WHERE ${e}.type IN ('integer', 'real') AND CAST(${e}.atom AS REAL) = ${v}) ELSE 0 END)`
      );
    }
    return (
      `(CASE ${l.type} WHEN 'text' THEN ${l.value} = ${v} WHEN 'array' THEN EXISTS ` +
      `(SELECT 1 FROM ${l.each} AS ${e} WHERE ${e}.type = 'text' AND ${e}.atom = ${v}) ELSE 0 END)`
    );
  }

  #jsonIn(l: Locator, values: readonly Scalar[]): string {
    const parts: string[] = [];
    if (values.includes(null)) parts.push(this.#jsonEq(l, null));
    for (const b of [true, false]) if (values.includes(b)) parts.push(this.#jsonEq(l, b));
    const strings = values.filter((v) => typeof v === 'string');
    if (strings.length > 0) {
      const list = this.#list(strings, false);
      const e = this.alias();
      parts.push(
        `(CASE ${l.type} WHEN 'text' THEN ${l.value} IN ${list} WHEN 'array' THEN EXISTS ` +
          `(SELECT 1 FROM ${l.each} AS ${e} WHERE ${e}.type = 'text' AND ${e}.atom IN ${list}) ELSE 0 END)`,
      );
    }
    const numbers = values.filter((v) => typeof v === 'number');
    if (numbers.length > 0) {
      const list = this.#list(numbers, true);
      const e = this.alias();
      const test = `CAST(${l.value} AS REAL) IN ${list}`;
      parts.push(
        `(CASE ${l.type} WHEN 'integer' THEN ${test} WHEN 'real' THEN ${test} WHEN 'array' THEN EXISTS ` +
          `(SELECT 1 FROM ${l.each} AS ${e} WHERE ${e}.type IN ('integer', 'real') AND CAST(${e}.atom AS REAL) IN ${list}) ELSE 0 END)`,
      );
    }
    return parts.length === 0 ? '0' : `(${parts.join(' OR ')})`;
  }

  /** A list operand as one JSON parameter, so a 10,000-value `$in` is one bind, not 10,000. */
  #list(values: readonly (string | number)[], numeric: boolean): string {
    const a = this.alias();
    const item = numeric ? `CAST(${a}.value AS REAL)` : `${a}.value`;
    return `(SELECT ${item} FROM json_each(${this.param(JSON.stringify(values))}) AS ${a})`;
  }
}

/**
 * Compiles a filter to a WHERE fragment over the records table aliased {@link ROW_ALIAS}. The statement
 * must run on a connection where `rs_inflate` and `rs_like` are registered. `declared`: the store's
 * declared path indexes, whose paths compile to their index expressions.
 */
export function compileFilter(node: FilterNode, declared: readonly DeclaredPath[] = []): CompiledFilter {
  const compiler = new Compiler(declared);
  const sql = compiler.compile(node);
  return { sql, params: compiler.params };
}

/**
 * Compiles an order: nulls last in both directions, then `id` in the first key's direction as the
 * tie-break (core's `compareRows`). `NULLS LAST` is written only where it is not SQLite's default
 * (ascending on a nullable column), so index order stays usable everywhere else.
 */
export function compileOrderBy(orderBy: readonly OrderBy[]): string {
  const keys = orderBy.map(({ field, direction }) => {
    const dir = direction === 'asc' ? 'ASC' : 'DESC';
    const nulls = direction === 'asc' && NULLABLE_COLUMNS.has(field) ? ' NULLS LAST' : '';
    return `${column(field)} ${dir}${nulls}`;
  });
  if (!orderBy.some((o) => o.field === 'id')) {
    keys.push(`${column('id')} ${orderBy[0]?.direction === 'asc' ? 'ASC' : 'DESC'}`);
  }
  return keys.join(', ');
}
