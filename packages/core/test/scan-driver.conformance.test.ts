import { runConformanceSuite } from '@recordstore/testkit';
import { openOrderedKv } from './helpers/ordered-kv-backend.js';

// A driver that cannot evaluate filters (filtering: 'scan'): the runtime evaluates every filter, order and
// window with the in-memory reference over the driver's scan. The whole suite must hold on it unchanged.
runConformanceSuite({
  name: 'ordered-kv (scan driver)',
  createBackend: ({ config, clock, storeKey }) => openOrderedKv({ ...config, name: storeKey }, { clock }),
});
