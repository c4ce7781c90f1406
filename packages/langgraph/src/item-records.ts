import type { Item } from '@langchain/langgraph-checkpoint';
import {
  type Filter,
  isPlainObject,
  type RecordInput,
  StorageError,
  type StoredRecord,
} from '@recordstore/core';
import { fitId, type RecordNames } from './record-ids.js';

/**
 * One long-term memory item is one record: the namespace path (labels joined by `:`, which labels may
 * not contain) in the `session_id` column, so exact namespaces and namespace prefixes are btree ranges;
 * the key, the labels and the value in the data; an optional TTL as `expires_at`, so recordstore's
 * expiry hides and removes it.
 */

/** The namespace as one string: labels joined by `:`. */
export function namespacePath(namespace: readonly string[]): string {
  return namespace.join(':');
}

/** The namespace of a path made by {@link namespacePath}. */
export function namespaceOfPath(path: string): string[] {
  return path === '' ? [] : path.split(':');
}

/**
 * The record id of an item: `<prefix>:it:<namespace path>.<key>` (labels contain no `.`, so the first
 * `.` ends the namespace), or a digest of both when that is longer than recordstore's 255 characters.
 */
export function itemRecordId(names: RecordNames, namespace: readonly string[], key: string): string {
  return fitId(`${names.prefix}:it:`, `${namespacePath(namespace)}.${key}`);
}

/** The condition selecting a namespace and everything under it (nothing for the empty prefix). */
export function namespacePrefixCondition(prefix: readonly string[]): Filter | undefined {
  if (prefix.length === 0) return undefined;
  const path = namespacePath(prefix);
  return { $or: [{ session_id: path }, { session_id: { $gte: `${path}:`, $lt: `${path};` } }] };
}

/** The record of a put. `ttlMinutes` null: the item never expires. */
export function itemRecord(
  names: RecordNames,
  item: { namespace: string[]; key: string; value: Record<string, unknown> },
  ttlMinutes: number | null,
  now: number,
): RecordInput {
  const record: RecordInput = {
    id: itemRecordId(names, item.namespace, item.key),
    type: names.itemType,
    session_id: namespacePath(item.namespace),
    // Kept by recordstore when the item already exists (an update keeps its first createdAt).
    created_at: now,
    expires_at: ttlMinutes === null ? null : new Date(now + ttlMinutes * 60_000),
    namespace: item.namespace,
    key: item.key,
    value: item.value,
    // The item's own updatedAt: the record's updated_at also moves when a read refreshes the TTL.
    written_at: now,
  };
  if (ttlMinutes !== null) record.ttl_minutes = ttlMinutes;
  return record;
}

function malformed(record: StoredRecord): StorageError {
  return new StorageError(
    'internal',
    `@recordstore/langgraph: record ${record.id} is not a store item written by this package (or was edited). Delete it or use another prefix.`,
  );
}

/** An item as LangGraph returns it. @throws StorageError(internal) on a record of another shape. */
export function readItem(record: StoredRecord): Item {
  const { namespace, key, value, written_at: writtenAt } = record;
  if (
    !Array.isArray(namespace) ||
    !namespace.every((label) => typeof label === 'string') ||
    typeof key !== 'string' ||
    !isPlainObject(value)
  ) {
    throw malformed(record);
  }
  return {
    namespace: namespace as string[],
    key,
    value,
    createdAt: record.created_at,
    updatedAt: typeof writtenAt === 'number' ? new Date(writtenAt) : record.updated_at,
  };
}

/** The TTL (minutes) an item was written with, or null. */
export function itemTtl(record: StoredRecord): number | null {
  return typeof record.ttl_minutes === 'number' ? record.ttl_minutes : null;
}
