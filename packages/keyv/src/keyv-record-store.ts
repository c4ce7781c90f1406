import { EventEmitter } from 'node:events';
import type { Filter, RecordInput, StorageBackend, StoredRecord } from '@recordstore/core';
import type { StoredData } from 'keyv';
import { keyToId, namespaceOfKey } from './keyv-keys.js';
import { LazyStorage, type StorageSource } from './storage-source.js';

/** Record `type` of the adapter's records unless told otherwise. */
export const DEFAULT_RECORD_TYPE = 'keyv';

/** Ids per `$in` list of one getMany / hasMany query. */
const IDS_PER_QUERY = 500;

/**
 * Keyv 5 gives `keyv.iterator()` only to adapters whose `opts.dialect` is on its own list of adapter names
 * (sqlite, postgres, mysql, mongo, redis, valkey, etcd): a name check, not a capability check. recordstore's
 * iterator is a keyset query over the store like @keyv/sqlite's, so the adapter declares that dialect.
 */
const KEYV_ITERABLE_DIALECT = 'sqlite';

/** Options of {@link KeyvRecordStore}. */
export interface KeyvRecordStoreOptions {
  /**
   * The `type` of the records the adapter writes (default `keyv`). `clear()` and `iterator()` touch only
   * records of this type, so a store shared with other records keeps them.
   */
  type?: string;
  /** Records fetched per round trip by `iterator()` (default 100). */
  iterationBatchSize?: number;
}

/** The adapter's `opts`, read by Keyv (`dialect`, `url`) and by Keyv's test suite. */
export interface KeyvRecordStoreOpts {
  dialect: string;
  url: string;
  type: string;
  iterationBatchSize: number;
  [key: string]: unknown;
}

/** One entry of {@link KeyvRecordStore.setMany}, as Keyv passes it (value already serialized). */
export interface KeyvRecordEntry {
  key: string;
  value: unknown;
  /** Time to live in milliseconds; absent or 0 for none. */
  ttl?: number | undefined;
}

/**
 * A Keyv storage adapter over any recordstore backend: memory, SQLite, PostgreSQL or a third-party one.
 * Each key is one record `{ id, type: 'keyv', session_id: <namespace>, key, value, expires_at }`: the id is
 * the key Keyv gives (namespace-prefixed; hashed when it is not a valid id, see `keyToId`), the value the
 * string Keyv serialized, and a TTL becomes `expires_at`, so recordstore's lazy expiry and cleanup remove
 * expired keys. Construct it from a store (the caller keeps owning it) or from a `{ class, config }` spec
 * (created and connected on first use, closed by `disconnect()`). Failed connection attempts are emitted as
 * `error` events, as Keyv's own adapters do, and reject the operation that needed them.
 *
 * @example
 * import Keyv from 'keyv';
 * import { KeyvRecordStore } from '@recordstore/keyv';
 *
 * const keyv = new Keyv({ store: new KeyvRecordStore({ class: 'sqlite', config: { path: './data/cache.db' } }) });
 * await keyv.set('user:1', { name: 'Ada' }, 60_000); // expires in a minute
 */
export class KeyvRecordStore extends EventEmitter {
  /** Read by Keyv: `dialect` enables `keyv.iterator()`. */
  opts: KeyvRecordStoreOpts;
  /** Set by Keyv to its namespace; keys arrive already prefixed with it (`<namespace>:<key>`). */
  namespace: string | undefined;
  readonly #storage: LazyStorage;
  readonly #type: string;

  constructor(source: StorageSource, options: KeyvRecordStoreOptions = {}) {
    super();
    this.#type = options.type ?? DEFAULT_RECORD_TYPE;
    this.opts = {
      dialect: KEYV_ITERABLE_DIALECT,
      url: 'recordstore',
      type: this.#type,
      iterationBatchSize: options.iterationBatchSize ?? 100,
    };
    this.#storage = new LazyStorage(source, (error) => {
      // An EventEmitter throws on an 'error' nobody listens to; the failed operation rejects anyway.
      if (this.listenerCount('error') > 0) this.emit('error', error);
    });
  }

  /** The connected store (connecting on first use): for cleanup, stats or direct queries. */
  store(): Promise<StorageBackend> {
    return this.#storage.get();
  }

  /** The stored (serialized) value of a key, or undefined when it is missing or expired. */
  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    const store = await this.#storage.get();
    const record = await store.load(keyToId(key));
    return record === null ? undefined : (record.value as StoredData<Value>);
  }

  /** The stored values of several keys, in the order asked (undefined for missing or expired ones). */
  async getMany<Value>(keys: string[]): Promise<Array<StoredData<Value | undefined>>> {
    const found = await this.#loadMany(keys);
    return keys.map((key) => found.get(keyToId(key))?.value as StoredData<Value | undefined>);
  }

  /** Stores a value; `ttl` (ms) becomes the record's `expires_at`. Resolves to true. */
  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    const store = await this.#storage.get();
    await store.save(this.#record(key, value, ttl, Date.now()));
    return true;
  }

  /** Stores several values in one `saveMany` (all or none). Resolves to one true per entry. */
  async setMany(entries: KeyvRecordEntry[]): Promise<boolean[]> {
    const store = await this.#storage.get();
    const now = Date.now();
    await store.saveMany(entries.map((entry) => this.#record(entry.key, entry.value, entry.ttl, now)));
    return entries.map(() => true);
  }

  /** Deletes a key; false when there was none. */
  async delete(key: string): Promise<boolean> {
    const store = await this.#storage.get();
    return store.delete(keyToId(key));
  }

  /** Deletes several keys in one `deleteMany`; true when at least one existed. */
  async deleteMany(keys: string[]): Promise<boolean> {
    const store = await this.#storage.get();
    return (await store.deleteMany([...new Set(keys.map(keyToId))])) > 0;
  }

  /** Deletes every key of the current namespace (every key of this adapter's type when there is none). */
  async clear(): Promise<void> {
    const store = await this.#storage.get();
    await store.deleteMany(this.#namespaceFilter(this.namespace));
  }

  /** True when a live (unexpired) key exists. */
  async has(key: string): Promise<boolean> {
    const store = await this.#storage.get();
    return store.exists(keyToId(key));
  }

  /** For each key, whether it exists and is live. */
  async hasMany(keys: string[]): Promise<boolean[]> {
    const found = await this.#loadMany(keys);
    return keys.map((key) => found.has(keyToId(key)));
  }

  /**
   * Streams `[key, value]` of every live key of a namespace (all of this adapter's keys when none), one
   * batch in memory at a time. Keyv calls it with its namespace and strips the prefix.
   */
  async *iterator(namespace?: string): AsyncGenerator<[string, unknown], void> {
    const store = await this.#storage.get();
    const records = store.stream(this.#namespaceFilter(namespace), {
      batchSize: this.opts.iterationBatchSize,
    });
    for await (const record of records) {
      yield [typeof record.key === 'string' ? record.key : record.id, record.value];
    }
  }

  /** Stops using the store; closes it when this adapter created it from a spec. */
  async disconnect(): Promise<void> {
    await this.#storage.disconnect();
  }

  #record(key: string, value: unknown, ttl: number | undefined, now: number): RecordInput {
    return {
      id: keyToId(key),
      type: this.#type,
      session_id: namespaceOfKey(key, this.namespace),
      key,
      value,
      // null, not absent: a store with ttl_enabled would otherwise give a key without TTL its default TTL.
      expires_at: typeof ttl === 'number' && Number.isFinite(ttl) && ttl !== 0 ? now + ttl : null,
    };
  }

  #namespaceFilter(namespace: string | undefined): Filter {
    return namespace === undefined || namespace === ''
      ? { type: this.#type }
      : { type: this.#type, session_id: namespace };
  }

  /** Live records of these keys by id, one `list` with `$in` per {@link IDS_PER_QUERY} ids. */
  async #loadMany(keys: readonly string[]): Promise<Map<string, StoredRecord>> {
    const store = await this.#storage.get();
    const ids = [...new Set(keys.map(keyToId))];
    const found = new Map<string, StoredRecord>();
    for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
      const records = await store.list({ id: { $in: ids.slice(i, i + IDS_PER_QUERY) } });
      for (const record of records) found.set(record.id, record);
    }
    return found;
  }
}
