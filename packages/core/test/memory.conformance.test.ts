import { runConformanceSuite } from '@recordstore/testkit';
import { MemoryStorageBackend } from '../src/index.js';

// The suite tested against the reference itself: every expectation in it is hand-computed, so this run
// checks the reference semantics, and the differential group checks the generators (memory vs memory).
// Memory stores live in the backend object, so the same storeKey cannot reopen one (persistent: false).
runConformanceSuite({
  name: 'memory',
  createBackend: ({ config, clock }) => new MemoryStorageBackend(config, { clock }),
});
