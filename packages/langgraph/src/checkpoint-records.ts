import type { JsonObject, RecordInput, StoredRecord } from '@recordstore/core';
import { StorageError } from '@recordstore/core';
import {
  blobRecordId,
  checkpointRecordId,
  type RecordNames,
  type ThreadScope,
  writeRecordId,
} from './record-ids.js';
import { readSerialized, type SerializedValue } from './serde-values.js';

/**
 * The three record shapes of the checkpoint saver, modelled on PostgresSaver's three tables. Every
 * record carries the thread in the `thread_id` column (so listing and deleting a thread use its index)
 * and never expires (`expires_at: null`, also under a store-wide default TTL): a checkpoint refers to
 * blobs written many steps earlier, so they must live exactly as long as the thread.
 */

/** A checkpoint record read back. */
export interface CheckpointRow {
  id: string;
  threadId: string;
  checkpointNs: string;
  checkpointId: string;
  parentCheckpointId: string | undefined;
  /** The checkpoint without `channel_values` (they live in blob records). */
  checkpoint: SerializedValue;
  metadata: SerializedValue;
}

/** A pending write record read back. */
export interface WriteRow {
  taskId: string;
  taskPath: string;
  idx: number;
  channel: string;
  value: SerializedValue;
}

/** A blob record read back: `value` undefined for a channel that was empty at that version. */
export interface BlobRow {
  channel: string;
  value: SerializedValue | undefined;
}

/** The checkpoint record of `put`. */
export function checkpointRecord(
  names: RecordNames,
  scope: ThreadScope,
  fields: {
    checkpointId: string;
    parentCheckpointId: string | undefined;
    checkpoint: SerializedValue;
    metadata: SerializedValue;
    filterableMetadata: JsonObject | null;
  },
): RecordInput {
  return {
    id: checkpointRecordId(names, scope, fields.checkpointId),
    type: names.checkpointType,
    thread_id: scope.threadId,
    metadata: fields.filterableMetadata,
    expires_at: null,
    checkpoint_ns: scope.checkpointNs,
    checkpoint_id: fields.checkpointId,
    parent_checkpoint_id: fields.parentCheckpointId ?? null,
    serialized_checkpoint: fields.checkpoint,
    serialized_metadata: fields.metadata,
  };
}

/** The record holding one channel's value at one version (`value` undefined: the channel is empty). */
export function blobRecord(
  names: RecordNames,
  scope: ThreadScope,
  channel: string,
  version: string | number,
  value: SerializedValue | undefined,
): RecordInput {
  return {
    id: blobRecordId(names, scope, channel, version),
    type: names.blobType,
    thread_id: scope.threadId,
    expires_at: null,
    checkpoint_ns: scope.checkpointNs,
    channel,
    version: String(version),
    serialized_value: value ?? null,
  };
}

/** The record of one pending write. */
export function writeRecord(
  names: RecordNames,
  scope: ThreadScope,
  checkpointId: string,
  write: WriteRow,
): RecordInput {
  return {
    id: writeRecordId(names, scope, checkpointId, write.taskId, write.idx),
    type: names.writeType,
    thread_id: scope.threadId,
    expires_at: null,
    checkpoint_ns: scope.checkpointNs,
    checkpoint_id: checkpointId,
    task_id: write.taskId,
    task_path: write.taskPath,
    idx: write.idx,
    channel: write.channel,
    serialized_value: write.value,
  };
}

function malformed(record: StoredRecord, field: string): StorageError {
  return new StorageError(
    'internal',
    `@recordstore/langgraph: record ${record.id} has no valid "${field}"; it was not written by this package (or was edited). Delete it or use another prefix.`,
  );
}

function stringField(record: StoredRecord, field: string): string {
  const value = record[field];
  if (typeof value !== 'string') throw malformed(record, field);
  return value;
}

/** Reads a checkpoint record. @throws StorageError(internal) on a record of another shape. */
export function readCheckpointRow(record: StoredRecord): CheckpointRow {
  const parent = record.parent_checkpoint_id;
  if (parent !== null && parent !== undefined && typeof parent !== 'string') {
    throw malformed(record, 'parent_checkpoint_id');
  }
  if (typeof record.thread_id !== 'string') throw malformed(record, 'thread_id');
  return {
    id: record.id,
    threadId: record.thread_id,
    checkpointNs: stringField(record, 'checkpoint_ns'),
    checkpointId: stringField(record, 'checkpoint_id'),
    parentCheckpointId: typeof parent === 'string' ? parent : undefined,
    checkpoint: readSerialized(record.serialized_checkpoint, record.id, 'serialized_checkpoint'),
    metadata: readSerialized(record.serialized_metadata, record.id, 'serialized_metadata'),
  };
}

/** Reads a pending write record. */
export function readWriteRow(record: StoredRecord): WriteRow {
  const idx = record.idx;
  if (typeof idx !== 'number' || !Number.isInteger(idx)) throw malformed(record, 'idx');
  return {
    taskId: stringField(record, 'task_id'),
    taskPath: typeof record.task_path === 'string' ? record.task_path : '',
    idx,
    channel: stringField(record, 'channel'),
    value: readSerialized(record.serialized_value, record.id, 'serialized_value'),
  };
}

/** Reads a blob record. */
export function readBlobRow(record: StoredRecord): BlobRow {
  const value = record.serialized_value;
  return {
    channel: stringField(record, 'channel'),
    value: value === null ? undefined : readSerialized(value, record.id, 'serialized_value'),
  };
}
