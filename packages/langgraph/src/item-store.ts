import {
  BaseStore,
  type GetOperation,
  type Item,
  type ListNamespacesOperation,
  type Operation,
  type OperationResults,
  type PutOperation,
  type SearchItem,
  type SearchOperation,
  validateNamespace,
} from '@langchain/langgraph-checkpoint';
import {
  type Filter,
  type RecordInput,
  type StorageBackend,
  StorageError,
  type StoredRecord,
} from '@recordstore/core';
import { compileItemFilter } from './item-filter.js';
import {
  itemRecord,
  itemRecordId,
  itemTtl,
  namespacePath,
  namespacePrefixCondition,
  readItem,
} from './item-records.js';
import { listNamespaces } from './namespace-listing.js';
import { type RecordNames, recordNames } from './record-ids.js';

/** Time to live of items, in minutes, as LangGraph's PostgresStore configures it. */
export interface StoreTtlConfig {
  /** TTL of items put without their own `ttl` (default: none, items never expire). */
  defaultTtl?: number;
  /** Reads (`get`, `search`) restart the TTL of the items they return (default true). */
  refreshOnRead?: boolean;
}

/** Options of {@link RecordStoreStore}. */
export interface RecordStoreStoreOptions {
  /** Names the records: type `<prefix>.store_item`, ids `<prefix>:it:...` (default `langgraph`). */
  prefix?: string;
  /** Item expiry. Expired items read as missing; recordstore's cleanup removes them. */
  ttl?: StoreTtlConfig;
}

/** Options of {@link RecordStoreStore.search} beyond LangGraph's. */
export interface RecordStoreSearchOptions {
  filter?: Record<string, unknown>;
  limit?: number;
  offset?: number;
  /** Accepted for compatibility; this store has no vector index, so results are not ranked by it. */
  query?: string;
  /** Restart the TTL of the returned items (default: the store's `refreshOnRead`). */
  refreshTtl?: boolean;
}

type PutWithTtl = PutOperation & { options?: { ttl?: number | null } };

/** Items read per round trip when a filter is checked in memory. */
const SEARCH_PAGE = 100;

function validTtl(ttl: unknown, path: string): number | null {
  if (ttl === undefined || ttl === null) return null;
  if (typeof ttl !== 'number' || !(ttl > 0) || !Number.isFinite(ttl)) {
    throw new StorageError(
      'validation',
      `RecordStoreStore: ${path} must be a positive number of minutes, got ${String(ttl)}.`,
      { path },
    );
  }
  return ttl;
}

/**
 * LangGraph's long-term memory (`BaseStore`) on any recordstore backend: namespaced items with
 * `put`/`get`/`delete`, `search` by namespace prefix with InMemoryStore's filter semantics (compiled to
 * recordstore filters where they can be, so PostgreSQL serves them from its indexes), `limit`/`offset`,
 * `listNamespaces` with prefix/suffix/`*` conditions and `maxDepth`, and PostgresStore's TTL options.
 * Search results are ordered most recently written first (a read that refreshes an item's TTL counts as
 * a write for this order, though not for the item's `updatedAt`). No vector search: `query` is ignored,
 * as by an InMemoryStore without an index.
 *
 * @example
 * const memories = new RecordStoreStore(store, { ttl: { defaultTtl: 60 * 24 * 30 } });
 * await memories.put(['users', 'u1', 'prefs'], 'theme', { value: 'dark' });
 * await memories.search(['users', 'u1'], { filter: { value: 'dark' } });
 * const graph = workflow.compile({ checkpointer, store: memories });
 */
export class RecordStoreStore extends BaseStore {
  /** The recordstore holding the items. */
  readonly store: StorageBackend;
  readonly #names: RecordNames;
  readonly #defaultTtl: number | null;
  readonly #refreshOnRead: boolean;

  constructor(store: StorageBackend, options: RecordStoreStoreOptions = {}) {
    super();
    this.store = store;
    this.#names = recordNames(options.prefix);
    this.#defaultTtl = validTtl(options.ttl?.defaultTtl, 'ttl.defaultTtl');
    this.#refreshOnRead = options.ttl?.refreshOnRead ?? true;
  }

  /**
   * Runs operations as LangGraph's InMemoryStore does: reads see the state before the batch, then the
   * batch's puts and deletes are applied together (the last one per item wins), all or none.
   */
  async batch<Op extends readonly Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    const results: unknown[] = [];
    const puts = new Map<string, PutWithTtl>();
    for (const op of operations) {
      if ('namespace' in op) validateNamespace(op.namespace, { allowReservedRoot: true });
      if ('namespacePrefix' in op && op.namespacePrefix.length > 0) {
        validateNamespace(op.namespacePrefix, { allowReservedRoot: true });
      }
      if ('value' in op) {
        puts.set(itemRecordId(this.#names, op.namespace, op.key), op);
        results.push(null); // as InMemoryStore answers a put
      } else if ('namespacePrefix' in op) {
        results.push(await this.#search(op));
      } else if ('key' in op) {
        results.push(await this.#get(op));
      } else {
        results.push(await listNamespaces(this.store, this.#names, op as ListNamespacesOperation));
      }
    }
    if (puts.size > 0) await this.#write([...puts.values()]);
    return results as OperationResults<Op>;
  }

  /** Stores an item (replacing its value); `options.ttl` in minutes (null: never expires). */
  override async put(
    namespace: string[],
    key: string,
    value: Record<string, unknown>,
    index?: false | string[],
    options?: { ttl?: number | null },
  ): Promise<void> {
    validateNamespace(namespace);
    const op: PutWithTtl = { namespace, key, value, index };
    if (options !== undefined) op.options = options;
    await this.batch([op]);
  }

  /** Items under a namespace prefix, most recently written first (default limit 10). */
  override async search(
    namespacePrefix: string[],
    options: RecordStoreSearchOptions = {},
  ): Promise<SearchItem[]> {
    validateNamespace(namespacePrefix, { allowEmpty: true, allowReservedRoot: true });
    const { filter, limit = 10, offset = 0, query } = options;
    const op: SearchOperation & { refreshTtl?: boolean } = { namespacePrefix, filter, limit, offset, query };
    if (options.refreshTtl !== undefined) op.refreshTtl = options.refreshTtl;
    const [items] = await this.batch([op]);
    return items ?? [];
  }

  async #get(op: GetOperation): Promise<Item | null> {
    const record = await this.store.load(itemRecordId(this.#names, op.namespace, op.key));
    if (record === null || record.type !== this.#names.itemType) return null;
    const item = readItem(record);
    if (item.key !== op.key || namespacePath(item.namespace) !== namespacePath(op.namespace)) return null;
    if (this.#refreshOnRead) await this.#refresh([record]);
    return item;
  }

  async #search(op: SearchOperation & { refreshTtl?: boolean }): Promise<SearchItem[]> {
    const limit = op.limit ?? 10;
    const offset = op.offset ?? 0;
    const compiled = compileItemFilter(op.filter);
    const base: Filter[] = [{ type: this.#names.itemType }, ...compiled.conditions];
    const within = namespacePrefixCondition(op.namespacePrefix);
    if (within !== undefined) base.push(within);
    let records: StoredRecord[];
    if (compiled.exact) {
      records = await this.store.list({ $and: base }, { orderBy: '-updated_at', limit, offset });
    } else {
      records = await this.#scan(base, (r) => compiled.matches(readItem(r).value), offset + limit);
      records = records.slice(offset);
    }
    if (op.refreshTtl ?? this.#refreshOnRead) await this.#refresh(records);
    return records.map((record) => ({ ...readItem(record), score: undefined }));
  }

  /** The first `wanted` records (most recently written first) that pass `keep`, read page by page. */
  async #scan(base: Filter[], keep: (r: StoredRecord) => boolean, wanted: number): Promise<StoredRecord[]> {
    const out: StoredRecord[] = [];
    let last: StoredRecord | undefined;
    while (out.length < wanted) {
      const after: Filter[] =
        last === undefined
          ? []
          : [
              {
                $or: [
                  { updated_at: { $lt: last.updated_at } },
                  { $and: [{ updated_at: last.updated_at }, { id: { $lt: last.id } }] },
                ],
              },
            ];
      const page = await this.store.list(
        { $and: [...base, ...after] },
        { orderBy: '-updated_at', limit: SEARCH_PAGE },
      );
      for (const record of page) if (out.length < wanted && keep(record)) out.push(record);
      if (page.length < SEARCH_PAGE) break;
      last = page[page.length - 1];
    }
    return out;
  }

  async #write(ops: PutWithTtl[]): Promise<void> {
    const now = Date.now();
    const deletes: string[] = [];
    const saves: RecordInput[] = [];
    for (const op of ops) {
      const id = itemRecordId(this.#names, op.namespace, op.key);
      if (op.value === null) {
        deletes.push(id);
        continue;
      }
      const ttl = op.options?.ttl === undefined ? this.#defaultTtl : validTtl(op.options.ttl, 'options.ttl');
      saves.push(
        itemRecord(this.#names, { namespace: op.namespace, key: op.key, value: op.value }, ttl, now),
      );
    }
    if (deletes.length === 0) {
      await this.store.saveMany(saves);
      return;
    }
    await this.store.transaction(async (tx) => {
      if (saves.length > 0) await tx.saveMany(saves);
      await tx.deleteMany(deletes);
    });
  }

  /** Restarts the TTL of items that have one (an update of `expires_at` only). */
  async #refresh(records: readonly StoredRecord[]): Promise<void> {
    const now = Date.now();
    for (const record of records) {
      const ttl = itemTtl(record);
      if (ttl !== null) await this.store.update(record.id, { expires_at: new Date(now + ttl * 60_000) });
    }
  }
}
