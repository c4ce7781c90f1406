import pg from 'pg';
import { type DeclaredIndex, declaredIndexName, declaredIndexTarget } from './index-options.js';

/**
 * The DDL of declared indexes. PostgreSQL takes no bind parameters in DDL, so the text is built here
 * from the validated declaration: the index name quoted with `escapeIdentifier`, the path as a quoted
 * text[] literal (`escapeLiteral`).
 *
 * The expression is exactly what the filter compiler emits for a range on that path once PostgreSQL
 * folds the path parameter into a constant (filters run as unnamed statements, so each gets a custom
 * plan):
 * - `type: 'text'`    -> `((data #>> '{user,id}') COLLATE "C")`  (string ranges compare under "C")
 * - `type: 'numeric'` -> `(data #> '{score}')`  (jsonb ordering compares numbers numerically; a
 *   `::numeric` cast would make every write of a non-number value there fail)
 */

/** A PostgreSQL text[] literal (quoted, escaped) for a path: `'{"user","id"}'`. */
function pathLiteral(path: readonly string[]): string {
  const array = `{${path.map((s) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}`;
  return `${pg.escapeLiteral(array)}::text[]`;
}

/** The indexed expression: the same one the filter compiler's range conditions produce after folding. */
export function declaredIndexExpression(decl: DeclaredIndex): string {
  const { root, path } = declaredIndexTarget(decl);
  return decl.type === 'text'
    ? `((${root} #>> ${pathLiteral(path)}) COLLATE "C")`
    : `(${root} #> ${pathLiteral(path)})`;
}

/** `CREATE INDEX` for a declared index (`concurrently` only on an unpartitioned table). */
export function declaredIndexDdl(decl: DeclaredIndex, options: { concurrently: boolean }): string {
  return (
    `CREATE INDEX ${options.concurrently ? 'CONCURRENTLY ' : ''}IF NOT EXISTS ` +
    `${pg.escapeIdentifier(declaredIndexName(decl))} ON storage_records ` +
    `(${declaredIndexExpression(decl)}, created_at)`
  );
}

/**
 * Histogram buckets ANALYZE keeps for a declared index's expression. jsonb values cannot be interpolated
 * within a bucket, so a range narrower than one bucket is estimated as about a whole bucket: with the
 * default 100 buckets, 1% of the table. On 1,000,000 rows a 0.1% range then looked ten times too
 * wide, and for `ORDER BY created_at DESC LIMIT n` the planner walked the created_at index filtering
 * row by row (0.5 s) instead of reading the declared index (10 ms). 1,000 buckets estimate it to 0.1%.
 */
export const DECLARED_INDEX_STATISTICS = 1000;

/** Sets {@link DECLARED_INDEX_STATISTICS} on a declared index's expression column (ANALYZE uses it next). */
export function declaredIndexStatisticsDdl(name: string): string {
  return `ALTER INDEX ${pg.escapeIdentifier(name)} ALTER COLUMN 1 SET STATISTICS ${DECLARED_INDEX_STATISTICS}`;
}

/** `DROP INDEX` of an index of storage_records, by name. */
export function dropIndexDdl(name: string): string {
  return `DROP INDEX ${pg.escapeIdentifier(name)}`;
}
