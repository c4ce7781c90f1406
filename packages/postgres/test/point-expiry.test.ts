import { afterEach, describe, expect, it } from 'vitest';
import { PostgreSQLStorageBackend } from '../src/index.js';
import { useSuiteDatabase } from './helpers.js';

/**
 * `exists` reads a row's expiry as epoch milliseconds and judges it at the store's clock, the way a load's
 * row is judged, instead of comparing `expires_at` with the clock on the server. Rows written by recordstore
 * expire on a millisecond; one written by another writer may carry microseconds, and then the two
 * comparisons differed: at the clock's millisecond `expires_at > $now` still held for ...000.5 while the
 * load, on the millisecond, found the record expired.
 */

const db = useSuiteDatabase();
const open: PostgreSQLStorageBackend[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close().catch(() => {})));
});

const EXPIRY_MS = Date.parse('2031-05-06T07:08:09.010Z');

async function storeAt(now: number, coalesce: boolean): Promise<PostgreSQLStorageBackend> {
  const s = new PostgreSQLStorageBackend(
    { url: db.url, connection_pool_size: 2, coalesce },
    { clock: { now: () => now } },
  );
  open.push(s);
  await s.connect();
  return s;
}

describe('lazy expiry of exists on PostgreSQL', () => {
  for (const coalesce of [false, true]) {
    it(`exists agrees with load on an expiry with microseconds (coalesce: ${coalesce})`, async () => {
      const writer = await storeAt(EXPIRY_MS - 60_000, coalesce);
      const ids = [`us_${coalesce}_a`, `us_${coalesce}_b`, `us_${coalesce}_live`];
      await writer.saveMany(ids.map((id) => ({ id, v: 1, expires_at: new Date(EXPIRY_MS + 3_600_000) })));
      // Another writer sets an expiry half a millisecond after EXPIRY_MS on two of them.
      await writer.pool!.query(`UPDATE storage_records SET expires_at = $1::timestamptz WHERE id = ANY($2)`, [
        '2031-05-06T07:08:09.0105Z',
        ids.slice(0, 2),
      ]);

      const atExpiry = await storeAt(EXPIRY_MS, coalesce);
      expect(await atExpiry.load(ids[0]!)).toBeNull();
      expect(await atExpiry.exists(ids[0]!)).toBe(false);
      // Two at once: with coalescing on, one batched statement serves them.
      expect(await Promise.all(ids.map((id) => atExpiry.exists(id)))).toEqual([false, false, true]);

      const before = await storeAt(EXPIRY_MS - 1, coalesce);
      expect(await before.exists(ids[0]!)).toBe(true);
      expect(await Promise.all(ids.map((id) => before.exists(id)))).toEqual([true, true, true]);
      expect((await before.load(ids[1]!))?.v).toBe(1);
    });
  }
});
