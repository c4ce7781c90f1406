import { createHash } from 'node:crypto';
import { MAX_ID_LENGTH, StorageError } from '@recordstore/core';

/** Default prefix of the record types (`langgraph.checkpoint`) and ids (`langgraph:cp:...`) written here. */
export const DEFAULT_PREFIX = 'langgraph';

const PREFIX_PATTERN = /^[A-Za-z0-9_-]{1,40}$/;

/** The record types and id prefixes one saver or store instance writes, derived from its prefix. */
export interface RecordNames {
  prefix: string;
  /** One record per checkpoint (metadata in the `metadata` column, the channel values as references). */
  checkpointType: string;
  /** One record per (thread, namespace, channel, version): a channel value stored once. */
  blobType: string;
  /** One record per pending write (thread, namespace, checkpoint, task, index). */
  writeType: string;
  /** One record per long-term memory item (namespace, key). */
  itemType: string;
}

/**
 * Validates the prefix option and derives the record names. A prefix keeps several savers or stores
 * apart in one recordstore (and apart from the application's own records).
 * @throws StorageError(validation) when the prefix is not 1 to 40 letters, digits, `_` or `-`.
 */
export function recordNames(prefix: string = DEFAULT_PREFIX): RecordNames {
  if (typeof prefix !== 'string' || !PREFIX_PATTERN.test(prefix)) {
    throw new StorageError(
      'validation',
      `@recordstore/langgraph: prefix must be 1 to 40 letters, digits, "_" or "-", got ${JSON.stringify(prefix)}.`,
      { path: 'prefix' },
    );
  }
  return {
    prefix,
    checkpointType: `${prefix}.checkpoint`,
    blobType: `${prefix}.checkpoint_blob`,
    writeType: `${prefix}.checkpoint_write`,
    itemType: `${prefix}.store_item`,
  };
}

/**
 * A 128-bit hex digest of several strings. The parts are JSON-encoded together, so no choice of
 * separator inside a part can make two different tuples collide.
 */
export function digest(...parts: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

/**
 * `head + tail` when it fits recordstore's id limit, else `head + '#' + digest(tail)`. The readable form
 * keeps id order equal to `tail` order; the digest form (only for tails of 200+ characters) does not.
 */
export function fitId(head: string, tail: string): string {
  const id = head + tail;
  return id.length <= MAX_ID_LENGTH ? id : `${head}#${digest(tail)}`;
}

/**
 * The id range holding every id that starts with `prefix` (which must end with `:`): ids compare by code
 * point on every backend, and `;` is the character after `:`, so this is an exact prefix scan that the
 * primary key index serves.
 */
export function idPrefixRange(prefix: string): { $gte: string; $lt: string } {
  return { $gte: prefix, $lt: `${prefix.slice(0, -1)};` };
}

/** Where one thread's namespace lives: the scope shared by its checkpoints, blobs and writes. */
export interface ThreadScope {
  threadId: string;
  checkpointNs: string;
}

/** `prefix:cp:<scope digest>:` — every checkpoint of one (thread, namespace), ordered by checkpoint id. */
export function checkpointScopePrefix(names: RecordNames, scope: ThreadScope): string {
  return `${names.prefix}:cp:${digest(scope.threadId, scope.checkpointNs)}:`;
}

/** The record id of one checkpoint. */
export function checkpointRecordId(names: RecordNames, scope: ThreadScope, checkpointId: string): string {
  return fitId(checkpointScopePrefix(names, scope), checkpointId);
}

/** The record id of one channel value: one per (thread, namespace, channel, version). */
export function blobRecordId(
  names: RecordNames,
  scope: ThreadScope,
  channel: string,
  version: string | number,
): string {
  return `${names.prefix}:cb:${digest(scope.threadId, scope.checkpointNs)}:${digest(channel, String(version))}`;
}

/** `prefix:cw:<digest>:` — every pending write of one checkpoint. */
export function writeScopePrefix(names: RecordNames, scope: ThreadScope, checkpointId: string): string {
  return `${names.prefix}:cw:${digest(scope.threadId, scope.checkpointNs, checkpointId)}:`;
}

/** The record id of one pending write. */
export function writeRecordId(
  names: RecordNames,
  scope: ThreadScope,
  checkpointId: string,
  taskId: string,
  idx: number,
): string {
  return `${writeScopePrefix(names, scope, checkpointId)}${digest(taskId, String(idx))}`;
}
