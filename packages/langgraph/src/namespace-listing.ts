import type { ListNamespacesOperation, MatchCondition } from '@langchain/langgraph-checkpoint';
import type { Filter, StorageOperations } from '@recordstore/core';
import { namespaceOfPath, namespacePath, namespacePrefixCondition } from './item-records.js';
import type { RecordNames } from './record-ids.js';

/** Rows read per round trip while walking namespaces. */
const SCAN_PAGE = 100;

/** Compares namespaces label by label, each by code point; a namespace sorts before its children. */
export function compareNamespaces(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** InMemoryStore's match rule: `*` matches any one label. */
function matches(condition: MatchCondition, namespace: readonly string[]): boolean {
  const { path } = condition;
  if (path.length > namespace.length) return false;
  const start = condition.matchType === 'prefix' ? 0 : namespace.length - path.length;
  return path.every((label, i) => label === '*' || namespace[start + i] === label);
}

/** The literal labels a prefix condition starts with (up to its first `*`). */
function literalPrefix(conditions: readonly MatchCondition[]): string[] {
  let best: string[] = [];
  for (const condition of conditions) {
    if (condition.matchType !== 'prefix') continue;
    const wildcard = condition.path.indexOf('*');
    const literal = (wildcard === -1 ? condition.path : condition.path.slice(0, wildcard)) as string[];
    if (literal.length > best.length) best = literal;
  }
  return best;
}

/**
 * The namespaces holding live items, matching every condition, truncated to `maxDepth` labels,
 * deduplicated, sorted (label by label) and windowed by offset/limit.
 *
 * recordstore has no DISTINCT, so this walks the `session_id` column (the namespace path) in order and
 * jumps past each namespace it has seen (and past a whole subtree once `maxDepth` truncated it): one
 * round trip per page of distinct namespaces rather than one per item, each an index range on
 * PostgreSQL and SQLite. A literal prefix condition bounds the walk to that subtree.
 */
export async function listNamespaces(
  store: StorageOperations,
  names: RecordNames,
  op: ListNamespacesOperation,
): Promise<string[][]> {
  const conditions = op.matchConditions ?? [];
  const base: Filter[] = [{ type: names.itemType }];
  const within = namespacePrefixCondition(literalPrefix(conditions));
  if (within !== undefined) base.push(within);
  const found = new Map<string, string[]>();
  // Rows whose path is below this bound (or equal, when not inclusive) were already decided.
  let bound: { path: string; inclusive: boolean } | undefined;
  const passes = (path: string) =>
    bound === undefined || (bound.inclusive ? path >= bound.path : path > bound.path);
  for (;;) {
    const after: Filter[] =
      bound === undefined ? [] : [{ session_id: { [bound.inclusive ? '$gte' : '$gt']: bound.path } }];
    const page = await store.list({ $and: [...base, ...after] }, { orderBy: 'session_id', limit: SCAN_PAGE });
    for (const record of page) {
      const path = record.session_id ?? '';
      if (!passes(path)) continue;
      const namespace = namespaceOfPath(path);
      bound = { path, inclusive: false };
      if (!conditions.every((c) => matches(c, namespace))) continue;
      const kept = op.maxDepth === undefined ? namespace : namespace.slice(0, op.maxDepth);
      found.set(namespacePath(kept), kept);
      // Every other namespace under a truncated one truncates to it too: skip the subtree.
      if (kept.length < namespace.length) bound = { path: `${namespacePath(kept)};`, inclusive: true };
    }
    if (page.length < SCAN_PAGE) break;
  }
  const sorted = [...found.values()].sort(compareNamespaces);
  const offset = op.offset ?? 0;
  return sorted.slice(offset, op.limit === undefined ? undefined : offset + op.limit);
}
