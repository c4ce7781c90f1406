import { createHash } from 'node:crypto';

/** What every backend's `indexes: [{ path, type, name? }]` entry has in common. */
export interface DeclaredIndexShape {
  /** Segments of the path; a first segment `metadata` (with more after it) targets the metadata object. */
  readonly path: readonly string[];
  /** The backend's value type for the index (`text`, `numeric`, ...). */
  readonly type: string;
  /** An explicit index name, used as is. */
  readonly name?: string | undefined;
}

/** The JSON root and the path within it of a declared index. */
export interface DeclaredIndexTarget {
  root: 'data' | 'metadata';
  path: string[];
}

/**
 * The JSON root and path of a declared index: `metadata.x` is `x` of the metadata object, anything else a
 * path into `data` (so a data field named `metadata` is reachable as the single segment `metadata`).
 */
export function declaredIndexTarget(decl: Pick<DeclaredIndexShape, 'path'>): DeclaredIndexTarget {
  return decl.path[0] === 'metadata' && decl.path.length > 1
    ? { root: 'metadata', path: decl.path.slice(1) }
    : { root: 'data', path: [...decl.path] };
}

/**
 * The index name of a declaration: its `name`, else `<prefix>_<d|m>_<path slug>_<hash>_idx`, where the
 * hash covers root, path and type so two declarations never share a derived name. Backends use the same
 * derivation, so a store copied between engines names its indexes alike.
 *
 * @example declaredIndexName('storage_records', { path: ['user_id'], type: 'text' })
 *   // 'storage_records_d_user_id_<8 hex>_idx'
 */
export function declaredIndexName(prefix: string, decl: DeclaredIndexShape): string {
  if (decl.name !== undefined) return decl.name;
  const { root, path } = declaredIndexTarget(decl);
  const digest = createHash('sha1')
    .update(JSON.stringify([root, path, decl.type]))
    .digest('hex')
    .slice(0, 8);
  const slug = path
    .join('_')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .slice(0, 28);
  return `${prefix}_${root === 'data' ? 'd' : 'm'}_${slug}_${digest}_idx`;
}
