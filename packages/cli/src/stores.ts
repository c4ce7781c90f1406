import {
  createStorage,
  createStorageFromConfig,
  isStorageError,
  parseStoreSpec,
  type StorageBackend,
  type StoreSpec,
  storeKey,
  validateBackendConfig,
} from '@recordstore/core';
import { registerBuiltinBackends } from './builtins.js';
import { CliError } from './cli-error.js';
import type { CommandContext } from './context.js';
import { EXIT } from './exit-codes.js';
import { configBaseDir } from './io.js';
import { collectSecrets, loadConfigOf } from './target.js';

/** A store named by `--from` / `--to`, resolved but not opened. */
export interface ResolvedStore {
  /** What the operator wrote (never printed: it may hold a password). */
  spec: string;
  /** The backend class and its config block. */
  class: string;
  config: Record<string, unknown>;
  /** The storage type's name when the spec named one from the config file. */
  name: string | null;
  /** A credential-free identity from the backend (`sqlite:/abs/x.db`, `postgresql://host:5432/db?schema=public`): safe to print. */
  key: string;
  /** Where the backend's package and relative module paths are looked for. */
  baseDir: string;
  /** Where the config block is, for messages (`to`, `storage_types.<name>.config`). */
  configPath: string;
  /** Opens (creates and connects) the store. */
  open(): Promise<StorageBackend>;
}

/**
 * Resolves a `--from` / `--to` store: an inline form a registered backend claims (`sqlite:./x.db`,
 * `postgres://...`, `memory:`), or the name of a `storage_types` entry of the config file (`--config`, else
 * ./recordstore.yaml).
 * @param option the option it came from, named in errors (`from`, `to`)
 */
export async function resolveStore(
  ctx: CommandContext,
  text: string,
  option: string,
): Promise<ResolvedStore> {
  registerBuiltinBackends();
  // Inline forms of plugin backends (`lmdb:./x`) need the config file's plugins registered first.
  await loadConfigOf(ctx.options, ctx.io);
  let spec: StoreSpec;
  try {
    spec = await parseStoreSpec(text, { baseDir: ctx.io.cwd });
  } catch (error) {
    if (!isStorageError(error, 'config')) throw error;
    throw new CliError('usage', `--${option}: ${error.message}`, { path: option });
  }
  if (spec.kind === 'inline') {
    const { class: cls, config } = spec;
    ctx.addSecrets(collectSecrets(config));
    const where = { baseDir: ctx.io.cwd, path: option };
    return {
      spec: text,
      class: cls,
      config,
      name: null,
      key: await storeKey({ class: cls, config }, where),
      baseDir: where.baseDir,
      configPath: option,
      open: () => createStorage({ class: cls, config }, { ...where, logger: ctx.logger }),
    };
  }
  const loaded = await loadConfigOf(ctx.options, ctx.io);
  if (loaded === null) {
    throw new CliError(
      'usage',
      `--${option} ${spec.name}: there is no config file to find a storage type "${spec.name}" in (looked for ./recordstore.yaml); ` +
        'pass --config <file>, or write the store inline (e.g. sqlite:<path> or postgres://<url>).',
      { path: option },
    );
  }
  const type = Object.hasOwn(loaded.storageTypes, spec.name) ? loaded.storageTypes[spec.name] : undefined;
  if (type === undefined) {
    throw new CliError(
      'usage',
      `--${option} ${spec.name}: ${loaded.file} has no storage type "${spec.name}"; it defines: ${Object.keys(loaded.storageTypes).join(', ') || '(none)'}.`,
      { path: option },
    );
  }
  ctx.addSecrets(collectSecrets(loaded.storageTypes));
  const config = { ...(type.config ?? {}) } as Record<string, unknown>;
  const where = {
    baseDir: configBaseDir(loaded.file, ctx.io.cwd),
    path: `storage_types.${spec.name}.config`,
  };
  const name = spec.name;
  return {
    spec: text,
    class: type.class,
    config,
    name,
    key: await storeKey({ class: type.class, config }, where),
    baseDir: where.baseDir,
    configPath: where.path,
    open: () => createStorageFromConfig(loaded, name, { logger: ctx.logger }),
  };
}

/**
 * Refuses to read from a store that was never set up: a backend with migrations reports none of them
 * applied (a mistyped SQLite path or database name; opening it would create an empty store). Asked of
 * the backend's migrator, which reads without creating anything; backends without one are not checked.
 */
export async function assertSetUp(store: ResolvedStore, option: string): Promise<void> {
  const validated = await validateBackendConfig(store.class, store.config, {
    baseDir: store.baseDir,
    path: store.configPath,
  });
  const capabilities = validated.definition.capabilities;
  if (capabilities?.migrator === undefined) return;
  const migrator = capabilities.migrator(validated.config);
  let migrations: ReadonlyArray<{ applied: boolean }>;
  try {
    migrations = (await migrator.status()).migrations;
  } finally {
    await migrator.close().catch(() => undefined);
  }
  if (migrations.length > 0 && migrations.every((m) => !m.applied)) {
    throw new CliError(
      'usage',
      `--${option}: the store ${store.key} does not exist yet (none of its ${migrations.length} schema migrations is ` +
        'applied); check the path or URL: opening it would create an empty store.',
      { path: option },
    );
  }
}

/**
 * Runs `fn` with an AbortSignal that Ctrl-C (SIGINT) or SIGTERM aborts, so a long transfer stops between
 * batches (a copy's watermark then covers exactly what was written) instead of dying mid-batch. A second
 * Ctrl-C is left to Node's default (immediate exit). An aborted run becomes exit code 130.
 */
export async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>, hint = ''): Promise<T> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    controller.abort(new Error(`interrupted by ${signal}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn(controller.signal);
  } catch (error) {
    if (controller.signal.aborted && (error as { aborted?: boolean } | null)?.aborted === true) {
      throw new CliError('internal', `${(error as Error).message}${hint}`, {
        exitCode: EXIT.interrupted,
      });
    }
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Opens several stores, runs `fn`, and closes every store opened (also on failure). */
export async function withStores<T>(
  stores: readonly ResolvedStore[],
  fn: (opened: StorageBackend[]) => Promise<T>,
): Promise<T> {
  const opened: StorageBackend[] = [];
  try {
    for (const store of stores) opened.push(await store.open());
    return await fn(opened);
  } finally {
    for (const store of opened) await store.close().catch(() => undefined);
  }
}
