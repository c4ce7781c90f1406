import { decompressJson, likeMatches } from '@recordstore/core';
import type Database from 'better-sqlite3';

/**
 * Registers the SQL functions compiled filters call on a connection: `rs_inflate(data_z)` (the JSON text
 * of a gzip-compressed document) and `rs_like(value, pattern, caseInsensitive)` (core's LIKE semantics,
 * which SQLite's own LIKE does not have: it folds case by default and escapes differently).
 */
export function registerSQLiteFunctions(db: Database.Database): void {
  // A filter may read a compressed document several times per row (one call per JSON access); keeping the
  // last one avoids inflating it again. Compressed blobs are small, so comparing them is cheap.
  let lastBlob: Buffer | null = null;
  let lastJson = '';
  db.function('rs_inflate', { deterministic: true }, (blob: unknown) => {
    if (!Buffer.isBuffer(blob)) return null;
    if (lastBlob?.equals(blob)) return lastJson;
    lastJson = decompressJson(blob);
    lastBlob = Buffer.from(blob);
    return lastJson;
  });
  db.function('rs_like', { deterministic: true }, (value: unknown, pattern: unknown, ci: unknown) =>
    typeof value === 'string' && typeof pattern === 'string' && likeMatches(value, pattern, ci === 1) ? 1 : 0,
  );
}
