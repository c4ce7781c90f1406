import type { BackendCapabilities, Clock, StorageBackend } from '@recordstore/core';

/** What the suite hands to {@link ConformanceOptions.createBackend} for each store it needs. */
export interface ConformanceFactoryOptions {
  /**
   * Common config keys the test needs (`ttl_enabled`, `default_ttl_seconds`, `batch_size`,
   * `compression_enabled`, `compression_threshold`, `max_record_bytes`, `cleanup_interval_seconds`).
   * Merge them over your backend's own keys (file path, URL, schema).
   */
  config: Record<string, unknown>;
  /** The clock to pass as `BackendOptions.clock`: TTL tests move it by hand instead of sleeping. */
  clock: Clock;
  /**
   * Names the underlying store. A new key means a new, empty store; the same key again means the same
   * store (the close-and-reopen test relies on it). Matches `^[a-z][a-z0-9_]{0,39}$`, so it can be used
   * as a file name, a table name or a schema name.
   */
  storeKey: string;
}

/** Options of {@link runConformanceSuite}. */
export interface ConformanceOptions {
  /** Shown in the describe block, e.g. `'sqlite'`. */
  name: string;
  /**
   * Returns a new, NOT yet connected backend for the given store. The suite connects and closes it.
   * Called several times per test for some tests (a reference store, close and reopen).
   */
  createBackend(options: ConformanceFactoryOptions): Promise<StorageBackend> | StorageBackend;
  /** Overrides flags of `backend.capabilities` (rarely needed). */
  capabilities?: Partial<BackendCapabilities>;
  /** Discards a store after the test that used it (drop a schema, delete a file). Called after close. */
  cleanup?(storeKey: string): Promise<void> | void;
  /**
   * Runs of each property in the differential group (default 100). The environment variable
   * `RECORDSTORE_PROPERTY_RUNS` overrides it; `RECORDSTORE_PROPERTY_SEED` replays a failing seed.
   */
  propertyRuns?: number;
}
