import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { copyRecords, listBackups, MemoryStorageBackend } from '@recordstore/core';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SQLiteStorageBackend } from '../src/index.js';
import { openStore, tempDir } from './helpers.js';

/** The meta table (migration 3), the lock files, and scheduled backups shared by several stores on one file. */

describe("store.capability('meta')", () => {
  it('keeps values in recordstore_meta per records table, never among the records', async () => {
    const dir = tempDir();
    const path = join(dir, 'meta.db');
    const a = await openStore({ path });
    const b = await openStore({ path, table_name: 'other_records' });
    await a.capability('meta')!.set('k', 'for a');
    expect(await b.capability('meta')!.get('k')).toBeNull();
    await b.capability('meta')!.set('k', 'for b');
    await a.capability('meta')!.set('k', 'for a, again');
    expect(await a.capability('meta')!.get('k')).toBe('for a, again');
    expect(await a.count()).toBe(0);
    const db = new Database(path, { readonly: true });
    try {
      expect(db.prepare('SELECT target, key, value FROM recordstore_meta ORDER BY target').all()).toEqual([
        { target: 'other_records', key: 'k', value: 'for b' },
        { target: 'storage_records', key: 'k', value: 'for a, again' },
      ]);
    } finally {
      db.close();
    }
    expect(await a.capability('meta')!.delete('k')).toBe(true);
    expect(await a.capability('meta')!.delete('k')).toBe(false);
  });

  it('waits for a running transaction instead of writing inside it', async () => {
    const store = await openStore();
    const meta = store.capability('meta')!;
    let inside = false;
    const tx = store.transaction(async (t) => {
      inside = true;
      await t.save({ id: 'x' });
      await new Promise((resolve) => setTimeout(resolve, 50));
      inside = false;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    await meta.set('after', 'tx');
    expect(inside).toBe(false);
    await tx;
    expect(await meta.get('after')).toBe('tx');
  });

  it('holds the watermark of a copy into SQLite, so the next run is incremental', async () => {
    const source = new MemoryStorageBackend();
    await source.connect();
    await source.saveMany([{ id: 'a' }, { id: 'b' }]);
    const target = await openStore();
    await copyRecords({ from: source, to: target, sourceKey: 'mem' });
    await source.save({ id: 'c' });
    const next = await copyRecords({ from: source, to: target, sourceKey: 'mem', incremental: true });
    expect(next).toMatchObject({ mode: 'incremental', written: 1 });
    expect(await target.count()).toBe(3);
  });
});

describe("store.capability('lock')", () => {
  it('one holder per store at a time, with a lock file beside the database', async () => {
    const dir = tempDir();
    const path = join(dir, 'lock.db');
    const a = await openStore({ path });
    const b = await openStore({ path });
    const lease = await a.capability('lock')!.tryAcquire('job');
    expect(lease).not.toBeNull();
    expect(existsSync(`${path}.storage_records.job.lock`)).toBe(true);
    expect(await b.capability('lock')!.tryAcquire('job')).toBeNull();
    const other = await b.capability('lock')!.tryAcquire('other');
    expect(other).not.toBeNull();
    await lease!.release();
    expect(existsSync(`${path}.storage_records.job.lock`)).toBe(false);
    const again = await b.capability('lock')!.tryAcquire('job');
    expect(again).not.toBeNull();
    await Promise.all([again!.release(), other!.release()]);
  });

  it('takes over the lock of a process that died; respects one held from another host', async () => {
    const dir = tempDir();
    const path = join(dir, 'stale.db');
    const store = await openStore({ path });
    const file = `${path}.storage_records.job.lock`;
    // A pid that no longer runs: a child that has exited.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    writeFileSync(
      file,
      JSON.stringify({ pid: Number(dead.stdout), host: hostname(), at: new Date().toISOString() }),
    );
    const lease = await store.capability('lock')!.tryAcquire('job');
    expect(lease).not.toBeNull();
    await lease!.release();
    writeFileSync(file, JSON.stringify({ pid: Number(dead.stdout), host: `not-${hostname()}` }));
    expect(await store.capability('lock')!.tryAcquire('job')).toBeNull();
  });

  it('is not offered on a private in-memory database', async () => {
    const store = new SQLiteStorageBackend({ path: ':memory:' });
    await store.connect();
    try {
      expect(store.capability('lock')).toBeUndefined();
      expect(store.capability('meta')).toBeDefined();
    } finally {
      await store.close();
    }
  });
});

describe('scheduled backups of one file opened by several stores', () => {
  it('take one backup per interval between them, not one each', async () => {
    const dir = tempDir();
    const path = join(dir, 'shared.db');
    const backups = join(dir, 'backups');
    const config = {
      path,
      backup_enabled: true,
      backup_interval_hours: 1.5 / 3600, // every 1.5 s
      max_backup_files: 100,
      backup_retention_days: 0,
      backup_path: backups,
    };
    const a = await openStore(config);
    await a.save({ id: 'x' });
    const b = await openStore(config);
    const c = await openStore(config);
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    await Promise.all([a.close(), b.close(), c.close()]);
    const taken = await listBackups(backups);
    // One schedule over 4 s at 1.5 s gives 3 (at about 0, 1.5 and 3 s); three independent ones would give 9.
    expect(taken.length).toBeGreaterThanOrEqual(2);
    expect(taken.length).toBeLessThanOrEqual(4);
    expect(readdirSync(dir).some((name) => name.endsWith('.lock'))).toBe(false);
  });
});
