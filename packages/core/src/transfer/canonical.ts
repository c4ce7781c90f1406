import { createHash } from 'node:crypto';

/**
 * Serializes a value as canonical JSON: object keys sorted by code unit, `Date` as its ISO-8601 string,
 * no whitespace. Two records with the same content give the same text whatever the key order a database
 * returned (PostgreSQL's jsonb reorders keys; SQLite keeps them).
 */
export function canonicalJson(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
}

/** SHA-256 (hex) of a record's canonical JSON: what `verify` compares between two stores. */
export function recordChecksum(record: object): string {
  return createHash('sha256').update(canonicalJson(record)).digest('hex');
}
