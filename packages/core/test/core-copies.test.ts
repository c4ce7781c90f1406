import { cpSync, existsSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as core from '../src/index.js';
import { CORE_DIR, tempDir } from './helpers/temp-app.js';

type Core = typeof core;

/**
 * An adapter installed from a tarball brings its own copy of @recordstore/core beside the application's.
 * Here the second copy is core's built dist copied to a folder of its own (a package.json, its
 * dependencies linked) and imported by path: a module instance of its own, as npm would give it.
 */
let copy: Core;
let folder: { dir: string; cleanup: () => void };

beforeAll(async () => {
  const dist = join(CORE_DIR, 'dist', 'index.js');
  if (!existsSync(dist)) {
    throw new Error('core-copies.test.ts needs the built dist: pnpm --filter @recordstore/core run build');
  }
  folder = tempDir('recordstore-core-copy-');
  cpSync(join(CORE_DIR, 'dist'), join(folder.dir, 'dist'), { recursive: true });
  writeFileSync(
    join(folder.dir, 'package.json'),
    JSON.stringify({ name: '@recordstore/core', type: 'module', exports: { '.': './dist/index.js' } }),
  );
  symlinkSync(join(CORE_DIR, 'node_modules'), join(folder.dir, 'node_modules'), 'dir');
  copy = (await import(pathToFileURL(join(folder.dir, 'dist', 'index.js')).href)) as Core;
});
afterAll(() => folder?.cleanup());

describe('two copies of @recordstore/core in one process', () => {
  it('are really two module instances', () => {
    expect(copy.StorageError).not.toBe(core.StorageError);
    expect(copy.registerBackend).not.toBe(core.registerBackend);
  });

  it('isStorageError and instanceof recognise an error made by the other copy, kind included', () => {
    const error = new copy.StorageError('validation', 'id must be a non-empty string', { path: 'id' });
    expect(core.isStorageError(error)).toBe(true);
    expect(core.isStorageError(error, 'validation')).toBe(true);
    expect(core.isStorageError(error, 'config')).toBe(false);
    expect(error instanceof core.StorageError).toBe(true);
    expect(copy.isStorageError(new core.StorageError('conflict', 'x'), 'conflict')).toBe(true);
    // Plain errors and look-alikes without the brand are not StorageErrors.
    expect(
      core.isStorageError(Object.assign(new Error('x'), { name: 'StorageError', kind: 'validation' })),
    ).toBe(false);
    expect(core.isStorageError(null)).toBe(false);
  });

  it('a subclass keeps its own instanceof check', () => {
    class RetryLater extends core.StorageError {}
    expect(new RetryLater('timeout', 'x') instanceof core.StorageError).toBe(true);
    expect(new core.StorageError('timeout', 'x') instanceof RetryLater).toBe(false);
  });

  it('a store of the other copy rejects bad input with a validation error this copy recognises', async () => {
    const store = new copy.MemoryStorageBackend();
    await store.connect();
    let caught: unknown;
    try {
      await store.save({ id: '' });
    } catch (error) {
      caught = error;
    }
    await store.close();
    expect(core.isStorageError(caught, 'validation')).toBe(true);
  });

  it('a backend registered through the other copy is found by this one, and the reverse', async () => {
    const fromCopy = copy.defineBackend({
      ...copy.memoryBackend,
      name: 'copy-kv',
      aliases: ['CopyKvBackend'],
    });
    copy.registerBackend('copy-kv', fromCopy);
    expect(core.registeredBackendNames()).toContain('copy-kv');
    const resolved = await core.resolveBackend('CopyKvBackend');
    expect(resolved.name).toBe('copy-kv');
    expect(resolved.definition).toBe(fromCopy);

    const store = await core.createStorage({ class: 'copy-kv', config: { batch_size: 10 } });
    await store.save({ id: 'a', v: 1 });
    expect(await store.load('a')).toMatchObject({ v: 1 });
    await store.close();

    core.registerBackend('core-kv', core.defineBackend({ ...core.memoryBackend, name: 'core-kv' }));
    expect((await copy.resolveBackend('core-kv')).definition.name).toBe('core-kv');
  });

  it('loading a second copy does not re-register the built-ins over the application registrations', async () => {
    // The copy was imported after this one registered the built-ins: the order (and entries) stand.
    expect(core.registeredBackendNames().slice(0, 3)).toEqual(['memory', 'sqlite', 'postgresql']);
    expect((await core.resolveBackend('memory')).Backend).toBe(core.MemoryStorageBackend);
  });
});
