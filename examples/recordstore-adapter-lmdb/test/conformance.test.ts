import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConformanceSuite } from '@recordstore/testkit';
// The package's own name: run from an installed copy, this tests the published build, not the sources.
import { LmdbStorageBackend } from 'recordstore-adapter-lmdb';

const root = join(tmpdir(), `recordstore-lmdb-conformance-${process.pid}`);
const folder = (storeKey: string) => join(root, storeKey);

runConformanceSuite({
  name: 'lmdb',
  createBackend: ({ config, clock, storeKey }) =>
    new LmdbStorageBackend({ ...config, path: folder(storeKey) }, { clock }),
  cleanup: (storeKey) => rm(folder(storeKey), { recursive: true, force: true }),
});
