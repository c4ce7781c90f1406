import { afterEach, describe } from 'vitest';
import { bulkGroup } from './groups/bulk.js';
import { coalescingGroup } from './groups/coalescing.js';
import { concurrencyGroup } from './groups/concurrency.js';
import { differentialGroup } from './groups/differential.js';
import { errorsGroup } from './groups/errors.js';
import { filtersGroup } from './groups/filters.js';
import { fuzzGroup } from './groups/fuzz.js';
import { healthGroup } from './groups/health.js';
import { immutabilityGroup } from './groups/immutability.js';
import { lifecycleGroup } from './groups/lifecycle.js';
import { orderingGroup } from './groups/ordering.js';
import { recordsGroup } from './groups/records.js';
import { sizeAndCompressionGroup } from './groups/size-compression.js';
import { streamGroup } from './groups/stream.js';
import { transactionGroup } from './groups/transaction.js';
import { ttlGroup } from './groups/ttl.js';
import { updateGroup } from './groups/update.js';
import { Harness } from './harness.js';
import type { ConformanceOptions } from './types.js';

/**
 * Registers the recordstore conformance suite with vitest: every behaviour of the `StorageBackend`
 * contract, each test on a fresh store made by your factory, plus a property-based group that compares
 * your backend with the in-memory reference on random records and filters. Call it at the top level of
 * a vitest test file.
 *
 * @example
 * // packages/my-backend/test/conformance.test.ts
 * import { runConformanceSuite } from '@recordstore/testkit';
 * import { MyStorageBackend } from '../src/index.js';
 *
 * runConformanceSuite({
 *   name: 'my-backend',
 *   createBackend: ({ config, clock, storeKey }) =>
 *     new MyStorageBackend({ ...config, path: `/tmp/${storeKey}.db` }, { clock }),
 *   cleanup: (storeKey) => rm(`/tmp/${storeKey}.db`, { force: true }),
 * });
 */
export function runConformanceSuite(options: ConformanceOptions): void {
  if (typeof options?.createBackend !== 'function') {
    throw new TypeError('runConformanceSuite: options.createBackend must be a function returning a backend.');
  }
  const h = new Harness(options);
  describe(`recordstore conformance: ${options.name}`, () => {
    afterEach(() => h.teardown());
    lifecycleGroup(h);
    recordsGroup(h);
    immutabilityGroup(h);
    ttlGroup(h);
    updateGroup(h);
    filtersGroup(h);
    errorsGroup(h);
    orderingGroup(h);
    streamGroup(h);
    bulkGroup(h);
    transactionGroup(h);
    concurrencyGroup(h);
    coalescingGroup(h);
    sizeAndCompressionGroup(h);
    healthGroup(h);
    differentialGroup(h);
    fuzzGroup(h);
  });
}
