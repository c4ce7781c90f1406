import type { Filter, ListOptions } from '@recordstore/core';
import { toJsonText } from '../output.js';
import { describeRecord, type TourContext } from './tour-context.js';
import {
  buildDataset,
  HAIKU,
  runId,
  SESSION_1_MESSAGES,
  SESSION_2_MESSAGES,
  TOUR_KEY,
  type TourDataset,
} from './tour-dataset.js';

/** One query the tour ran. */
export interface TourQuery {
  title: string;
  filter: Filter;
  options?: ListOptions;
  count: number;
  ids: string[];
}

/** What step 1 wrote. */
export interface WrittenSessions {
  /** The run's namespace: every id it wrote starts with it. */
  run: string;
  /** When the dataset was written: its expiry times count from here. */
  now: number;
  /** Records of earlier tour runs deleted first. */
  cleared: number;
  data: TourDataset;
  total: number;
  byType: Record<string, number>;
}

/** Step 1: clears what earlier runs left, then writes a fresh run's dataset in one all-or-nothing call. */
export async function writeSessions(tc: TourContext): Promise<WrittenSessions> {
  const { store, out, check } = tc;
  const { c } = out;
  const cleared = await store.deleteMany({ [TOUR_KEY]: { $exists: true } });
  // After the clearing, which may take a while: the short-TTL entry must still be live when it is read.
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
  return { run, now, cleared, data, total: ids.length, byType };
}

/** What step 2 found. */
export interface QueryResults {
  queries: TourQuery[];
  messages: number;
  bySession: Record<string, number>;
}

/** Step 2: filtered queries, all evaluated in the database, and counts. */
export async function runQueries(tc: TourContext, data: TourDataset): Promise<QueryResults> {
  const { store, out, check, mark } = tc;
  const { c } = out;
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
  return { queries, messages: messageCount, bySession };
}
