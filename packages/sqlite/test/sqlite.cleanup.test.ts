import { join } from 'node:path';
import { ManualClock } from '@recordstore/core';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrateSQLite } from '../src/migrations/index.js';
import { SQLiteConnection } from '../src/sqlite-connection.js';
import { openStore, tempDir } from './helpers.js';

const START = Date.UTC(2026, 0, 1);

/** A writer that saves one record per event-loop turn until `done()` says stop; returns the ids it saved. */
async function writeUntil(
  store: Awaited<ReturnType<typeof openStore>>,
  done: () => boolean,
  events: string[],
): Promise<string[]> {
  const saved: string[] = [];
  for (let i = 0; !done(); i++) {
    const id = await store.save({ id: `w${i}`, n: i });
    saved.push(id);
    events.push('write');
    await new Promise((resolve) => setImmediate(resolve));
  }
  return saved;
}

describe('sqlite: batched cleanup', () => {
  it('cleanupExpired() of many rows runs in several batches; writes issued meanwhile finish before it does', async () => {
    const clock = new ManualClock(START);
    const store = await openStore({ batch_size: 100 }, { clock });
    const expired = Array.from({ length: 2_000 }, (_, i) => ({ id: `x${i}`, expires_at: START + 1_000 }));
    const live = Array.from({ length: 150 }, (_, i) => ({ id: `l${i}`, expires_at: START + 3_600_000 }));
    await store.saveMany([...expired, ...live]);
    clock.advance(1_000);

    const events: string[] = [];
    let finished = false;
    const cleanup = store.cleanupExpired().then((n) => {
      finished = true;
      events.push('cleanup');
      return n;
    });
    const saved = await writeUntil(store, () => finished, events);

    // Exact count, nothing live lost, every write kept.
    expect(await cleanup).toBe(2_000);
    // At most 100 rows per batch and a turn of the event loop between batches: the writer got in at
    // least once per batch boundary (2,000 rows need 20 full batches; half of that leaves room for
    // scheduling order), and each of its writes completed before the cleanup did.
    const before = events.indexOf('cleanup');
    expect(before).toBeGreaterThanOrEqual(10);
    expect(events.slice(0, before).every((e) => e === 'write')).toBe(true);
    expect(await store.count()).toBe(150 + saved.length);
    expect(await store.exists('l0')).toBe(true);
    expect(await store.exists('x0')).toBe(false);
    expect(await store.cleanupExpired()).toBe(0);
  });

  it('cleanupOldData(days) deletes exactly the rows created before the cutoff, in batches', async () => {
    const clock = new ManualClock(START);
    const store = await openStore({ batch_size: 50 }, { clock });
    await store.saveMany(Array.from({ length: 700 }, (_, i) => ({ id: `old${i}` })));
    clock.advance(2 * 86_400_000);
    await store.saveMany(Array.from({ length: 30 }, (_, i) => ({ id: `new${i}` })));

    const events: string[] = [];
    let finished = false;
    const cleanup = store.cleanupOldData(1).then((n) => {
      finished = true;
      events.push('cleanup');
      return n;
    });
    await writeUntil(store, () => finished, events);

    expect(await cleanup).toBe(700);
    expect(events.indexOf('cleanup')).toBeGreaterThanOrEqual(5);
    expect(await store.exists('old0')).toBe(false);
    expect(await store.exists('new29')).toBe(true);
  });

  it('pauseAutoCheckpoint() nests and restores the setting it found once the last pause resumes', () => {
    const db = new Database(join(tempDir(), 'pause.db'));
    db.pragma('journal_mode = wal');
    db.pragma('wal_autocheckpoint = 500');
    migrateSQLite(db);
    const connection = new SQLiteConnection(db, '"storage_records"');
    const setting = () => db.pragma('wal_autocheckpoint', { simple: true });
    const first = connection.pauseAutoCheckpoint();
    const second = connection.pauseAutoCheckpoint();
    expect(setting()).toBe(0);
    first();
    first();
    expect(setting()).toBe(0);
    second();
    expect(setting()).toBe(500);
    connection.close();
  });
});
