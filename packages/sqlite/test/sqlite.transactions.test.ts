import { ManualClock } from '@recordstore/core';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStore } from './helpers.js';

describe('sqlite transactions on one backend object', () => {
  it('operations issued while a transaction is open wait for it, and never join it', async () => {
    const store = await openStore();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Another part of the program, started outside the transaction, that runs while it is open.
    const outside = gate.then(() => store.save({ id: 'outside' }));
    await expect(
      store.transaction(async (tx) => {
        await tx.save({ id: 'inside' });
        release();
        await new Promise((r) => setTimeout(r, 20));
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await outside;
    expect(await store.exists('inside')).toBe(false);
    expect(await store.exists('outside')).toBe(true);
  });

  it('saveMany(records) is all or nothing, also below batch_size', async () => {
    const store = await openStore({ batch_size: 100 });
    await store.save({ id: 'taken', v: 1 });
    // A trigger makes SQLite refuse the second row mid-batch, after the first was written.
    const other = new Database(store.path);
    other.exec(`CREATE TRIGGER fail_on_b BEFORE INSERT ON storage_records WHEN NEW.id = 'b'
      BEGIN SELECT RAISE(ABORT, 'refused b'); END`);
    other.close();
    await expect(store.saveMany([{ id: 'a' }, { id: 'b' }, { id: 'c' }])).rejects.toMatchObject({
      kind: 'conflict',
    });
    expect(await store.count()).toBe(1);
  });

  it('a tx used after its transaction ended is refused', async () => {
    const store = await openStore();
    let leaked: Parameters<Parameters<typeof store.transaction>[0]>[0] | undefined;
    await store.transaction(async (tx) => {
      leaked = tx;
    });
    await expect(leaked!.save({ id: 'late' })).rejects.toMatchObject({ kind: 'validation' });
    expect(await store.exists('late')).toBe(false);
  });

  it('cleanupExpired() deletes in batches of batch_size and reports the total', async () => {
    const clock = new ManualClock(1_000_000);
    const store = await openStore({ batch_size: 7, ttl_enabled: true, default_ttl_seconds: 1 }, { clock });
    await store.saveMany(Array.from({ length: 30 }, (_, i) => ({ id: `e${i}` })));
    clock.advance(1000);
    await store.save({ id: 'forever', expires_at: null });
    expect(await store.cleanupExpired()).toBe(30);
    expect(await store.count()).toBe(1);
    expect(await store.cleanupOldData(0)).toBe(0);
    clock.advance(1);
    expect(await store.cleanupOldData(0)).toBe(1);
  });
});

describe('sqlite upsert', () => {
  it('save(record) again with other indexed columns moves the record in every index', async () => {
    const clock = new ManualClock(5_000);
    const store = await openStore({}, { clock });
    await store.save({ id: 'm', session_id: 'a', thread_id: 't1', type: 'x', v: 1 });
    clock.advance(10);
    await store.save({ id: 'm', session_id: 'b', thread_id: null, type: 'y', v: 2 });
    expect(await store.getBySession('a')).toEqual([]);
    expect(await store.getByThread('t1')).toEqual([]);
    expect(await store.count({ type: 'x' })).toBe(0);
    const [record] = await store.getBySession('b');
    expect(record).toMatchObject({ id: 'm', type: 'y', v: 2 });
    expect(record?.thread_id).toBeUndefined();
    // The first created_at stays; updated_at moves.
    expect(record?.created_at).toEqual(new Date(5_000));
    expect(record?.updated_at).toEqual(new Date(5_010));
    const db = new Database(store.path, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });

  it('save(record, { preserveTimestamps }) replaces created_at, and so does a save over an expired row', async () => {
    const clock = new ManualClock(5_000);
    const store = await openStore({}, { clock });
    await store.save({ id: 'p', session_id: 's', v: 1 });
    await store.save(
      { id: 'p', session_id: 's', created_at: 1_000, updated_at: 1_500 },
      { preserveTimestamps: true },
    );
    expect(await store.load('p')).toMatchObject({ created_at: new Date(1_000), updated_at: new Date(1_500) });
    await store.save({ id: 'e', session_id: 's', expires_at: 6_000 });
    clock.set(7_000);
    await store.save({ id: 'e', session_id: 's' });
    expect((await store.load('e'))?.created_at).toEqual(new Date(7_000));
    expect((await store.list({ session_id: 's', created_at: { $gte: 7_000 } })).map((r) => r.id)).toEqual([
      'e',
    ]);
  });
});
