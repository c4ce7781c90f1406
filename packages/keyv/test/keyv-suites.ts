import keyvTestSuite, { keyvIteratorTests } from '@keyv/test-suite';
import Keyv from 'keyv';
import * as vitest from 'vitest';
import { afterEach, describe } from 'vitest';
import { KeyvRecordStore, type KeyvRecordStoreOptions, type StorageSource } from '../src/index.js';

/**
 * Registers @keyv/test-suite's store suite (api, values, namespaces) and its iterator suite, in full, on
 * adapters made from `source()`. The suite's factory is synchronous and called many times per test (every
 * Keyv it makes gets a new adapter), so each adapter connects lazily; every adapter made during a test is
 * disconnected after it.
 */
export function runKeyvSuites(
  name: string,
  source: () => StorageSource,
  options: KeyvRecordStoreOptions = {},
): void {
  describe(name, () => {
    const made: KeyvRecordStore[] = [];
    const store = (): KeyvRecordStore => {
      const adapter = new KeyvRecordStore(source(), options);
      made.push(adapter);
      return adapter;
    };
    // Registered on the enclosing describe: runs after the suites' own afterEach hooks (which make adapters too).
    afterEach(async () => {
      await Promise.all(made.splice(0).map((adapter) => adapter.disconnect()));
    });
    describe('@keyv/test-suite store suite', () => keyvTestSuite(vitest, Keyv, store));
    describe('@keyv/test-suite iterator suite', () => keyvIteratorTests(vitest, Keyv, store));
  });
}
