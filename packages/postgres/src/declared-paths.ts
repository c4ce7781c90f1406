import { declaredIndexTarget } from '@recordstore/core';

/**
 * The JSON paths with a declared index (`indexes:`), keyed by {@link declaredPathKey}, with what the index
 * holds. Equality of a string (`text`) or number (`numeric`) on such a path compiles to
 * `(<the index expression> = v AND <type check>) OR data @> {"path": [v]}`: the planner serves it with a
 * BitmapOr of the declared btree and the GIN index, and estimates it from the expression index's own
 * statistics. Containment alone is estimated from the documents ANALYZE keeps as histogram bounds, so a
 * value found in one of them looked ten times more common than it was, and `ORDER BY created_at LIMIT n`
 * walked the created_at index instead (EXPLAIN ANALYZE on 300,000 rows, 0.1% matching: 116 to 145 ms
 * against 2 to 4 ms). Only for indexes that exist, and only on `data` (metadata has no GIN index): an arm
 * no index serves turns the OR into a scan.
 */
export type DeclaredPaths = ReadonlyMap<string, 'text' | 'numeric'>;

/** The key of a JSON path in {@link DeclaredPaths}. */
export function declaredPathKey(root: string, path: readonly string[]): string {
  return JSON.stringify([root, ...path]);
}

/** The {@link DeclaredPaths} of declared indexes (`indexes:` entries: a path and what it holds). */
export function declaredPathsOf(
  indexes: readonly { path: readonly string[]; type: 'text' | 'numeric' }[],
): DeclaredPaths {
  const paths = new Map<string, 'text' | 'numeric'>();
  for (const decl of indexes) {
    const { root, path } = declaredIndexTarget(decl);
    paths.set(declaredPathKey(root, path), decl.type);
  }
  return paths;
}
