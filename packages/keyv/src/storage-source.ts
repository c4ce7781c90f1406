import {
  type BackendOptions,
  type BackendRef,
  createStorage,
  type StorageBackend,
  StorageError,
} from '@recordstore/core';

/**
 * A store the adapter creates itself on first use, as Keyv's own adapters do with a URI: the same
 * `{ class, config }` that `createStorage` and a YAML `storage_types` entry take.
 */
export interface StorageSpec {
  /** A registered name (`memory`, `sqlite`, `postgresql`), `"pkg#Export"`, a definition or a store class. */
  class: BackendRef;
  /** The backend's config block (parsed and validated by core on first use). */
  config?: Record<string, unknown>;
  /** Clock and logger for the store; `baseDir` resolves relative module paths in `class`. */
  options?: BackendOptions & { baseDir?: string };
}

/** What the adapter stores into: a recordstore backend (connected or not) or a spec to create one from. */
export type StorageSource = StorageBackend | StorageSpec;

/**
 * Connects lazily and closes only what it opened. Keyv's test suite and most applications construct an
 * adapter synchronously, so the first operation connects; concurrent first operations share one attempt,
 * and a failed attempt is forgotten so that the next operation tries again.
 */
export class LazyStorage {
  readonly #source: StorageSource;
  readonly #onConnectError: (error: unknown) => void;
  #store: StorageBackend | null = null;
  #connecting: Promise<StorageBackend> | null = null;
  #disconnected = false;

  constructor(source: StorageSource, onConnectError: (error: unknown) => void) {
    this.#source = source;
    this.#onConnectError = onConnectError;
  }

  /** True when the adapter created the store from a spec (and so closes it on disconnect). */
  get ownsStore(): boolean {
    return 'class' in this.#source;
  }

  /** The connected store, connecting (or creating it from the spec) on first use. */
  get(): Promise<StorageBackend> {
    if (this.#disconnected) {
      return Promise.reject(
        new StorageError(
          'connection',
          '@recordstore/keyv: this KeyvRecordStore was disconnected; create a new adapter (or a new Keyv) to use the store again.',
        ),
      );
    }
    if (this.#store?.isConnected()) return Promise.resolve(this.#store);
    this.#connecting ??= this.#connect().then(
      (store) => {
        this.#store = store;
        this.#connecting = null;
        return store;
      },
      (error: unknown) => {
        this.#connecting = null;
        this.#onConnectError(error);
        throw error;
      },
    );
    return this.#connecting;
  }

  async #connect(): Promise<StorageBackend> {
    const source = this.#source;
    if (!('class' in source)) {
      await source.connect();
      return source;
    }
    // A store created earlier and closed by someone else is reconnected rather than created twice.
    if (this.#store !== null) {
      await this.#store.connect();
      return this.#store;
    }
    const spec: { class: BackendRef; config?: Record<string, unknown> } = { class: source.class };
    if (source.config !== undefined) spec.config = source.config;
    return createStorage(spec, source.options ?? {});
  }

  /**
   * Stops using the store: a store created from a spec is closed; a store the caller passed in stays open
   * (its owner closes it). Later operations are refused.
   */
  async disconnect(): Promise<void> {
    this.#disconnected = true;
    const store = this.#connecting ? await this.#connecting.catch(() => null) : this.#store;
    this.#store = null;
    if (store !== null && this.ownsStore) await store.close();
  }
}
