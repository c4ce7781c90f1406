import { setTimeout as sleep } from 'node:timers/promises';
import type { StoredRecord } from '@recordstore/core';
import { describeRecord, type TourContext } from './tour-context.js';
import { SHORT_TTL_MS, SONNET, TOUR_KEY, type TourDataset } from './tour-dataset.js';

/** What step 3 saw of expiry. */
export interface ExpiryResults {
  pastExpiryLoad: 'missing' | 'found';
  shortTtlBefore: boolean;
  shortTtlAfter: boolean;
  cacheCountAfter: number;
  cleanupExpiredRemoved: number;
}

/**
 * Step 3: expired records read as missing, are excluded from queries, and cleanupExpired() removes them.
 * @param now when the dataset was written: its short-TTL entry expires SHORT_TTL_MS later
 */
export async function showExpiry(tc: TourContext, data: TourDataset, now: number): Promise<ExpiryResults> {
  const { store, out, check, mark } = tc;
  const { c } = out;
  const sessions = [data.s1, data.s2];
  out.heading('3. Expiry');
  const pastExpiry = await store.load(data.rateLimitId);
  check(pastExpiry === null, 'a record whose expires_at is in the past reads as missing');
  out.line(
    `  ${mark(pastExpiry === null)} rate-limit entry, expires_at a minute ago: load() -> ${pastExpiry === null ? 'missing (and deleted lazily)' : 'found'}`,
  );
  const shortTtlBefore = await store.exists(data.cacheId);
  out.line(
    `  ${mark(shortTtlBefore)} flights cache entry, ${SHORT_TTL_MS / 1000}s TTL: exists() -> ${shortTtlBefore}`,
  );
  check(shortTtlBefore, 'the short-TTL cache entry exists before its expiry');
  const wait = now + SHORT_TTL_MS + 50 - Date.now();
  if (wait > 0) {
    out.line(c.dim(`    waiting ${(wait / 1000).toFixed(1)}s for it to expire...`));
    await sleep(wait);
  }
  const shortTtlAfter = await store.exists(data.cacheId);
  const cacheCountAfter = await store.count({ type: 'cache', session_id: { $in: sessions } });
  check(!shortTtlAfter, 'the short-TTL cache entry reads as missing after its expiry');
  check(cacheCountAfter === 0, 'expired cache entries are excluded from count()');
  out.line(
    `  ${mark(!shortTtlAfter)} after its TTL: exists() -> ${shortTtlAfter}; count({"type":"cache",...}) -> ${cacheCountAfter}`,
  );
  const removed = await store.cleanupExpired();
  check(removed >= 1, 'cleanupExpired() removes the expired cache entry');
  out.line(
    `  ${mark(removed >= 1)} cleanupExpired() removed ${removed} expired record${removed === 1 ? '' : 's'}`,
  );

  return {
    pastExpiryLoad: pastExpiry === null ? 'missing' : 'found',
    shortTtlBefore,
    shortTtlAfter,
    cacheCountAfter,
    cleanupExpiredRemoved: removed,
  };
}

/** What step 4 streamed. */
export interface StreamResults {
  session: string;
  batchSize: number;
  records: number;
  types: string[];
}

/**
 * Step 4: streaming, an async iterable that holds at most one batch in memory.
 * @param expected how many live records the session holds (from getBySession)
 */
export async function streamSession(
  tc: TourContext,
  data: TourDataset,
  expected: number,
): Promise<StreamResults> {
  const { store, out, check, mark } = tc;
  const { c } = out;
  out.heading('4. Streaming a session');
  const batchSize = 4;
  out.line(
    `  ${c.dim(`for await (const r of store.stream({"session_id":"${data.s1}"}, { batchSize: ${batchSize} }))`)}`,
  );
  const streamed: StoredRecord[] = [];
  for await (const r of store.stream({ session_id: data.s1 }, { batchSize })) {
    streamed.push(r);
    out.line(`    ${String(streamed.length).padStart(2)}  ${describeRecord(out, r)}`);
  }
  const streamOk = check(
    streamed.length === expected,
    `stream(): expected ${expected} records, got ${streamed.length}`,
  );
  out.line(`  ${mark(streamOk)} ${streamed.length} records in batches of ${batchSize}`);
  return {
    session: data.s1,
    batchSize,
    records: streamed.length,
    types: [...new Set(streamed.map((r) => String(r.type)))],
  };
}

/** What step 5 saw of the rolled-back transaction. */
export interface TransactionResults {
  rolledBack: boolean;
  error: string;
  countBefore: number;
  countAfter: number;
  draftFound: boolean;
}

/** Step 5: a transaction whose work is undone by a failure. */
export async function rollBack(tc: TourContext, data: TourDataset, run: string): Promise<TransactionResults> {
  const { store, out, check, mark } = tc;
  const { c } = out;
  out.heading('5. A transaction that rolls back');
  const countBefore = await store.count({ session_id: data.s2 });
  const draftId = `${data.s2}-msg-draft`;
  let rollbackError = '';
  try {
    await store.transaction(async (tx) => {
      await tx.save({
        id: draftId,
        type: 'message',
        session_id: data.s2,
        thread_id: data.t2,
        role: 'assistant',
        content: 'Booking the flights now...',
        metadata: { model: SONNET, tokens: 25, latency_ms: 300 },
        [TOUR_KEY]: run,
      });
      await tx.update(data.s2, { status: 'booking' });
      throw new Error('the booking tool timed out; abandoning this turn');
    });
  } catch (error) {
    rollbackError = error instanceof Error ? error.message : String(error);
  }
  const countAfter = await store.count({ session_id: data.s2 });
  const draftFound = (await store.load(draftId)) !== null;
  const sessionAfter = await store.load(data.s2);
  const rolledBack =
    rollbackError !== '' && !draftFound && countAfter === countBefore && sessionAfter?.status === 'open';
  check(rolledBack, 'a transaction that throws leaves nothing behind');
  out.line(
    `  ${c.dim('transaction(async (tx) => { tx.save(draft); tx.update(session, {status: "booking"}); throw ... })')}`,
  );
  out.field('threw', rollbackError, 4);
  out.line(
    `  ${mark(rolledBack)} rolled back: draft message ${draftFound ? 'found' : 'absent'}, session status still "${sessionAfter?.status}", records in session ${countBefore} -> ${countAfter}`,
  );
  return { rolledBack, error: rollbackError, countBefore, countAfter, draftFound };
}
