import type { EnvSource } from './interpolate.js';

/** One storage type of a config file, after the environment overlay and interpolation. */
export interface StorageTypeConfig {
  /** Its name under `storage_types:` (or its top-level key). */
  name: string;
  /** The backend class reference (see `resolveBackend`). */
  class: string;
  description?: string;
  /** Free-form descriptive data (features, categories); not read by the backend. */
  metadata?: Record<string, unknown>;
  /** The backend's `config:` block, not yet validated (values may still be strings such as "5432"). */
  config: Record<string, unknown>;
}

/** A parsed config file. */
export interface LoadedConfig {
  /** Absolute path of the file, or null for text parsed without a file. */
  file: string | null;
  /** The environment whose overlay was applied, or null when none was. */
  environment: string | null;
  /** The storage type used when none is named. */
  defaultStorage: string;
  storageTypes: Record<string, StorageTypeConfig>;
  /**
   * The top-level `plugins:` list: module specifiers imported (relative to the file's folder) before any
   * storage type's class is resolved; each exports `recordstoreBackends`. Empty or absent for none.
   */
  plugins?: string[];
}

/** Options of {@link loadConfig} and {@link parseConfigText}. */
export interface LoadConfigOptions {
  /** Variables for `${VAR}` interpolation and environment selection (default `process.env`). */
  env?: EnvSource;
  /**
   * The environment overlay to apply (the CLI's `--env`); it must exist in the file. Without it,
   * `RECORDSTORE_ENV`, else `NODE_ENV`, chooses one, and a name the file does not define applies nothing.
   */
  environment?: string;
}

/** Where each part of a storage type was written, so errors point at the line the user must fix. */
export interface Provenance {
  /** Key path of the definition that introduced the type (`storage_types.pg`, `postgresql`, `environments.x...`). */
  path: string;
  /** Key path of the `class` value (or of the definition when the class comes from the name). */
  classPath: string;
  /** For each top-level config key, the key path of the `config:` mapping that set it last. */
  configKeys: Map<string, string>;
}

/**
 * Where each storage type of a parsed config was written: set by the parser, read to locate errors. Kept
 * beside the objects rather than in them, so printing a LoadedConfig shows only the config.
 */
export const provenance = new WeakMap<StorageTypeConfig, Provenance>();
