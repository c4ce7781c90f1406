import { declaredIndexTarget, deriveDeclaredIndexName, StorageError } from '@recordstore/core';
import { z } from 'zod';

/**
 * The index settings of the config: `index_type`, `auto_create_indexes` and declared `indexes:` (their
 * schema, their names, and the combinations PostgreSQL could build and the backend could use). Imports
 * nothing of this package, so `postgres-config.ts` can use it without an import cycle.
 *
 * A declared index is a btree on `(expression, created_at)` whose expression is exactly what the filter
 * compiler emits for a range on that path (see declared-index-ddl.ts).
 */

/** The access methods `index_type` and `indexes[].method` accept. */
export const INDEX_METHODS = ['btree', 'gin', 'gist', 'hash'] as const;
/** One of {@link INDEX_METHODS}. */
export type IndexMethod = (typeof INDEX_METHODS)[number];

/** What a declared path holds. */
export const DECLARED_INDEX_TYPES = ['text', 'numeric'] as const;

const lowerCase = (v: unknown) => (typeof v === 'string' ? v.trim().toLowerCase() : v);

const pathSchema = z.union([
  z
    .string()
    .min(1)
    .transform((s) => s.split('.')),
  z.array(z.string().min(1)).min(1),
]);

/** One entry of `indexes:` in the config. */
export const declaredIndexSchema = z
  .object({
    /** A data path as filters write it (`user.id`), or `metadata.<key>`; or the segments as a list. */
    path: pathSchema,
    /** What the path holds: `text` (string ranges, LIKE prefixes) or `numeric` (number ranges). */
    type: z.preprocess(
      lowerCase,
      z.enum(DECLARED_INDEX_TYPES, {
        error: (issue) => `indexes[].type must be text or numeric, got ${JSON.stringify(issue.input)}.`,
      }),
    ),
    /** Access method; defaults to `index_type`. Only btree can serve these filters (see validation). */
    method: z
      .preprocess(
        lowerCase,
        z.enum(INDEX_METHODS, {
          error: (issue) =>
            `indexes[].method must be one of ${INDEX_METHODS.join(', ')}, got ${JSON.stringify(issue.input)}.`,
        }),
      )
      .optional(),
    /** Index name (an identifier of at most 63 characters); derived from the path when omitted. */
    name: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, {
        error: 'indexes[].name must be an identifier (letters, digits, _; at most 63).',
      })
      .optional(),
  })
  .strict();

/** A declared index as written in the config. */
export type DeclaredIndexInput = z.input<typeof declaredIndexSchema>;
/** A declared index, parsed. */
export type DeclaredIndex = z.infer<typeof declaredIndexSchema>;

/** The subset of the backend config index management reads. */
export interface IndexConfig {
  auto_create_indexes: boolean;
  index_type: IndexMethod;
  indexes: readonly DeclaredIndex[];
}

/** The json root and path within it of a declared index (`metadata.x` -> metadata, [x]). */
export { declaredIndexTarget };

/** The index name of a declared index: its `name`, or one derived from root, path and type (<= 63). */
export function declaredIndexName(decl: DeclaredIndex): string {
  return deriveDeclaredIndexName('storage_records', decl);
}

/** Columns with their own (column, created_at) index: not data paths. */
const RESERVED = new Set(['id', 'type', 'session_id', 'thread_id', 'created_at', 'updated_at', 'expires_at']);

function unsupported(path: string, message: string): StorageError {
  return new StorageError('unsupported', `postgresql: ${path}: ${message}`, {
    path: `config.${path}`,
    backend: 'postgresql',
  });
}

function configError(index: number, key: string, message: string): StorageError {
  return new StorageError('config', `postgresql: ${message}`, {
    path: `config.indexes[${index}]${key}`,
    backend: 'postgresql',
  });
}

/** Why PostgreSQL cannot build, or the filter compiler cannot use, `method` for a declared index. */
function methodProblem(method: IndexMethod, type: DeclaredIndex['type']): string | null {
  switch (method) {
    case 'btree':
      return null;
    case 'hash':
      return (
        'a hash index serves only "=" on a single column: it cannot include created_at and can never ' +
        `serve the range filters ${type === 'numeric' ? '($gt, $lt, ...) numeric paths are declared for' : '($gt, $lt, LIKE prefixes) text paths are declared for'}` +
        ', and equality on data paths is already served by the GIN index on data. Use btree.'
      );
    case 'gin':
      return (
        'GIN has no operator class for scalar text or jsonb-scalar range comparisons (btree_gin would be ' +
        'needed, and still serves no ranges); equality on every data path is already served by the GIN ' +
        '(jsonb_path_ops) index on data. Use btree.'
      );
    case 'gist':
      return (
        'PostgreSQL has no GiST operator class for jsonb or text without the btree_gist extension, and a ' +
        'GiST index would serve these range filters worse than a btree. Use btree.'
      );
  }
}

/**
 * Refuses index settings PostgreSQL cannot build or the backend could never use, naming the key.
 * @throws StorageError(unsupported | config)
 */
export function validateIndexConfig(config: IndexConfig): void {
  if (config.index_type !== 'btree' && config.indexes.length === 0) {
    throw unsupported(
      'index_type',
      `${JSON.stringify(config.index_type)} has nothing to apply to: index_type is the default access ` +
        'method of the indexes you declare under `indexes:`; the built-in indexes are fixed by the ' +
        'migrations (btree (column, created_at) indexes and a GIN jsonb_path_ops index on data). ' +
        'Remove index_type or set it to btree.',
    );
  }
  const names = new Set<string>();
  config.indexes.forEach((decl, i) => {
    const method = decl.method ?? config.index_type;
    const key = decl.method === undefined ? 'index_type' : `indexes[${i}].method`;
    const problem = methodProblem(method, decl.type);
    if (problem !== null) {
      throw unsupported(key, `${method} for ${decl.type} path ${decl.path.join('.')}: ${problem}`);
    }
    if (decl.path.length === 1 && RESERVED.has(decl.path[0]!)) {
      throw configError(
        i,
        '.path',
        `indexes[${i}].path ${decl.path[0]} is a column with its own (column, created_at) index; declare data paths (e.g. user.id) or metadata.<key>.`,
      );
    }
    if (decl.path[0] === 'metadata' && decl.path.length === 1) {
      throw configError(
        i,
        '.path',
        `indexes[${i}].path must name a field inside metadata (metadata.<key>), not metadata itself.`,
      );
    }
    const name = declaredIndexName(decl);
    if (names.has(name)) {
      throw configError(i, '', `indexes[${i}] declares the index ${name} twice; remove the duplicate.`);
    }
    names.add(name);
  });
}
