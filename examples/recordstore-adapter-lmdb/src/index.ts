/**
 * recordstore-adapter-lmdb: an example third-party recordstore adapter, written only against
 * `@recordstore/core`'s public contract. Load it from a config file with `plugins: [recordstore-adapter-lmdb]`
 * and name it `class: lmdb`, or construct `new LmdbStorageBackend({ path })`.
 * @module
 */
import { lmdbBackend } from './lmdb-backend.js';

export { LmdbStorageBackend, lmdbBackend } from './lmdb-backend.js';
export { type LmdbConfig, type LmdbConfigInput, lmdbConfigKeys, lmdbConfigSchema } from './lmdb-config.js';
export { LMDB_ROW_FORMAT, LmdbDriver } from './lmdb-driver.js';
export { lmdbIdentity, lmdbInlineSpec, parseLmdbSpec } from './lmdb-store-spec.js';

/** What `plugins: [recordstore-adapter-lmdb]` registers: the `lmdb` backend (alias `LmdbStorageBackend`). */
export const recordstoreBackends = [lmdbBackend];
