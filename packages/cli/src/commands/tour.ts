import { setTimeout as sleep } from 'node:timers/promises';
import type {
  Filter,
  HealthReport,
  ListOptions,
  RecordInput,
  StorageBackend,
  StorageStats,
  StoredRecord,
} from '@recordstore/core';
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { type CommandContext, makeAction, type RunState } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { type Output, toJsonText } from '../output.js';
import { withStore } from '../target.js';
import { printHealth } from './health.js';
import { printStats } from './stats.js';

/** Every record the tour writes carries this key, so a later run can find and clear them. */
export const TOUR_KEY = 'recordstore_tour';
/** How long the tour's short-lived cache entry lives. */
const SHORT_TTL_MS = 1000;

/** One query the tour ran. */
export interface TourQuery {
  title: string;
  filter: Filter;
  options?: ListOptions;
  count: number;
  ids: string[];
}

/** What `recordstore tour --json` prints. */
export interface TourSummary {
  ok: boolean;
  run: string;
  store: { backend: string; storage: string; file: string | null; location: string | null };
  clearedFromEarlierRuns: number;
  written: { total: number; byType: Record<string, number>; sessions: string[] };
  queries: TourQuery[];
  counts: { messages: number; bySession: Record<string, number> };
  expiry: {
    pastExpiryLoad: 'missing' | 'found';
    shortTtlBefore: boolean;
    shortTtlAfter: boolean;
    cacheCountAfter: number;
    cleanupExpiredRemoved: number;
  };
  stream: { session: string; batchSize: number; records: number; types: string[] };
  transaction: {
    rolledBack: boolean;
    error: string;
    countBefore: number;
    countAfter: number;
    draftFound: boolean;
  };
  health: HealthReport;
  stats: StorageStats;
  /** Checks the tour makes of the store's answers; all must pass for exit 0. */
  failedChecks: string[];
}

/** Registers `tour`, the default command. */
export function registerTour(program: Command, io: CliIo, state: RunState): void {
  program
    .command('tour')
    .summary('the guided tour on the store (the default command)')
    .description(
      'the guided tour (default command): stores a small agent-session dataset (sessions, threads, messages,\n' +
        'tool calls, a short-TTL cache entry) in the store, runs filtered queries, shows expiry, streams a session,\n' +
        'rolls back a transaction, and prints health and stats. Safe to re-run: each run uses a fresh namespace\n' +
        'and clears the records of earlier tour runs.',
    )
    .action(makeAction(io, state, tour));
}

async function tour(ctx: CommandContext): Promise<void> {
  const target = await ctx.target();
  const summary = await withStore(target, (store) =>
    runTour(store, ctx.out, { storage: target.storageName, file: target.file }),
  );
  if (ctx.out.json) ctx.out.document(summary);
  if (!summary.ok) {
    throw new CliError(
      'internal',
      `tour: ${summary.failedChecks.length} check(s) failed: ${summary.failedChecks.join('; ')}`,
      {
        exitCode: EXIT.failed,
      },
    );
  }
}

interface SeedMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  model: string;
  tokens: number;
  latency_ms: number;
}

const SONNET = 'claude-sonnet-4-5';
const HAIKU = 'claude-haiku-4-5';

// Two realistic agent sessions: a billing support chat with tool calls, and trip planning.
const SESSION_1_MESSAGES: SeedMessage[] = [
  {
    role: 'system',
    content: 'You are the billing assistant of Acme Cloud. Be concise.',
    model: SONNET,
    tokens: 42,
    latency_ms: 0,
  },
  {
    role: 'user',
    content: 'I was charged twice for invoice INV-2041 this month.',
    model: SONNET,
    tokens: 18,
    latency_ms: 0,
  },
  {
    role: 'assistant',
    content: 'Let me look up invoice INV-2041 for you.',
    model: SONNET,
    tokens: 64,
    latency_ms: 820,
  },
  {
    role: 'tool',
    content: 'lookup_invoice: 2 charges of 49.00 USD, on June 3 and June 4.',
    model: SONNET,
    tokens: 120,
    latency_ms: 230,
  },
  {
    role: 'assistant',
    content:
      'You are right: INV-2041 was charged twice. I requested a refund of 49.00 USD; expect it within 3 to 5 business days.',
    model: SONNET,
    tokens: 512,
    latency_ms: 1430,
  },
  {
    role: 'user',
    content: 'Thanks! Can you also send me the corrected invoice?',
    model: HAIKU,
    tokens: 22,
    latency_ms: 0,
  },
  {
    role: 'assistant',
    content: 'Done: the corrected invoice is on its way to your inbox.',
    model: HAIKU,
    tokens: 96,
    latency_ms: 610,
  },
];

const SESSION_2_MESSAGES: SeedMessage[] = [
  {
    role: 'user',
    content: 'Plan a three-day trip to Lisbon in October, mid budget.',
    model: SONNET,
    tokens: 16,
    latency_ms: 0,
  },
  {
    role: 'assistant',
    content:
      'Day 1: Alfama and the castle. Day 2: Belem and the LX Factory. Day 3: Cascais by train. Flights from 89 EUR.',
    model: SONNET,
    tokens: 1840,
    latency_ms: 5210,
  },
  { role: 'user', content: 'Swap day 2 for a day trip to Sintra.', model: HAIKU, tokens: 12, latency_ms: 0 },
  {
    role: 'assistant',
    content: 'Updated: day 2 is now Sintra (Pena Palace, Quinta da Regaleira).',
    model: HAIKU,
    tokens: 430,
    latency_ms: 2260,
  },
];

/** The tour's dataset for one run: every id is prefixed with the run id. */
function buildDataset(run: string, now: number) {
  const s1 = `${run}-session-billing`;
  const s2 = `${run}-session-trip`;
  const t1 = `${run}-thread-invoice`;
  const t2 = `${run}-thread-itinerary`;
  const start = now - 15 * 60_000;
  const tag = { [TOUR_KEY]: run };
  const records: RecordInput[] = [
    {
      id: s1,
      type: 'session',
      session_id: s1,
      user: 'ada',
      title: 'Duplicate charge on INV-2041',
      status: 'open',
      metadata: { channel: 'web' },
      created_at: start,
      ...tag,
    },
    {
      id: s2,
      type: 'session',
      session_id: s2,
      user: 'lin',
      title: 'Lisbon in October',
      status: 'open',
      metadata: { channel: 'mobile' },
      created_at: start + 1000,
      ...tag,
    },
    {
      id: t1,
      type: 'thread',
      session_id: s1,
      thread_id: t1,
      title: 'invoice',
      created_at: start + 2000,
      ...tag,
    },
    {
      id: t2,
      type: 'thread',
      session_id: s2,
      thread_id: t2,
      title: 'itinerary',
      created_at: start + 3000,
      ...tag,
    },
  ];
  const message = (
    session: string,
    thread: string,
    m: SeedMessage,
    i: number,
    offset: number,
  ): RecordInput => ({
    id: `${session}-msg-${String(i + 1).padStart(2, '0')}`,
    type: 'message',
    session_id: session,
    thread_id: thread,
    role: m.role,
    content: m.content,
    metadata: { model: m.model, tokens: m.tokens, latency_ms: m.latency_ms },
    created_at: start + offset + i * 20_000,
    ...tag,
  });
  records.push(...SESSION_1_MESSAGES.map((m, i) => message(s1, t1, m, i, 10_000)));
  records.push(...SESSION_2_MESSAGES.map((m, i) => message(s2, t2, m, i, 15_000)));
  records.push(
    {
      id: `${s1}-tool-lookup`,
      type: 'tool_call',
      session_id: s1,
      thread_id: t1,
      tool: 'lookup_invoice',
      arguments: { invoice: 'INV-2041' },
      status: 'ok',
      metadata: { latency_ms: 230 },
      created_at: start + 10_000 + 3 * 20_000 - 500,
      ...tag,
    },
    {
      id: `${s1}-tool-refund`,
      type: 'tool_call',
      session_id: s1,
      thread_id: t1,
      tool: 'create_refund',
      arguments: { invoice: 'INV-2041', amount: 49, currency: 'USD' },
      status: 'ok',
      metadata: { latency_ms: 410 },
      created_at: start + 10_000 + 4 * 20_000 - 500,
      ...tag,
    },
    {
      id: `${s2}-tool-flights`,
      type: 'tool_call',
      session_id: s2,
      thread_id: t2,
      tool: 'search_flights',
      arguments: { from: 'BER', to: 'LIS', month: '2025-10' },
      status: 'ok',
      metadata: { latency_ms: 1780 },
      created_at: start + 15_000 + 20_000 - 500,
      ...tag,
    },
  );
  const cacheId = `${s2}-cache-flights`;
  const rateLimitId = `${s1}-cache-rate-limit`;
  records.push(
    // A cache entry with a one-second time to live.
    {
      id: cacheId,
      type: 'cache',
      session_id: s2,
      key: 'flights:BER-LIS:2025-10',
      value: { cheapest_eur: 89 },
      expires_at: now + SHORT_TTL_MS,
      ...tag,
    },
    // A rate-limit window that ended a minute ago: expired from the start.
    {
      id: rateLimitId,
      type: 'cache',
      session_id: s1,
      key: 'rate-limit:ada',
      value: { remaining: 0 },
      expires_at: now - 60_000,
      ...tag,
    },
  );
  return { s1, s2, t1, t2, records, cacheId, rateLimitId };
}

function runId(now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `tour-${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}

function clock(date: Date): string {
  return date.toISOString().slice(11, 19);
}

function truncate(text: string, max = 64): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** One record as a short human line: time, type, role or tool, tokens, content. */
function describeRecord(out: Output, r: StoredRecord): string {
  const { c } = out;
  const meta = (r.metadata ?? {}) as Record<string, unknown>;
  const parts = [c.dim(clock(r.created_at)), (r.type ?? '-').padEnd(9)];
  if (r.type === 'message') {
    parts.push(
      String(r.role).padEnd(9),
      `${String(meta.tokens ?? '').padStart(4)} tok`,
      `"${truncate(String(r.content))}"`,
    );
  } else if (r.type === 'tool_call') {
    parts.push(String(r.tool).padEnd(15), c.dim(toJsonText(r.arguments, 0)));
  } else {
    parts.push(truncate(String(r.title ?? r.key ?? r.id)));
  }
  return parts.join('  ');
}

/**
 * Runs the tour against an open store and prints it to `out` (human text; nothing in `--json` mode).
 * Returns the summary `--json` prints. Safe to run repeatedly on the same store.
 */
export async function runTour(
  store: StorageBackend,
  out: Output,
  where: { storage: string; file: string | null },
): Promise<TourSummary> {
  const { c } = out;
  const failedChecks: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) failedChecks.push(what);
    return ok;
  };
  const mark = (ok: boolean) => (ok ? c.green('✓') : c.red('✗'));

  const firstHealth = await store.healthCheck();
  const location = locationOf(firstHealth);
  out.line(c.bold('recordstore tour'));
  out.field('store', `${store.name}${location ? ` at ${location}` : ''}`);
  out.field('config', where.file ?? 'none: the embedded default store (use --config <file> for another)');

  // 1. Clear what earlier runs left, then write a fresh run's dataset in one all-or-nothing call.
  const cleared = await store.deleteMany({ [TOUR_KEY]: { $exists: true } });
  const now = Date.now();
  const run = runId(now);
  const data = buildDataset(run, now);
  out.heading('1. Writing two agent sessions');
  if (cleared > 0) out.line(c.dim(`  cleared ${cleared} records left by an earlier tour run`));
  const ids = await store.saveMany(data.records);
  const byType: Record<string, number> = {};
  for (const r of data.records) byType[String(r.type)] = (byType[String(r.type)] ?? 0) + 1;
  out.line(
    `  saveMany() wrote ${ids.length} records atomically: ${Object.entries(byType)
      .map(([t, n]) => `${n} ${t}`)
      .join(', ')}`,
  );
  out.field('sessions', `${data.s1}, ${data.s2}`);
  const sample = await store.load(`${data.s1}-msg-05`);
  check(sample !== null && sample.role === 'assistant', 'load() of a saved message returns it');
  out.line(c.dim('  one message as stored (reserved keys come back merged into the object):'));
  for (const line of toJsonText(sample).split('\n')) out.line(`    ${c.dim(line)}`);

  // 2. Filtered queries, all evaluated in the database.
  out.heading('2. Filtered queries');
  const sessions = [data.s1, data.s2];
  const messages = [
    ...SESSION_1_MESSAGES.map((m) => ({ ...m, session: data.s1 })),
    ...SESSION_2_MESSAGES.map((m) => ({ ...m, session: data.s2 })),
  ];
  const queries: TourQuery[] = [];
  const query = async (title: string, filter: Filter, expected: number, options?: ListOptions) => {
    const found = await store.list(filter, options);
    const ok = check(
      found.length === expected,
      `${title}: expected ${expected} records, got ${found.length}`,
    );
    queries.push({
      title,
      filter,
      ...(options ? { options } : {}),
      count: found.length,
      ids: found.map((r) => r.id),
    });
    out.line();
    out.line(`  ${mark(ok)} ${c.bold(title)} ${c.dim(`(${found.length})`)}`);
    out.line(`    ${c.dim(`list(${toJsonText(filter, 0)}${options ? `, ${toJsonText(options, 0)}` : ''})`)}`);
    for (const r of found) out.line(`    ${describeRecord(out, r)}`);
    return found;
  };
  const newestFirst = await query(
    'Messages of the billing session, newest first',
    { session_id: data.s1, type: 'message' },
    SESSION_1_MESSAGES.length,
    { orderBy: '-created_at' },
  );
  check(
    newestFirst.every(
      (r, i) => i === 0 || r.created_at.getTime() <= newestFirst[i - 1]!.created_at.getTime(),
    ),
    'messages come newest first',
  );
  await query(
    'Long answers: 400 < metadata.tokens <= 2000 (numeric range, both operators apply)',
    { session_id: { $in: sessions }, 'metadata.tokens': { $gt: 400, $lte: 2000 } },
    messages.filter((m) => m.tokens > 400 && m.tokens <= 2000).length,
  );
  await query(
    'User turns and tool results: role $in ["user", "tool"]',
    { session_id: { $in: sessions }, role: { $in: ['user', 'tool'] } },
    messages.filter((m) => m.role === 'user' || m.role === 'tool').length,
  );
  await query(
    'Content mentioning the invoice: content $like "%INV-2041%"',
    { session_id: { $in: sessions }, content: { $like: '%INV-2041%' } },
    messages.filter((m) => m.content.includes('INV-2041')).length,
  );
  await query(
    `Answers by the small model: metadata.model = "${HAIKU}"`,
    { session_id: { $in: sessions }, type: 'message', 'metadata.model': HAIKU },
    messages.filter((m) => m.model === HAIKU).length,
  );
  const messageCount = await store.count({ type: 'message', session_id: { $in: sessions } });
  const bySession: Record<string, number> = {};
  for (const s of sessions) bySession[s] = (await store.getBySession(s)).length;
  const countOk = check(
    messageCount === messages.length,
    `count(messages): expected ${messages.length}, got ${messageCount}`,
  );
  out.line();
  out.line(`  ${mark(countOk)} ${c.bold('Counting')}`);
  out.line(`    count({"type":"message","session_id":{"$in":[...]}}) = ${messageCount}`);
  for (const [s, n] of Object.entries(bySession)) out.line(`    getBySession("${s}") -> ${n} live records`);

  // 3. Expiry: expired records read as missing, are excluded from queries, and cleanupExpired() removes them.
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

  // 4. Streaming: an async iterable that holds at most one batch in memory.
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
  const expectedStream = bySession[data.s1] ?? -1;
  const streamOk = check(
    streamed.length === expectedStream,
    `stream(): expected ${expectedStream} records, got ${streamed.length}`,
  );
  out.line(`  ${mark(streamOk)} ${streamed.length} records in batches of ${batchSize}`);

  // 5. A transaction whose work is undone by a failure.
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

  // 6. Health and stats.
  out.heading('6. Health and stats');
  const health = await store.healthCheck();
  check(health.status !== 'unhealthy', `healthCheck(): ${health.error ?? health.status}`);
  printHealth(out, health, 2);
  const stats = await store.stats();
  out.line();
  printStats(out, stats, 2);

  out.heading('Next');
  const flag = where.file ? ` --config ${where.file}` : '';
  out.line(`  recordstore list${flag} --filter '{"session_id":"${data.s1}"}' --limit 5`);
  out.line(`  recordstore get${flag} ${data.s1}-msg-05`);
  out.line(`  recordstore count${flag} --filter '{"metadata.tokens":{"$gte":100}}'`);
  out.line(`  recordstore --help`);
  out.line();
  out.line(
    failedChecks.length === 0
      ? c.green(`tour complete: every check passed (run ${run})`)
      : c.red(`tour finished with ${failedChecks.length} failed check(s)`),
  );

  return {
    ok: failedChecks.length === 0,
    run,
    store: { backend: store.name, storage: where.storage, file: where.file, location },
    clearedFromEarlierRuns: cleared,
    written: { total: ids.length, byType, sessions },
    queries,
    counts: { messages: messageCount, bySession },
    expiry: {
      pastExpiryLoad: pastExpiry === null ? 'missing' : 'found',
      shortTtlBefore,
      shortTtlAfter,
      cacheCountAfter,
      cleanupExpiredRemoved: removed,
    },
    stream: {
      session: data.s1,
      batchSize,
      records: streamed.length,
      types: [...new Set(streamed.map((r) => String(r.type)))],
    },
    transaction: { rolledBack, error: rollbackError, countBefore, countAfter, draftFound },
    health,
    stats,
    failedChecks,
  };
}

/** Where the store lives, from the health details backends report (file path, database, host). */
function locationOf(health: HealthReport): string | null {
  const d = health.details;
  for (const key of ['path', 'file', 'filename', 'database']) {
    if (typeof d[key] === 'string' && d[key] !== '') return d[key] as string;
  }
  return null;
}
