// The installed testkit's conformance suite on the installed core's memory (reference) backend.
import { MemoryStorageBackend } from '@recordstore/core';
import { runConformanceSuite } from '@recordstore/testkit';

runConformanceSuite({
  name: 'memory (installed from tarballs)',
  createBackend: ({ config, clock }) => new MemoryStorageBackend(config, { clock }),
});
