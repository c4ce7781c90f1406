import Keyv, { type KeyvOptions } from 'keyv';
import { KeyvRecordStore, type KeyvRecordStoreOptions } from './keyv-record-store.js';
import type { StorageSource } from './storage-source.js';

/**
 * A Keyv instance on a {@link KeyvRecordStore}, like the `createKeyv` helpers of Keyv's own adapters.
 *
 * @example
 * const keyv = createKeyv({ class: 'postgresql', config: { url: process.env.DATABASE_URL } }, { namespace: 'cache' });
 */
export function createKeyv<Value = unknown>(
  source: StorageSource,
  options: Omit<KeyvOptions, 'store'> & { adapter?: KeyvRecordStoreOptions } = {},
): Keyv<Value> {
  const { adapter, ...keyvOptions } = options;
  return new Keyv<Value>({ ...keyvOptions, store: new KeyvRecordStore(source, adapter) });
}
