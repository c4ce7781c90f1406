import type { RunnableConfig } from '@langchain/core/runnables';
import {
  BaseCheckpointSaver,
  type ChannelVersions,
  type Checkpoint,
  type CheckpointListOptions,
  type CheckpointMetadata,
  type CheckpointTuple,
  getCheckpointId,
  type PendingWrite,
  type SerializerProtocol,
  WRITES_IDX_MAP,
} from '@langchain/langgraph-checkpoint';
import { type Filter, type StorageBackend, StorageError, type StoredRecord } from '@recordstore/core';
import { CheckpointReader, configOf } from './checkpoint-reader.js';
import { blobRecord, checkpointRecord, writeRecord } from './checkpoint-records.js';
import { compileMetadataFilter, filterableMetadata } from './metadata-filter.js';
import {
  checkpointRecordId,
  checkpointScopePrefix,
  idPrefixRange,
  type RecordNames,
  recordNames,
  type ThreadScope,
} from './record-ids.js';
import { configurableOf, namespaceOf, scopeOf, threadIdOf } from './saver-config.js';
import { serializeValue } from './serde-values.js';

/** Options of {@link RecordStoreSaver}. */
export interface RecordStoreSaverOptions {
  /** The serializer of checkpoints, metadata and values (default: LangGraph's JsonPlusSerializer). */
  serde?: SerializerProtocol;
  /**
   * Names the records this saver writes: types `<prefix>.checkpoint`, `<prefix>.checkpoint_blob`,
   * `<prefix>.checkpoint_write` and ids `<prefix>:cp:...` (default `langgraph`). Two savers with
   * different prefixes share a store without seeing each other's threads.
   */
  prefix?: string;
}

/** Checkpoints read per round trip by `list` when the filter cannot be applied in full by the database. */
const LIST_PAGE = 100;

/**
 * A LangGraph checkpoint saver on any recordstore backend (memory, SQLite, PostgreSQL, a third-party
 * one). Modelled on PostgresSaver: each checkpoint is a record that references its channel values by
 * version; each channel value is a record stored once per (thread, namespace, channel, version), so a
 * long thread grows by what changed in each step; each pending write is a record. All of them carry the
 * thread in the `thread_id` column, and the checkpoint metadata in the `metadata` column, where
 * `list({ filter })` conditions apply.
 *
 * The store's lifecycle stays with the caller: connect it before use, close it after.
 *
 * @example
 * const store = await createStorage({ class: 'sqlite', config: { path: './data/agent.db' } });
 * const checkpointer = new RecordStoreSaver(store);
 * const graph = workflow.compile({ checkpointer });
 * await graph.invoke(input, { configurable: { thread_id: 'thread-1' } });
 */
export class RecordStoreSaver extends BaseCheckpointSaver {
  /** The recordstore this saver writes to. */
  readonly store: StorageBackend;
  readonly #names: RecordNames;
  readonly #reader: CheckpointReader;

  constructor(store: StorageBackend, options: RecordStoreSaverOptions = {}) {
    super(options.serde);
    this.store = store;
    this.#names = recordNames(options.prefix);
    this.#reader = new CheckpointReader(store, this.#names, this.serde, () => this.getNextVersion(undefined));
  }

  /** The checkpoint named by `config` (its `checkpoint_id`), or the latest of its thread and namespace. */
  async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    const configurable = config.configurable ?? {};
    if (configurable.thread_id === undefined || configurable.thread_id === null) return undefined;
    const scope = scopeOf(configurable, 'getTuple');
    const checkpointId = getCheckpointId(config);
    let record: StoredRecord | undefined;
    if (checkpointId) {
      const loaded = await this.store.load(checkpointRecordId(this.#names, scope, checkpointId));
      const same =
        loaded !== null &&
        loaded.type === this.#names.checkpointType &&
        loaded.thread_id === scope.threadId &&
        loaded.checkpoint_ns === scope.checkpointNs &&
        loaded.checkpoint_id === checkpointId;
      record = same ? loaded : undefined;
    } else {
      [record] = await this.store.list(
        { $and: [{ type: this.#names.checkpointType }, ...this.#scopeConditions(scope)] },
        { orderBy: '-id', limit: 1 },
      );
    }
    if (record === undefined) return undefined;
    const [tuple] = await this.#reader.tuples([record]);
    return tuple;
  }

  /**
   * Checkpoints newest first (by checkpoint id within a thread and namespace), narrowed by the config's
   * `thread_id`, `checkpoint_ns` and `checkpoint_id`, `before` (a checkpoint config) and a metadata
   * `filter` (`{ source: 'loop', step: 3 }`: every key equal).
   */
  async *list(config: RunnableConfig, options: CheckpointListOptions = {}): AsyncGenerator<CheckpointTuple> {
    const { limit, before, filter } = options;
    if (limit !== undefined && limit <= 0) return;
    const configurable = config.configurable ?? {};
    const conditions: Filter[] = [{ type: this.#names.checkpointType }];
    const given = configurable.thread_id;
    const threadId =
      given === undefined || given === null || given === '' ? undefined : threadIdOf(configurable, 'list');
    const ns = configurable.checkpoint_ns;
    if (threadId !== undefined && ns !== undefined && ns !== null) {
      conditions.push(...this.#scopeConditions({ threadId, checkpointNs: namespaceOf(configurable) }));
    } else if (threadId !== undefined) {
      conditions.push({ thread_id: threadId });
    } else if (ns !== undefined && ns !== null) {
      conditions.push({ checkpoint_ns: namespaceOf(configurable) });
    }
    if (configurable.checkpoint_id) conditions.push({ checkpoint_id: String(configurable.checkpoint_id) });
    const beforeId = before?.configurable?.checkpoint_id;
    if (beforeId !== undefined && beforeId !== null)
      conditions.push({ checkpoint_id: { $lt: String(beforeId) } });
    const metadata = compileMetadataFilter(filter);
    conditions.push(...metadata.conditions);
    const pageSize = metadata.exact && limit !== undefined ? limit : LIST_PAGE;
    let remaining = limit ?? Number.POSITIVE_INFINITY;
    let after: string | undefined;
    while (remaining > 0) {
      const page = await this.store.list(
        { $and: after === undefined ? conditions : [...conditions, { id: { $lt: after } }] },
        { orderBy: '-id', limit: pageSize },
      );
      const matching: StoredRecord[] = [];
      for (const record of page) {
        if (matching.length >= remaining) break;
        if (metadata.exact || metadata.matches(await this.#reader.metadata(record))) matching.push(record);
      }
      for (const tuple of await this.#reader.tuples(matching)) {
        remaining -= 1;
        yield tuple;
      }
      if (page.length < pageSize) return;
      after = page[page.length - 1]!.id;
    }
  }

  /**
   * Saves a checkpoint with the channel values that changed (`newVersions`), in one all-or-none write:
   * a value already stored at its version is not stored again.
   */
  async put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    newVersions: ChannelVersions,
  ): Promise<RunnableConfig> {
    const configurable = configurableOf(config, 'put');
    const scope = scopeOf(configurable, 'put');
    const parent = configurable.checkpoint_id;
    const { channel_values: values = {}, ...withoutValues } = checkpoint;
    const [serializedCheckpoint, serializedMetadata, blobs] = await Promise.all([
      serializeValue(this.serde, withoutValues),
      serializeValue(this.serde, metadata),
      Promise.all(
        Object.entries(newVersions).map(async ([channel, version]) =>
          blobRecord(
            this.#names,
            scope,
            channel,
            version,
            channel in values ? await serializeValue(this.serde, values[channel]) : undefined,
          ),
        ),
      ),
    ]);
    const record = checkpointRecord(this.#names, scope, {
      checkpointId: checkpoint.id,
      parentCheckpointId: typeof parent === 'string' && parent !== '' ? parent : undefined,
      checkpoint: serializedCheckpoint,
      metadata: serializedMetadata,
      filterableMetadata: filterableMetadata(metadata),
    });
    // saveMany is all-or-none by contract: the checkpoint is never visible without its values.
    await this.store.saveMany([...blobs, record]);
    return configOf(scope, checkpoint.id);
  }

  /**
   * Stores the writes of a task against a checkpoint. A regular write already stored (same task and
   * index) is kept; the special channels (errors, interrupts, resumes) replace theirs, as in every
   * LangGraph saver.
   */
  async putWrites(
    config: RunnableConfig,
    writes: PendingWrite[],
    taskId: string,
    taskPath = '',
  ): Promise<void> {
    const configurable = configurableOf(config, 'putWrites');
    const scope = scopeOf(configurable, 'putWrites');
    const checkpointId = configurable.checkpoint_id;
    if (typeof checkpointId !== 'string' || checkpointId === '') {
      throw new StorageError(
        'validation',
        'RecordStoreSaver.putWrites: config.configurable.checkpoint_id is missing; pass the config that put() returned.',
        { path: 'config.configurable.checkpoint_id' },
      );
    }
    const records = await Promise.all(
      writes.map(async ([channel, value], i) =>
        writeRecord(this.#names, scope, checkpointId, {
          taskId,
          taskPath,
          idx: WRITES_IDX_MAP[channel] ?? i,
          channel,
          value: await serializeValue(this.serde, value),
        }),
      ),
    );
    const keepFirst = records.filter((r) => (r.idx as number) >= 0).map((r) => r.id as string);
    if (keepFirst.length === 0) {
      await this.store.saveMany(records);
      return;
    }
    await this.store.transaction(async (tx) => {
      const existing = new Set(
        (await tx.list({ id: { $in: keepFirst } }, { orderBy: 'id', limit: keepFirst.length })).map(
          (r) => r.id,
        ),
      );
      const fresh = records.filter((r) => !existing.has(r.id as string));
      if (fresh.length > 0) await tx.saveMany(fresh);
    });
  }

  /** Deletes every checkpoint, channel value and pending write of a thread, in every namespace. */
  async deleteThread(threadId: string): Promise<void> {
    const names = this.#names;
    await this.store.deleteMany({
      thread_id: String(threadId),
      type: { $in: [names.checkpointType, names.blobType, names.writeType] },
    });
  }

  /** The filters that select one (thread, namespace): an id-prefix range the primary key serves. */
  #scopeConditions(scope: ThreadScope): Filter[] {
    return [
      { id: idPrefixRange(checkpointScopePrefix(this.#names, scope)) },
      { thread_id: scope.threadId },
      { checkpoint_ns: scope.checkpointNs },
    ];
  }
}
