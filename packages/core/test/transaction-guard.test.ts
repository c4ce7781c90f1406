import { describe, expect, it } from 'vitest';
import { isStorageError, MemoryStorageBackend } from '../src/index.js';

async function open(): Promise<MemoryStorageBackend> {
  const store = new MemoryStorageBackend({ cleanup_interval_seconds: 0 });
  await store.connect();
  return store;
}

async function rejection(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => {
      throw new Error('expected the call to be refused');
    },
    (error: unknown) => error,
  );
}

describe('outer store calls from inside transaction(fn)', () => {
  it('are refused at once with a validation error naming the operation and the fix', async () => {
    const store = await open();
    await store.transaction(async () => {
      const error = await rejection(store.count());
      expect(isStorageError(error, 'validation')).toBe(true);
      expect((error as Error).message).toBe(
        'memory: store.count() was called inside store.transaction(fn) on the same store; use the tx ' +
          'argument (tx.count()) for work inside the transaction, or call the store after the transaction returns.',
      );
      const cleanup = await rejection(store.cleanupExpired());
      expect((cleanup as Error).message).toContain('call it after the transaction returns');
    });
    await store.close();
  });

  it('are refused in work the callback starts without awaiting, while the transaction runs', async () => {
    const store = await open();
    let inner: Promise<unknown> | undefined;
    await store.transaction(async (tx) => {
      inner = Promise.resolve().then(() => store.save({ id: 'detached' }));
      await tx.save({ id: 'a' });
      expect(isStorageError(await rejection(inner), 'validation')).toBe(true);
    });
    await store.close();
  });

  it('work the callback left running may use the store once the transaction is over', async () => {
    const store = await open();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let later: Promise<string> | undefined;
    await store.transaction(async (tx) => {
      await tx.save({ id: 'a' });
      later = gate.then(() => store.save({ id: 'after' }));
    });
    release();
    expect(await later).toBe('after');
    expect(await store.exists('after')).toBe(true);
    await store.close();
  });

  it('other stores may be used inside the callback, and their own transactions nest with it', async () => {
    const first = await open();
    const second = await open();
    await first.transaction(async (tx) => {
      await tx.save({ id: 'one' });
      await second.save({ id: 'two' });
      await second.transaction(async (tx2) => {
        await tx2.save({ id: 'three' });
        // Inside both callbacks: each store refuses itself only.
        expect(isStorageError(await rejection(first.load('one')), 'validation')).toBe(true);
        expect(isStorageError(await rejection(second.load('two')), 'validation')).toBe(true);
      });
      expect(await second.exists('three')).toBe(true);
    });
    expect(await first.exists('one')).toBe(true);
    await first.close();
    await second.close();
  });

  it('concurrent transactions on different stores keep their own marks', async () => {
    const stores = await Promise.all([open(), open(), open()]);
    await Promise.all(
      stores.map((store, i) =>
        store.transaction(async (tx) => {
          await tx.save({ id: `s${i}` });
          await new Promise((resolve) => setTimeout(resolve, 5));
          expect(isStorageError(await rejection(store.count()), 'validation')).toBe(true);
        }),
      ),
    );
    for (const [i, store] of stores.entries()) {
      expect(await store.exists(`s${i}`)).toBe(true);
      await store.close();
    }
  });
});
