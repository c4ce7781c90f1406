import type { FilterNode } from '@recordstore/core';

/**
 * Access paths of compiled filters: which index a conjunction's terms may choose. In a conjunction that
 * reaches rows by key (an `id` equality or list, a two-sided `id` range, or an OR of those) the `type`,
 * `session_id` and `thread_id` terms are written `+r.<column>`, and beside a `session_id`/`thread_id`
 * equality the `type` terms are: unary `+` is SQLite's documented way to keep a term from being used with
 * an index. Without statistics the planner rates any equality above a range and picks the `type` index (few
 * values, many rows each), then sorts; by key it reads only the rows asked for, in `id` order. `+` drops the
 * column's affinity, which changes nothing here: these columns hold strings and are only compared with
 * strings. The bounds of a two-sided `id` range (how a key prefix is read) are written
 * `likelihood(<bound>, 0.001)`: the planner's default guess is a 16th of the table per range, so an OR of
 * more than a few prefix ranges became a scan of the whole table.
 */

/** Columns whose terms must not choose the index. */
const BESIDE_KEY: ReadonlySet<string> = new Set(['type', 'session_id', 'thread_id']);
const BESIDE_GROUP: ReadonlySet<string> = new Set(['type']);
export const NO_DEMOTION: ReadonlySet<string> = new Set();

/** The terms of a conjunction, nested ANDs flattened. */
function conjuncts(node: FilterNode): FilterNode[] {
  return node.op === 'and' ? node.nodes.flatMap(conjuncts) : [node];
}

function onColumn(node: FilterNode, name: string): boolean {
  return 'field' in node && node.field.kind !== 'json' && node.field.column === name;
}

/** A string equality or a non-empty list of strings on `name`: an index search for few rows. */
function selects(node: FilterNode, name: string): boolean {
  if (!onColumn(node, name)) return false;
  if (node.op === 'eq') return typeof node.value === 'string';
  return node.op === 'in' && node.values.length > 0 && node.values.every((v) => typeof v === 'string');
}

/** True when the conjunction bounds `id` from below and from above. */
export function twoSidedIdRange(node: FilterNode): boolean {
  const bounds = conjuncts(node).filter((t) => t.op === 'cmp' && onColumn(t, 'id'));
  return (
    bounds.some((t) => t.op === 'cmp' && (t.cmp === 'gt' || t.cmp === 'gte')) &&
    bounds.some((t) => t.op === 'cmp' && (t.cmp === 'lt' || t.cmp === 'lte'))
  );
}

/** True when every row `node` matches is reached by the primary key: ids, a two-sided id range, or an OR of those. */
function keyBound(node: FilterNode): boolean {
  if (twoSidedIdRange(node)) return true;
  return conjuncts(node).some(
    (t) => selects(t, 'id') || (t.op === 'or' && t.nodes.length > 0 && t.nodes.every(keyBound)),
  );
}

/** The columns whose terms a conjunction compiles without index use, given its more selective terms. */
export function demotedIn(node: FilterNode): ReadonlySet<string> {
  if (keyBound(node)) return BESIDE_KEY;
  const terms = conjuncts(node);
  return terms.some((t) => selects(t, 'thread_id') || selects(t, 'session_id')) ? BESIDE_GROUP : NO_DEMOTION;
}
