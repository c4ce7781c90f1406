import type { StorageBackend } from '../backend.js';
import {
  type LocateKey,
  locateUnder,
  type ParsedBackendConfig,
  parseBackendConfig,
} from '../config/backend-config.js';
import { maskSecretsInString } from '../config/secrets.js';
import type { AnyBackendDefinition, BackendDefinition } from '../driver/definition.js';
import { isStorageError, StorageError } from '../errors.js';
import { type BackendOptions, StorageRuntime } from '../runtime/storage-runtime.js';
import type { UntypedRecord } from '../typing/record-types.js';
import { type BackendClass, type ResolvedBackend, resolveBackend } from './backend-registry.js';

/** What {@link validateBackendConfig} returns. */
export interface ValidatedBackendConfig extends ResolvedBackend {
  /** The parsed config: coerced values and defaults filled in. */
  config: Record<string, unknown>;
  /** The existing layer's key names that were renamed to the design's (`enable_ttl` -> `ttl_enabled`). */
  mappedKeys: Array<{ from: string; to: string }>;
  /** The one parse of the block, to construct a store from without parsing again. */
  parsed: ParsedBackendConfig<unknown>;
}

/** A class reference, or a definition / store class given directly. */
export type BackendRef = string | AnyBackendDefinition | BackendClass;

async function resolveRef(ref: BackendRef, baseDir: string | undefined): Promise<ResolvedBackend> {
  if (typeof ref === 'function') {
    return {
      name: ref.definition.name,
      definition: ref.definition as BackendDefinition<unknown>,
      Backend: ref,
    };
  }
  if (typeof ref === 'object' && ref !== null) {
    return { name: ref.name, definition: ref as BackendDefinition<unknown>, Backend: undefined };
  }
  return resolveBackend(ref, baseDir === undefined ? {} : { baseDir });
}

/** @internal Resolves and parses once; shared by validateBackendConfig, createStorage and the YAML loader. */
export async function prepareBackend(
  classRef: BackendRef,
  config: unknown,
  options: { baseDir?: string; locateKey: LocateKey; file?: string | null },
): Promise<ValidatedBackendConfig> {
  const resolved = await resolveRef(classRef, options.baseDir);
  const parsed = parseBackendConfig(resolved.definition, config, {
    locateKey: options.locateKey,
    file: options.file ?? null,
  });
  return {
    ...resolved,
    config: parsed.config as Record<string, unknown>,
    mappedKeys: [...parsed.mappedKeys],
    parsed,
  };
}

/**
 * Validates a backend config block against the backend's schema (after mapping the existing layer's key
 * aliases) and returns the parsed config plus which aliases were mapped. Nothing is connected.
 *
 * @param options.path the key path of the block in messages (default `config`)
 * @throws StorageError(config) naming the key path, the value seen (secrets masked) and what was expected.
 */
export function validateBackendConfig(
  classRef: BackendRef,
  config: Record<string, unknown>,
  options: { baseDir?: string; path?: string } = {},
): Promise<ValidatedBackendConfig> {
  return prepareBackend(classRef, config ?? {}, {
    ...(options.baseDir === undefined ? {} : { baseDir: options.baseDir }),
    locateKey: locateUnder(options.path ?? 'config'),
  });
}

/** Constructs (does not connect) a store from a prepared config: its class when it has one, else the runtime. */
export function constructStorage(
  prepared: ValidatedBackendConfig,
  options: BackendOptions = {},
): StorageBackend {
  try {
    return prepared.Backend
      ? new prepared.Backend(prepared.parsed as never, options)
      : new StorageRuntime(prepared.definition, prepared.parsed, options);
  } catch (error) {
    if (isStorageError(error)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new StorageError(
      'config',
      `${prepared.name}: could not create the backend: ${maskSecretsInString(message)}`,
      {
        cause: error,
        backend: prepared.name,
      },
    );
  }
}

/** @internal createStorage with a key locator (the loader passes one that knows environment overlays). */
export async function createPreparedStorage(
  spec: { class: BackendRef; config?: Record<string, unknown> },
  options: BackendOptions & { baseDir?: string; locateKey: LocateKey; file?: string | null },
): Promise<StorageBackend> {
  const { baseDir, locateKey, file, ...backendOptions } = options;
  const prepared = await prepareBackend(spec.class, spec.config ?? {}, {
    ...(baseDir === undefined ? {} : { baseDir }),
    locateKey,
    file: file ?? null,
  });
  const backend = constructStorage(prepared, backendOptions);
  try {
    await backend.connect();
  } catch (error) {
    await backend.close().catch(() => undefined);
    if (isStorageError(error)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new StorageError(
      'connection',
      `${prepared.name}: connect failed: ${maskSecretsInString(message)}`,
      {
        cause: error,
        backend: prepared.name,
      },
    );
  }
  return backend;
}

/**
 * Creates AND connects a store: resolves `spec.class` (a registered name, `"pkg#Export"`, or a definition
 * given directly), parses `spec.config` once (see {@link validateBackendConfig}) and connects.
 *
 * `R` types the records (`save`, `load`, `list`, filters, transactions); `options.schemas` checks them at
 * run time by `type` with any Standard Schema library.
 *
 * @example
 * const store = await createStorage({ class: 'sqlite', config: { path: './data/app.db' } });
 * const typed = await createStorage<AgentRecord>({ class: 'memory' }, { schemas: { message: MessageSchema } });
 * @throws StorageError(config) for a bad class, config or schema; the backend's connection errors as they are.
 */
export async function createStorage<R extends object = UntypedRecord>(
  spec: { class: BackendRef; config?: Record<string, unknown> },
  options: BackendOptions<R> & { baseDir?: string; path?: string } = {},
): Promise<StorageBackend<R>> {
  const { path, ...rest } = options;
  const store = await createPreparedStorage(spec, {
    ...(rest as BackendOptions & { baseDir?: string }),
    locateKey: locateUnder(path ?? 'config'),
  });
  return store as StorageBackend<R>;
}
