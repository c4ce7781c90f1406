import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import type { PostgreSQLStorageBackend } from '../src/index.js';
import { backendOn, observingQueries, useSuiteDatabase } from './helpers.js';

/**
 * With command_timeout, pg keeps every statement's query object and callback reachable from a timer
 * closure that outlives the statement (until a full collection). Whatever those reach stays alive, and a
 * stream of a million rows grew RSS by 80 MB instead of 30. These tests hold on to exactly what pg's timer
 * holds and check that the rows a call returned can still be collected.
 */

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const db = useSuiteDatabase();
const open: PostgreSQLStorageBackend[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close().catch(() => {})));
});

/** A connected store with command_timeout on (pg's per-statement timer armed) holding `records`. */
async function storeWith(records: Record<string, unknown>[]): Promise<PostgreSQLStorageBackend> {
  const s = backendOn(db.url, { command_timeout: 30, coalesce: false });
  open.push(s);
  await s.connect();
  await s.saveMany(records);
  return s;
}

/**
 * Runs `call` while keeping what pg's command_timeout timer holds for each statement it sends (the query
 * object and its callback), and returns that hold with the weak reference `call` made to a returned row.
 */
async function holdingWhatPgHolds(
  call: () => Promise<WeakRef<object>>,
): Promise<{ ref: WeakRef<object>; held: unknown[] }> {
  const held: unknown[] = [];
  const ref = await observingQueries((args) => held.push(args[0], args[1]), call);
  return { ref, held };
}

/** True when `ref`'s target survives full collections (retries absorb objects still on a finishing stack). */
async function survivesGc(ref: WeakRef<object>): Promise<boolean> {
  for (let attempt = 0; attempt < 5; attempt++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    if (ref.deref() === undefined) return false;
  }
  return true;
}

describe('statements let go of their results (PostgreSQL, command_timeout on)', () => {
  // Each test references a nested object of a returned record: it is the one the driver's row holds
  // (records share their data's values), so it stays alive as long as anything keeps that row.
  it('a list: neither the query object nor the callback handed to pg keeps the rows alive', async () => {
    const s = await storeWith(
      Array.from({ length: 50 }, (_, i) => ({ id: `ret_list_${i}`, type: 'ret_list', nested: { n: i } })),
    );
    const { ref, held } = await holdingWhatPgHolds(async () => {
      const rows = (await s.list({ type: 'ret_list' })) as { nested?: object }[];
      expect(rows).toHaveLength(50);
      return new WeakRef(rows[0]!.nested!);
    });
    expect(await survivesGc(ref)).toBe(false);
    // Read after the collections: what pg holds stays alive through them.
    expect(held.length).toBeGreaterThan(0);
  });

  it('a point load: the record it returned is not kept by what pg holds', async () => {
    const s = await storeWith([{ id: 'ret_load', nested: { body: 'x'.repeat(1000) } }]);
    const { ref, held } = await holdingWhatPgHolds(async () => {
      const record = (await s.load('ret_load')) as { nested?: object } | null;
      expect(record).toMatchObject({ id: 'ret_load' });
      return new WeakRef(record!.nested!);
    });
    expect(await survivesGc(ref)).toBe(false);
    // Read after the collections: what pg holds stays alive through them.
    expect(held.length).toBeGreaterThan(0);
  });

  it('inside a transaction as well', async () => {
    const s = await storeWith(
      Array.from({ length: 10 }, (_, i) => ({ id: `ret_tx_${i}`, type: 'ret_tx', nested: { n: i } })),
    );
    const { ref, held } = await holdingWhatPgHolds(() =>
      s.transaction(async (tx) => {
        const rows = await tx.list({ type: 'ret_tx' });
        expect(rows).toHaveLength(10);
        return new WeakRef((rows[0] as unknown as { nested: object }).nested);
      }),
    );
    expect(await survivesGc(ref)).toBe(false);
    // Read after the collections: what pg holds stays alive through them.
    expect(held.length).toBeGreaterThan(0);
  });
});
