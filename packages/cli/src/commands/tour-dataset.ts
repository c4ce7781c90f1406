import type { RecordInput } from '@recordstore/core';

/** Every record the tour writes carries this key, so a later run can find and clear them. */
export const TOUR_KEY = 'recordstore_tour';
/** How long the tour's short-lived cache entry lives. */
export const SHORT_TTL_MS = 1000;

/** One message of the seed conversations. */
export interface SeedMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  model: string;
  tokens: number;
  latency_ms: number;
}

/** The model of most turns. */
export const SONNET = 'claude-sonnet-4-5';
/** The small model, filtered for by one of the tour's queries. */
export const HAIKU = 'claude-haiku-4-5';

// Two realistic agent sessions: a billing support chat with tool calls, and trip planning.
export const SESSION_1_MESSAGES: SeedMessage[] = [
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

export const SESSION_2_MESSAGES: SeedMessage[] = [
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

/** The tour's records of one run and the ids its steps look at. */
export interface TourDataset {
  s1: string;
  s2: string;
  t1: string;
  t2: string;
  records: RecordInput[];
  cacheId: string;
  rateLimitId: string;
}

/** The tour's dataset for one run: every id is prefixed with the run id. */
export function buildDataset(run: string, now: number): TourDataset {
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

/** A fresh namespace per run: `tour-<utc stamp>-<random>`. */
export function runId(now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `tour-${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}
