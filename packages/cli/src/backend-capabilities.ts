import {
  type DefinitionCapabilities,
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

/** What a command was doing, for messages: `recordstore migrate up (storage "pg")`. */
export function purposeOf(command: string, storage: string): string {
  return `recordstore ${command} (storage "${storage}")`;
}

type DefinitionCapabilityName = keyof DefinitionCapabilities<unknown>;

/**
 * A capability of the target's backend definition (usable without connecting), or a typed `unsupported`
 * error naming the backend, the storage type and the capability.
 */
export function requireDefinitionCapability<K extends DefinitionCapabilityName>(
  backend: TargetBackend,
  name: K,
  command: string,
): NonNullable<DefinitionCapabilities<unknown>[K]> {
  const capabilities = backend.definition.capabilities;
  const found = requireCapability(
    backend.name,
    capabilities?.[name],
    name,
    purposeOf(command, backend.target.storageName),
  ) as unknown;
  // Factories are called as methods of their definition's capabilities, wherever the caller keeps them.
  return (typeof found === 'function' ? found.bind(capabilities) : found) as NonNullable<
    DefinitionCapabilities<unknown>[K]
  >;
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
    if (hint === '' || !(error instanceof StorageError)) throw error;
    throw new StorageError(error.kind, `${error.message} ${hint}`, { backend: store.name, cause: error });
  }
}
