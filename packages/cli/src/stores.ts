import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  createStorage,
  createStorageFromConfig,
  parseStoreSpec,
  type StorageBackend,
  storeKey,
} from '@recordstore/core';
import { registerBuiltinBackends } from './builtins.js';
import { CliError } from './cli-error.js';
import type { CommandContext } from './context.js';
import { EXIT } from './exit-codes.js';
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
  /** A credential-free identity (`sqlite:/abs/x.db`, `postgresql://host:5432/db?schema=public`): safe to print. */
  key: string;
  /** Opens (creates and connects) the store. */
  open(): Promise<StorageBackend>;
}

/**
 * Resolves a `--from` / `--to` store: `sqlite:./x.db` (relative to the working directory), `postgres://...`,
 * `memory:`, or the name of a `storage_types` entry of the config file (`--config`, else ./recordstore.yaml).
 * @param option the option it came from, named in errors (`from`, `to`)
 */
export async function resolveStore(
  ctx: CommandContext,
  text: string,
  option: string,
): Promise<ResolvedStore> {
  registerBuiltinBackends();
  let spec: ReturnType<typeof parseStoreSpec>;
  try {
    spec = parseStoreSpec(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new CliError('usage', `--${option}: ${message}`, { path: option });
  }
  if (spec.kind === 'inline') {
    const config = { ...spec.config };
    // The CLI's working directory (not the process's, for in-process runs) anchors relative SQLite paths.
    if (spec.class === 'sqlite' && typeof config.path === 'string' && !config.path.startsWith(':memory:')) {
      config.path = resolve(ctx.io.cwd, config.path);
    }
    ctx.addSecrets(collectSecrets(config));
    return {
      spec: text,
      class: spec.class,
      config,
      name: null,
      key: storeKey({ class: spec.class, config }),
      open: () => createStorage({ class: spec.class, config }, { baseDir: ctx.io.cwd, path: option }),
    };
  }
  const loaded = await loadConfigOf(ctx.options, ctx.io);
  if (loaded === null) {
    throw new CliError(
      'usage',
      `--${option} ${spec.name}: there is no config file to find a storage type "${spec.name}" in (looked for ./recordstore.yaml); ` +
        'pass --config <file>, or write the store as sqlite:<path> or postgres://<url>.',
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
  const keyConfig =
    type.class === 'sqlite' && typeof config.path === 'string' && !config.path.startsWith(':memory:')
      ? { ...config, path: resolve(ctx.io.cwd, config.path) }
      : config;
  return {
    spec: text,
    class: type.class,
    config,
    name: spec.name,
    key: storeKey({ class: type.class, config: keyConfig }),
    open: () => createStorageFromConfig(loaded, spec.name),
  };
}

/** Refuses to read from an SQLite file that does not exist (opening it would create an empty store). */
export function assertSourceExists(store: ResolvedStore, option: string): void {
  if (store.class !== 'sqlite' || store.name !== null) return;
  const path = store.config.path;
  if (typeof path === 'string' && !path.startsWith(':memory:') && !existsSync(path)) {
    throw new CliError(
      'usage',
      `--${option}: the SQLite file ${path} does not exist; check the path (it is relative to the working directory).`,
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
