import { isExpired, type JsonObject, type RecordRow, type WriteRow } from '@recordstore/core';

/**
 * How a row is stored: one JSON text per id (the id is the key). The record's data and metadata arrive
 * from the runtime already serialised (`dataJson`, `metadataJson`) and are spliced in as they are, so a
 * write never stringifies a record twice.
 */
export function encodeRow(row: WriteRow, createdAt: number): string {
  const columns = [row.type, row.session_id, row.thread_id, createdAt, row.updated_at, row.expires_at];
  return `{"c":${JSON.stringify(columns)},"d":${row.dataJson},"m":${row.metadataJson ?? 'null'}}`;
}

type Columns = [string | null, string | null, string | null, number, number, number | null];

/** The row stored under `id` (a fresh object on every read: callers never share state with the store). */
export function decodeRow(id: string, text: string): RecordRow {
  const { c, d, m } = JSON.parse(text) as { c: Columns; d: JsonObject; m: JsonObject | null };
  const [type, session_id, thread_id, created_at, updated_at, expires_at] = c;
  return { id, type, session_id, thread_id, created_at, updated_at, expires_at, data: d, metadata: m };
}

/** The `created_at` an upsert keeps: the stored row's, when asked to and that row is still live at `now`. */
export function keptCreatedAt(
  stored: string | undefined,
  row: WriteRow,
  options: { keepCreatedAt: boolean; now: number },
): number {
  if (stored === undefined || !options.keepCreatedAt) return row.created_at;
  const previous = decodeRow(row.id, stored);
  return isExpired(previous, options.now) ? row.created_at : previous.created_at;
}
