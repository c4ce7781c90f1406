import {
  type AdminTasksCapability,
  type DefinitionCapabilities,
  isStorageError,
  type MigratorCapability,
  requireCapability,
  type StorageBackend,
  type StorageCapabilityObjects,
  StorageError,
  type ValidatedBackendConfig,
  validateBackendConfig,
} from '@recordstore/core';
import type { CommandContext } from './context.js';
import type { StoreTarget } from './target.js';

/** The selected store's backend, resolved and its config parsed once, nothing connected. */
export interface TargetBackend extends ValidatedBackendConfig {
  target: StoreTarget;
}

/** Where the target's `config:` block is, for messages: `storage_types.<name>.config` or `default.config`. */
export function configPathOf(target: StoreTarget): string {
  return target.file === null ? 'default.config' : `storage_types.${target.storageName}.config`;
}

/**
 * Resolves the store selected by `--config` / `--env` / `--storage` to its backend and parses its config
 * (the one parse, core's): what offline commands (`migrate`, `task`) hand to definition capabilities.
 */
export async function targetBackend(ctx: CommandContext): Promise<TargetBackend> {
  const target = await ctx.target();
  const validated = await validateBackendConfig(target.class, target.config, {
    baseDir: target.baseDir,
    path: configPathOf(target),
  });
  return { ...validated, target };
}

/** What a command was doing, for messages: `migrate up (storage "pg")`. */
export function purposeOf(command: string, storage: string): string {
  return `${command} (storage "${storage}")`;
}

/** Refuses a backend whose definition lacks the capability, naming the backend, storage type and capability. */
function requireDefinition(
  backend: TargetBackend,
  name: keyof DefinitionCapabilities<unknown>,
  command: string,
): DefinitionCapabilities<unknown> {
  const capabilities = backend.definition.capabilities;
  requireCapability(backend.name, capabilities?.[name], name, purposeOf(command, backend.target.storageName));
  return capabilities!;
}

/**
 * The target backend's migrator over its parsed config (nothing connected yet), or a typed `unsupported`
 * error naming the backend, the storage type and the `migrator` capability. The caller closes it.
 */
export function migratorOf(backend: TargetBackend, command: string): MigratorCapability {
  return requireDefinition(backend, 'migrator', command).migrator!(backend.config);
}

/**
 * The target backend's admin tasks over its parsed config, or a typed `unsupported` error naming the
 * backend, the storage type and the `adminTasks` capability. The caller closes them.
 */
export function adminTasksOf(backend: TargetBackend, command: string): AdminTasksCapability {
  return requireDefinition(backend, 'adminTasks', command).adminTasks!(backend.config);
}

/**
 * A capability of a connected store, or a typed `unsupported` error naming the backend, the storage type
 * and the capability, followed by `hint` (what to use instead).
 */
export function requireStoreCapability<K extends keyof StorageCapabilityObjects>(
  store: StorageBackend,
  name: K,
  command: string,
  storage: string,
  hint = '',
): NonNullable<StorageCapabilityObjects[K]> {
  try {
    return requireCapability(
      store.name,
      store.capability(name),
      name,
      purposeOf(command, storage),
    ) as NonNullable<StorageCapabilityObjects[K]>;
  } catch (error) {
    if (hint === '' || !isStorageError(error)) throw error;
    throw new StorageError(error.kind, `${error.message} ${hint}`, { backend: store.name, cause: error });
  }
}
