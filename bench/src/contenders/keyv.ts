import type { StorageBackend } from '@recordstore/core';
import type { Keyv } from 'keyv';
import pg from 'pg';
import type { AgentRecord } from '../records.js';
import { PG_POOL_SIZE } from './postgres.js';
import { connectBackend } from './recordstore.js';
import type { Contender, Family, OptionalWork } from './types.js';

/** What Keyv cannot do on either adapter (besides COPY). */
const KEYV_CANNOT = {
  list: 'not supported: Keyv has no filtered list',
  ttl: 'not supported: Keyv expires lazily on read, no cleanup by query',
} as const;

/** The parts of a Keyv storage adapter the bench calls. */
interface KeyvAdapter {
  disconnect(): Promise<void>;
}

/** Keyv's own API for the point and batch operations; each adapter adds how it empties and closes. */
abstract class KeyvContender<Store extends KeyvAdapter> implements Contender {
  abstract readonly name: string;
  abstract readonly family: Family;
  abstract readonly unsupported: Partial<Record<OptionalWork, string>>;
  readonly raw = false;

  protected constructor(
    protected readonly keyv: Keyv,
    protected readonly store: Store,
  ) {}

  async save(record: AgentRecord): Promise<void> {
    await this.keyv.set(record.id, record);
  }
  async load(id: string): Promise<unknown> {
    return (await this.keyv.get(id)) ?? null;
  }
  async exists(id: string): Promise<boolean> {
    return this.keyv.has(id);
  }
  async delete(id: string): Promise<boolean> {
    return this.keyv.delete(id);
  }
  async saveBatch(records: AgentRecord[]): Promise<void> {
    await this.keyv.setMany(records.map((r) => ({ key: r.id, value: r })));
  }
  abstract truncate(): Promise<void>;
  async close(): Promise<void> {
    await this.store.disconnect();
  }
}

/** Keyv 5 with @keyv/postgres: a key-value table (key varchar, value text), records as JSON strings. */
export class KeyvPgContender extends KeyvContender<KeyvAdapter> {
  readonly name = 'keyv-postgres';
  readonly family = 'postgres' as const;
  readonly unsupported = {
    copy: 'not supported: no bulk import path',
    list: KEYV_CANNOT.list,
    stream: 'not supported: iterator() walks keys in key order, no filter or time order',
    ttl: KEYV_CANNOT.ttl,
  };
  readonly #url: string;

  private constructor(keyv: Keyv, store: KeyvAdapter, url: string) {
    super(keyv, store);
    this.#url = url;
  }

  static async create(url: string): Promise<KeyvPgContender> {
    const { Keyv } = await import('keyv');
    const { KeyvPostgres } = await import('@keyv/postgres');
    const store = new KeyvPostgres({ uri: url, max: PG_POOL_SIZE });
    const keyv = new Keyv({ store });
    keyv.on('error', (error: unknown) => console.error('keyv-postgres error:', error));
    await keyv.set('warmup', { ok: true }); // the adapter creates its table on first use
    return new KeyvPgContender(keyv, store, url);
  }

  async truncate(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#url });
    await client.connect();
    await client.query('TRUNCATE keyv');
    await client.end();
  }
}

/** The parts of @keyv/sqlite's store the bench calls. */
interface KeyvSqliteStore extends KeyvAdapter {
  query(sql: string): Promise<unknown>;
}

/**
 * Keyv 5 with @keyv/sqlite (asynchronous `sqlite3` driver, its default rollback journal). The adapter has
 * no setMany: Keyv's `setMany` falls back to one `set` per record, concurrently.
 */
export class KeyvSqliteContender extends KeyvContender<KeyvSqliteStore> {
  readonly name = 'keyv-sqlite';
  readonly family = 'sqlite' as const;
  readonly unsupported = {
    copy: 'COPY is PostgreSQL only',
    list: KEYV_CANNOT.list,
    stream: 'not supported: iterator() walks keys with OFFSET, no filter or time order',
    ttl: KEYV_CANNOT.ttl,
  };

  static async open(path: string): Promise<KeyvSqliteContender> {
    const { Keyv } = await import('keyv');
    const { KeyvSqlite } = await import('@keyv/sqlite');
    const store = new KeyvSqlite({ uri: `sqlite://${path}` });
    const keyv = new Keyv({ store });
    keyv.on('error', (error: unknown) => console.error('keyv-sqlite error:', error));
    await keyv.set('warmup', { ok: true });
    return new KeyvSqliteContender(keyv, store as unknown as KeyvSqliteStore);
  }

  /** Not timed: wrapped in one transaction so the preload does not pay one journal flush per record. */
  async preload(records: AgentRecord[]): Promise<void> {
    await this.store.query('BEGIN');
    await this.saveBatch(records);
    await this.store.query('COMMIT');
  }
  async truncate(): Promise<void> {
    await this.store.query('DELETE FROM keyv');
  }
}

/**
 * Keyv 5 with `@recordstore/keyv`'s `KeyvRecordStore` over a connected recordstore backend (PostgreSQL
 * with a pool of 16 like the others, or SQLite with its defaults): one record per key.
 */
export class KeyvRecordstoreContender extends KeyvContender<KeyvAdapter> {
  readonly unsupported = {};
  readonly #backend: StorageBackend;

  private constructor(
    readonly name: string,
    readonly family: Family,
    keyv: Keyv,
    adapter: KeyvAdapter,
    backend: StorageBackend,
  ) {
    super(keyv, adapter);
    this.#backend = backend;
  }

  /** Opens the store on a database URL or SQLite file and puts a Keyv in front of it. */
  static async open(family: Family, target: string): Promise<KeyvRecordstoreContender> {
    const { Keyv } = await import('keyv');
    const { KeyvRecordStore } = await import('@recordstore/keyv');
    const backend = await connectBackend(family, target);
    const adapter = new KeyvRecordStore(backend);
    const keyv = new Keyv({ store: adapter });
    const name = `keyv-recordstore-${family}`;
    keyv.on('error', (error: unknown) => console.error(`${name} error:`, error));
    await keyv.set('warmup', { ok: true });
    return new KeyvRecordstoreContender(name, family, keyv, adapter, backend);
  }

  async truncate(): Promise<void> {
    await this.keyv.clear();
  }
  /** `disconnect()` leaves a store it was given open: its owner (here) closes it. */
  override async close(): Promise<void> {
    await super.close();
    await this.#backend.close();
  }
}
