import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { PostgreSQLStorageBackend } from '../src/index.js';
import { backendOn, useSuiteDatabase } from './helpers.js';

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
const query = pg.Client.prototype.query;

afterEach(async () => {
  pg.Client.prototype.query = query;
  await Promise.all(open.splice(0).map((s) => s.close().catch(() => {})));
});

/** Captures what pg's command_timeout timer holds for each statement: the query object and its callback. */
function captureStatements(): unknown[] {
  const held: unknown[] = [];
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    held.push(args[0], args[1]);
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  return held;
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
  it('a list: neither the query object nor the callback handed to pg keeps the rows alive', async () => {
    const s = backendOn(db.url, { command_timeout: 30, coalesce: false });
    open.push(s);
    await s.connect();
    await s.saveMany(
      Array.from({ length: 50 }, (_, i) => ({ id: `ret_list_${i}`, type: 'ret_list', nested: { n: i } })),
    );
    const held = captureStatements();
    // The nested object is the one the driver's row holds (records share their data's values).
    let rows: { nested?: object }[] | null = (await s.list({ type: 'ret_list' })) as { nested?: object }[];
    expect(rows).toHaveLength(50);
    const ref = new WeakRef(rows[0]!.nested!);
    rows = null;
    expect(held.length).toBeGreaterThan(0);
    expect(await survivesGc(ref)).toBe(false);
  });

  it('a point load: the record it returned is not kept by what pg holds', async () => {
    const s = backendOn(db.url, { command_timeout: 30, coalesce: false });
    open.push(s);
    await s.connect();
    await s.save({ id: 'ret_load', nested: { body: 'x'.repeat(1000) } });
    const held = captureStatements();
    let record = (await s.load('ret_load')) as { nested?: object } | null;
    expect(record).toMatchObject({ id: 'ret_load' });
    const ref = new WeakRef(record!.nested!);
    record = null;
    expect(held.length).toBeGreaterThan(0);
    expect(await survivesGc(ref)).toBe(false);
  });

  it('inside a transaction as well', async () => {
    const s = backendOn(db.url, { command_timeout: 30, coalesce: false });
    open.push(s);
    await s.connect();
    await s.saveMany(
      Array.from({ length: 10 }, (_, i) => ({ id: `ret_tx_${i}`, type: 'ret_tx', nested: { n: i } })),
    );
    const held = captureStatements();
    const ref = await s.transaction(async (tx) => {
      const rows = await tx.list({ type: 'ret_tx' });
      expect(rows).toHaveLength(10);
      return new WeakRef((rows[0] as unknown as { nested: object }).nested);
    });
    expect(held.length).toBeGreaterThan(0);
    expect(await survivesGc(ref)).toBe(false);
  });
});
