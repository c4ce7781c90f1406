import { declaredIndexTarget as coreDeclaredIndexTarget, deriveDeclaredIndexName } from '@recordstore/core';
import type Database from 'better-sqlite3';
import { z } from 'zod';

/**
 * Declared path indexes (`indexes: [{ path, type }]`): expression indexes on one JSON path of `data` (or
 * `metadata.<key>`), so equality and range filters on that path are searched instead of scanned.
 *
 * SQLite uses an expression index only when the query contains the indexed expression itself (same
 * functions, same columns, same literal arguments: a bound parameter never matches). So the expressions
 * are built here once, for both sides: the DDL ({@link declaredIndexDdl}) and the filter compiler, which
 * inlines a declared path as this literal instead of binding it. Each index is on two expressions:
 * - `json_type(doc, '$."user"."id"')`, so the compiler can keep the reference semantics (a string equals
 *   only a JSON string, an array matches by containment) as `type IS 'text' AND value = ?` and
 *   `type IS 'array' AND EXISTS (...)`, two index searches (SQLite's MULTI-INDEX OR);
 * - the value: `json_extract(doc, path)` for `text`, `CAST(json_extract(doc, path) AS REAL)` for
 *   `numeric` (numbers compare as the doubles JavaScript sees, as everywhere in the compiler).
 * `doc` is the compiler's document expression: `COALESCE(data, rs_inflate(data_z))` (compressed rows are
 * indexed too) or `metadata`. `rs_inflate` is deterministic and registered on every connection the
 * package opens; another program writing the table (the sqlite3 shell) must not, as the index needs it.
 */

/** What a declared path holds. */
export const DECLARED_INDEX_TYPES = ['text', 'numeric'] as const;

/** Columns with their own indexes: not JSON paths. */
const RESERVED = new Set(['id', 'type', 'session_id', 'thread_id', 'created_at', 'updated_at', 'expires_at']);
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

const lowerCase = (v: unknown) => (typeof v === 'string' ? v.trim().toLowerCase() : v);

/** A path segment the index expression can quote as a label: no `"`, `\` or control characters. */
function segmentProblem(segment: string): string | null {
  if (segment === '') return 'has an empty segment';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
  if (/["\\\u0000-\u001f]/.test(segment)) {
    return `segment ${JSON.stringify(segment)} contains " or \\ or a control character, which a JSON path label cannot hold`;
  }
  return null;
}

/** One entry of `indexes:` in the SQLite config. */
export const sqliteDeclaredIndexSchema = z
  .object({
    /** A data path as filters write it (`user.id`), or `metadata.<key>`; or its segments as a list. */
    path: z.union([
      z
        .string()
        .min(1, 'indexes[].path must name a field, e.g. user.id.')
        .transform((s) => s.split('.')),
      z.array(z.string()).min(1, 'indexes[].path must name a field, e.g. ["user", "id"].'),
    ]),
    /** What the path holds: `text` (string equality and ranges) or `numeric` (number equality and ranges). */
    type: z.preprocess(
      lowerCase,
      z.enum(DECLARED_INDEX_TYPES, {
        error: (issue) => `indexes[].type must be text or numeric, got ${JSON.stringify(issue.input)}.`,
      }),
    ),
    /** SQLite indexes are B-trees; accepted for configs shared with PostgreSQL, only `btree`. */
    method: z
      .preprocess(
        lowerCase,
        z.literal('btree', {
          error: (issue) =>
            `indexes[].method ${JSON.stringify(issue.input)} is not available on SQLite: its indexes are B-trees. ` +
            'Remove method or set it to btree.',
        }),
      )
      .optional(),
    /** Index name (an identifier); derived from the table, path and type when omitted. */
    name: z
      .string()
      .regex(IDENTIFIER, { error: 'indexes[].name must be an identifier (letters, digits, _; at most 63).' })
      .optional(),
  })
  .strict()
  .superRefine((decl, ctx) => {
    const [first] = decl.path;
    if (decl.path.length === 1 && first !== undefined && RESERVED.has(first)) {
      ctx.addIssue({
        code: 'custom',
        path: ['path'],
        message: `indexes[].path ${first} is a column with its own index; declare a data path (e.g. user.id) or metadata.<key>.`,
      });
    }
    if (first === 'metadata' && decl.path.length === 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['path'],
        message: 'indexes[].path must name a field inside metadata (metadata.<key>), not metadata itself.',
      });
    }
    for (const segment of decl.path) {
      const problem = segmentProblem(segment);
      if (problem !== null) {
        ctx.addIssue({
          code: 'custom',
          path: ['path'],
          message: `indexes[].path ${decl.path.join('.')} ${problem}; filter on it unindexed or rename the key.`,
        });
        return;
      }
    }
  });

/** A declared index as written in the config. */
export type SQLiteDeclaredIndexInput = z.input<typeof sqliteDeclaredIndexSchema>;
/** A declared index, parsed. */
export type SQLiteDeclaredIndex = z.infer<typeof sqliteDeclaredIndexSchema>;

/** The `indexes` key: a list of declarations whose index names are distinct. */
export const sqliteDeclaredIndexesSchema = z.array(sqliteDeclaredIndexSchema).superRefine((list, ctx) => {
  const seen = new Map<string, number>();
  list.forEach((decl, i) => {
    const key = decl.name ?? JSON.stringify([declaredIndexTarget(decl), decl.type]);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [i],
        message: `indexes[${i}] declares the same index as indexes[${earlier}]; remove the duplicate.`,
      });
    }
    seen.set(key, i);
  });
});

/** A declared path as the filter compiler sees it: JSON root, segments within it, what it holds. */
export interface DeclaredPath {
  root: 'data' | 'metadata';
  path: readonly string[];
  type: (typeof DECLARED_INDEX_TYPES)[number];
}

/** The JSON root and the path within it (`metadata.x` -> metadata, [x]). */
export function declaredIndexTarget(decl: Pick<SQLiteDeclaredIndex, 'path'>): Omit<DeclaredPath, 'type'> {
  return coreDeclaredIndexTarget(decl);
}

/** The index name: `name`, or `<table>_<d|m>_<path slug>_<hash>_idx` (hash of root, path and type). */
export function declaredIndexName(tableName: string, decl: SQLiteDeclaredIndex): string {
  return deriveDeclaredIndexName(tableName, decl);
}

/**
 * The JSON document a path is read from. `alias` is the table alias of the compiler's statements (`r`),
 * or '' in the DDL, which names the table's own columns.
 */
export function documentExpression(root: DeclaredPath['root'], alias: string): string {
  const c = alias === '' ? '' : `${alias}.`;
  return root === 'data' ? `COALESCE(${c}data, rs_inflate(${c}data_z))` : `${c}metadata`;
}

/** A JSON path as a SQL string literal of quoted labels: `'$."user"."id"'` (segments validated). */
export function pathLiteral(path: readonly string[]): string {
  return `'${`$${path.map((s) => `."${s}"`).join('')}`.replaceAll("'", "''")}'`;
}

/** The two indexed expressions of a declared path: its JSON type and its value (REAL for numeric). */
export function declaredExpressions(decl: DeclaredPath, alias: string): { type: string; value: string } {
  const doc = documentExpression(decl.root, alias);
  const literal = pathLiteral(decl.path);
  const extracted = `json_extract(${doc}, ${literal})`;
  return {
    type: `json_type(${doc}, ${literal})`,
    value: decl.type === 'numeric' ? `CAST(${extracted} AS REAL)` : extracted,
  };
}

/** The declared paths of a config, as the filter compiler looks them up. */
export function declaredPaths(indexes: readonly SQLiteDeclaredIndex[]): DeclaredPath[] {
  return indexes.map((decl) => ({ ...declaredIndexTarget(decl), type: decl.type }));
}

/** `CREATE INDEX IF NOT EXISTS` of one declared index on the quoted records table. */
export function declaredIndexDdl(tableName: string, decl: SQLiteDeclaredIndex): string {
  const { type, value } = declaredExpressions({ ...declaredIndexTarget(decl), type: decl.type }, '');
  return `CREATE INDEX IF NOT EXISTS "${declaredIndexName(tableName, decl)}" ON "${tableName}" (${type}, ${value})`;
}

/** The declared indexes the database lacks (by name), for the migrator to create. */
export function missingDeclaredIndexes(
  db: Database.Database,
  tableName: string,
  indexes: readonly SQLiteDeclaredIndex[],
): SQLiteDeclaredIndex[] {
  if (indexes.length === 0) return [];
  const exists = db.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?`);
  return indexes.filter((decl) => exists.get(declaredIndexName(tableName, decl)) === undefined);
}
