import {
  type ChannelVersions,
  type Checkpoint,
  type CheckpointMetadata,
  type CheckpointPendingWrite,
  type CheckpointTuple,
  compareWritesSortKeys,
  maxChannelVersion,
  type SerializerProtocol,
  TASKS,
  writesSortKey,
} from '@langchain/langgraph-checkpoint';
import type { Filter, StorageOperations, StoredRecord } from '@recordstore/core';
import {
  type BlobRow,
  type CheckpointRow,
  readBlobRow,
  readCheckpointRow,
  readWriteRow,
  type WriteRow,
} from './checkpoint-records.js';
import {
  blobRecordId,
  idPrefixRange,
  type RecordNames,
  type ThreadScope,
  writeScopePrefix,
} from './record-ids.js';
import { deserializeValue } from './serde-values.js';

/** Most ids in one `$in` or ranges in one `$or`: well under the filter language's limits. */
const LOOKUP_CHUNK = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += LOOKUP_CHUNK) out.push(items.slice(i, i + LOOKUP_CHUNK));
  return out;
}

/** The pending writes of one checkpoint, in `writesSortKey` order (as LangGraph requires of savers). */
function sortWrites(writes: WriteRow[]): WriteRow[] {
  return writes
    .map((w) => ({ w, key: writesSortKey(w.taskPath, w.taskId, w.idx) }))
    .sort((a, b) => compareWritesSortKeys(a.key, b.key))
    .map(({ w }) => w);
}

type ChannelVersion = ChannelVersions[string];

type CheckpointWithoutValues = Omit<Checkpoint, 'channel_values'> & { channel_values?: unknown };

/**
 * Turns checkpoint records into LangGraph tuples: deserializes the checkpoint, fetches the channel values
 * it references (one `$in` lookup for the whole page, by blob id) and the pending writes of every
 * checkpoint (one `$or` of id-prefix ranges), so a page of checkpoints costs three round trips whatever
 * its size.
 */
export class CheckpointReader {
  constructor(
    private readonly store: StorageOperations,
    private readonly names: RecordNames,
    private readonly serde: SerializerProtocol,
    /** The saver's first channel version (`getNextVersion(undefined)`), for migrated pending sends. */
    private readonly firstVersion: () => ChannelVersion,
  ) {}

  /** Tuples for checkpoint records, in their order. */
  async tuples(records: readonly StoredRecord[]): Promise<CheckpointTuple[]> {
    if (records.length === 0) return [];
    const rows = records.map(readCheckpointRow);
    const checkpoints = await Promise.all(
      rows.map(
        async (row) => (await deserializeValue(this.serde, row.checkpoint)) as CheckpointWithoutValues,
      ),
    );
    const blobIds = new Set<string>();
    rows.forEach((row, i) => {
      for (const [channel, version] of Object.entries(checkpoints[i]!.channel_versions ?? {})) {
        blobIds.add(blobRecordId(this.names, row, channel, version));
      }
    });
    const [blobs, writes] = await Promise.all([this.blobs([...blobIds]), this.writes(rows)]);
    const sends = await this.pendingSends(rows, checkpoints);
    return Promise.all(
      rows.map((row, i) =>
        this.tuple(row, checkpoints[i]!, blobs, writes.get(row.id) ?? [], sends.get(row.id)),
      ),
    );
  }

  /** One tuple: the stored checkpoint with its values, metadata, parent and pending writes. */
  private async tuple(
    row: CheckpointRow,
    stored: CheckpointWithoutValues,
    blobs: ReadonlyMap<string, BlobRow>,
    writes: readonly WriteRow[],
    pendingSends: unknown[] | undefined,
  ): Promise<CheckpointTuple> {
    const versions = { ...(stored.channel_versions ?? {}) };
    const values: Record<string, unknown> = {};
    for (const [channel, version] of Object.entries(versions)) {
      const blob = blobs.get(blobRecordId(this.names, row, channel, version));
      if (blob?.value !== undefined) values[channel] = await deserializeValue(this.serde, blob.value);
    }
    if (pendingSends !== undefined) {
      values[TASKS] = pendingSends;
      const known = Object.values(stored.channel_versions ?? {});
      versions[TASKS] = known.length > 0 ? maxChannelVersion(...known) : this.firstVersion();
    }
    const checkpoint: Checkpoint = {
      ...stored,
      channel_values: values,
      channel_versions: versions,
      versions_seen: stored.versions_seen ?? {},
    };
    const pendingWrites: CheckpointPendingWrite[] = await Promise.all(
      writes.map(async (w) => [w.taskId, w.channel, await deserializeValue(this.serde, w.value)] as const),
    );
    const tuple: CheckpointTuple = {
      config: configOf(row, row.checkpointId),
      checkpoint,
      metadata: (await deserializeValue(this.serde, row.metadata)) as CheckpointMetadata,
      pendingWrites,
    };
    if (row.parentCheckpointId !== undefined) tuple.parentConfig = configOf(row, row.parentCheckpointId);
    return tuple;
  }

  /** The deserialized metadata of a checkpoint record (for filters the database could not apply). */
  metadata(record: StoredRecord): Promise<unknown> {
    return deserializeValue(this.serde, readCheckpointRow(record).metadata);
  }

  private async blobs(ids: string[]): Promise<Map<string, BlobRow>> {
    const found = new Map<string, BlobRow>();
    for (const chunk of chunks(ids)) {
      // By id: the primary key lookups already come in that order, so the database sorts nothing.
      const records = await this.store.list(
        { type: this.names.blobType, id: { $in: chunk } },
        { orderBy: 'id', limit: chunk.length },
      );
      for (const record of records) found.set(record.id, readBlobRow(record));
    }
    return found;
  }

  /** Pending writes by checkpoint record id, each list sorted. */
  private async writes(rows: readonly CheckpointRow[]): Promise<Map<string, WriteRow[]>> {
    const byPrefix = new Map<string, string>();
    for (const row of rows) byPrefix.set(writeScopePrefix(this.names, row, row.checkpointId), row.id);
    const grouped = new Map<string, WriteRow[]>();
    for (const records of await this.writeRecords([...byPrefix.keys()])) {
      const prefix = records.id.slice(0, records.id.lastIndexOf(':') + 1);
      const owner = byPrefix.get(prefix);
      if (owner === undefined) continue;
      const list = grouped.get(owner) ?? [];
      list.push(readWriteRow(records));
      grouped.set(owner, list);
    }
    for (const [owner, list] of grouped) grouped.set(owner, sortWrites(list));
    return grouped;
  }

  private async writeRecords(prefixes: string[], extra: Filter = {}): Promise<StoredRecord[]> {
    const out: StoredRecord[] = [];
    for (const chunk of chunks(prefixes)) {
      const ranges = chunk.map((prefix) => ({ id: idPrefixRange(prefix) }));
      const filter = { type: this.names.writeType, ...extra, $or: ranges };
      out.push(...(await this.store.list(filter, { orderBy: 'id' })));
    }
    return out;
  }

  /**
   * Checkpoints of format v < 4 kept pending sends as TASKS writes on their parent: they are read from
   * there into `channel_values[TASKS]`, as every LangGraph saver migrates them. Keyed by record id.
   */
  private async pendingSends(
    rows: readonly CheckpointRow[],
    checkpoints: readonly CheckpointWithoutValues[],
  ): Promise<Map<string, unknown[]>> {
    const parents = new Map<string, CheckpointRow[]>();
    rows.forEach((row, i) => {
      if (checkpoints[i]!.v >= 4 || row.parentCheckpointId === undefined) return;
      const prefix = writeScopePrefix(this.names, row, row.parentCheckpointId);
      parents.set(prefix, [...(parents.get(prefix) ?? []), row]);
    });
    const out = new Map<string, unknown[]>();
    if (parents.size === 0) return out;
    const byPrefix = new Map<string, WriteRow[]>();
    for (const record of await this.writeRecords([...parents.keys()], { channel: TASKS })) {
      const prefix = record.id.slice(0, record.id.lastIndexOf(':') + 1);
      byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), readWriteRow(record)]);
    }
    for (const [prefix, writes] of byPrefix) {
      const values = await Promise.all(sortWrites(writes).map((w) => deserializeValue(this.serde, w.value)));
      for (const row of parents.get(prefix) ?? []) out.set(row.id, values);
    }
    return out;
  }
}

/** The RunnableConfig naming one checkpoint of a scope. */
export function configOf(scope: ThreadScope, checkpointId: string) {
  return {
    configurable: {
      thread_id: scope.threadId,
      checkpoint_ns: scope.checkpointNs,
      checkpoint_id: checkpointId,
    },
  };
}
