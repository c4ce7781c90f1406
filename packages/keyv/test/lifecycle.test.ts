import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isStorageError, MemoryStorageBackend, type StorageBackend } from '@recordstore/core';
import { PostgreSQLStorageBackend } from '@recordstore/postgres';
import { SQLiteStorageBackend } from '@recordstore/sqlite';
import Keyv from 'keyv';
import { afterAll, describe, expect, it } from 'vitest';
import { createKeyv, KeyvRecordStore } from '../src/index.js';
import { usePostgresDatabase } from './postgres-database.js';

const folder = mkdtempSync(join(tmpdir(), 'recordstore-keyv-'));
const database = usePostgresDatabase();
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Collects the errors a Keyv re-emits from its store. */
function errorsOf(keyv: Keyv): unknown[] {
  const errors: unknown[] = [];
  keyv.on('error', (error: unknown) => errors.push(error));
  return errors;
}

describe('a store given as { class, config }', () => {
  it('is created on first use, not by the constructor, and closed by disconnect()', async () => {
    const path = join(folder, 'spec.db');
    const adapter = new KeyvRecordStore({ class: SQLiteStorageBackend, config: { path } });
    const keyv = new Keyv({ store: adapter });
    await keyv.set('a', 1);
    const store = await adapter.store();
    expect(store.isConnected()).toBe(true);
    expect(await store.load('keyv:a')).toMatchObject({ type: 'keyv', key: 'keyv:a' });
    await keyv.disconnect();
    expect(store.isConnected()).toBe(false);
    // The data outlives the adapter: a new one on the same spec reads it.
    const again = createKeyv({ class: SQLiteStorageBackend, config: { path } });
    expect(await again.get('a')).toBe(1);
    await again.disconnect();
  });

  it('resolves registered names through the registry (class: "memory", "sqlite", "postgresql")', async () => {
    for (const spec of [
      { class: 'memory' },
      { class: 'sqlite', config: { path: join(folder, 'by-name.db') } },
      { class: 'postgresql', config: { url: database.url, connection_pool_size: 1 } },
    ]) {
      const keyv = createKeyv(spec, { namespace: 'named' });
      await keyv.set('k', spec.class);
      expect(await keyv.get('k')).toBe(spec.class);
      expect((await (keyv.store as KeyvRecordStore).store()).name).toBe(spec.class);
      await keyv.disconnect();
    }
  });

  it('emits a failed connection as an error event, and tries again on the next call', async () => {
    const keyv = createKeyv({
      class: PostgreSQLStorageBackend,
      config: { host: '127.0.0.1', port: 1, connect_timeout: 2, auto_migrate: false },
    });
    const errors = errorsOf(keyv);
    expect(await keyv.set('k', 'v')).toBe(false);
    expect(await keyv.get('k')).toBeUndefined();
    // set: once from the adapter's connect and once re-emitted by Keyv for the failed set; get: the adapter's.
    expect(errors.length).toBe(3);
    expect(errors.every((error) => isStorageError(error, 'connection'))).toBe(true);
    await keyv.disconnect();
  });

  it('emits a bad config as an error event naming the key', async () => {
    const keyv = createKeyv({ class: 'sqlite', config: { pathh: './x.db' } });
    const errors = errorsOf(keyv);
    expect(await keyv.get('k')).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(isStorageError(errors[0], 'config')).toBe(true);
    expect(String((errors[0] as Error).message)).toContain('pathh');
  });

  it('an adapter without error listeners rejects without throwing an unhandled error event', async () => {
    const adapter = new KeyvRecordStore({ class: 'no-such-backend' });
    await expect(adapter.get('k')).rejects.toSatisfy((error) => isStorageError(error, 'config'));
  });
});

describe('a store given as a backend', () => {
  const backends: Array<[string, () => StorageBackend]> = [
    ['memory', () => new MemoryStorageBackend()],
    ['SQLite', () => new SQLiteStorageBackend({ path: join(folder, 'given.db') })],
    ['PostgreSQL', () => new PostgreSQLStorageBackend({ url: database.url, connection_pool_size: 1 })],
  ];

  it.each(backends)('%s: is connected on first use and left open by disconnect()', async (_, make) => {
    const backend = make();
    const adapter = new KeyvRecordStore(backend);
    expect(backend.isConnected()).toBe(false);
    const keyv = new Keyv({ store: adapter });
    await keyv.set('k', 'v');
    expect(backend.isConnected()).toBe(true);
    await keyv.disconnect();
    expect(backend.isConnected()).toBe(true);
    expect(await backend.exists('keyv:k')).toBe(true);
    // The adapter itself is done: it refuses further calls with a typed error that says what to do.
    await expect(adapter.get('keyv:k')).rejects.toThrow(/was disconnected; create a new adapter/);
    expect(await new Keyv({ store: new KeyvRecordStore(backend) }).get('k')).toBe('v');
    await backend.close();
  });

  it('a backend shared by adapters connects once although their first calls run concurrently', async () => {
    const backend = new MemoryStorageBackend();
    const adapters = Array.from({ length: 5 }, () => new KeyvRecordStore(backend));
    await Promise.all(adapters.map((adapter, i) => adapter.set(`k${i}`, String(i))));
    expect(await backend.count({ type: 'keyv' })).toBe(5);
    await backend.close();
  });
});
