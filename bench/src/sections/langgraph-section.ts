import type { RunnableConfig } from '@langchain/core/runnables';
import {
  type ChannelVersions,
  type Checkpoint,
  type CheckpointMetadata,
  copyCheckpoint,
  emptyCheckpoint,
  uuid6,
} from '@langchain/langgraph-checkpoint';
import { CHECKPOINTERS, type Checkpointer, openCheckpointer } from '../contenders/checkpointers.js';
import type { Family } from '../contenders/types.js';
import { rng } from '../records.js';
import type { ResultRow, SectionInfo } from '../report.js';
import { nowMs, type Samples } from '../stats.js';
import { gc, roundOrder, samplesFor } from '../workloads/measure.js';
import { rowsFrom, unsupportedRow } from '../workloads/result-rows.js';
import type { FamilyTarget, RunContext } from '../workloads/run-context.js';
import { sectionContext } from './section-context.js';

/** The report section of the checkpoint savers. */
export const LANGGRAPH_SECTION: SectionInfo = {
  title: 'LangGraph checkpointers: RecordStoreSaver vs LangGraph’s own savers',
  notes: [
    '`RecordStoreSaver` (@recordstore/langgraph) on a recordstore PostgreSQL or SQLite store vs `PostgresSaver` ' +
      '(@langchain/langgraph-checkpoint-postgres) and `SqliteSaver` (@langchain/langgraph-checkpoint-sqlite), each ' +
      'on a database or file of its own, driven in rounds with the order rotating.',
    'One thread per saver, written as a graph does: an input checkpoint that sets 5 channels (messages ~3 KB, ' +
      'context ~2 KB, user, plan, draft ~0.8 KB), then one checkpoint per step in which only `draft` changes ' +
      '(new_versions from the saver’s own getNextVersion, versions_seen of the node that read it).',
    '`ratio` = relative to LangGraph’s own saver of the same engine (higher is better): its p95 ÷ p95 for ms ' +
      'rows, its bytes ÷ bytes for storage.',
  ],
};

const STATIC_CHANNELS = ['messages', 'context', 'user', 'plan'] as const;
const WRITES_PER_CHUNK = 50;

/** The channel values of the thread: the static ones are the same for every saver and step. */
function channelValue(channel: string, step: number): unknown {
  const random = rng(1000 + step);
  const text = (n: number) =>
    Array.from({ length: n }, () => Math.floor(random() * 36 ** 6).toString(36)).join(' ');
  switch (channel) {
    case 'messages':
      return Array.from({ length: 10 }, (_, i) => ({
        role: i % 2 ? 'assistant' : 'user',
        content: text(40),
        id: `msg-${i}`,
      }));
    case 'context':
      return { documents: Array.from({ length: 4 }, (_, i) => ({ source: `doc-${i}`, text: text(70) })) };
    case 'user':
      return { id: 'user-42', name: 'Ada', locale: 'en-GB', plan: 'pro' };
    case 'plan':
      return { goal: text(12), steps: [text(6), text(6), text(6)] };
    default:
      return { step, tool: 'search_orders', result: text(100), tokens: Math.floor(random() * 4000) };
  }
}

/** Writes one thread as a graph would, through the saver's public API; `next()` returns the put's ms. */
class ThreadWriter {
  #checkpoint: Checkpoint = emptyCheckpoint();
  #config: RunnableConfig;
  #step = -1;
  readonly ids: string[] = [];

  constructor(
    readonly cp: Checkpointer,
    threadId: string,
  ) {
    this.#config = { configurable: { thread_id: threadId, checkpoint_ns: '' } };
  }

  async next(): Promise<number> {
    const saver = this.cp.saver;
    const nextVersion = saver.getNextVersion.bind(saver) as (current: unknown) => string | number;
    const step = this.#step;
    const previous = this.#checkpoint;
    const checkpoint = copyCheckpoint(previous);
    checkpoint.id = uuid6(step);
    checkpoint.ts = new Date().toISOString();
    const changed = step === -1 ? [...STATIC_CHANNELS, 'draft'] : ['draft'];
    const newVersions: ChannelVersions = {};
    for (const channel of changed) {
      const version = nextVersion(previous.channel_versions[channel]);
      checkpoint.channel_versions[channel] = version;
      newVersions[channel] = version;
      checkpoint.channel_values[channel] = channelValue(channel, step);
    }
    if (step >= 0) checkpoint.versions_seen.agent = { draft: previous.channel_versions.draft! };
    const metadata: CheckpointMetadata = { source: step === -1 ? 'input' : 'loop', step, parents: {} };
    const t0 = nowMs();
    this.#config = await saver.put(this.#config, checkpoint, metadata, newVersions);
    const elapsed = nowMs() - t0;
    this.#checkpoint = checkpoint;
    this.#step++;
    this.ids.push(checkpoint.id);
    return elapsed;
  }
}

/**
 * Puts, getTuple (latest and by id), list of the whole thread and storage per checkpoint of the savers of
 * one engine. Each saver writes one thread of `checkpointThread` checkpoints on its own empty database
 * or file; the bytes its tables grew by, divided by the checkpoints, are its storage per checkpoint.
 */
export async function langgraphSection(
  ctx: RunContext,
  family: Family,
  target: FamilyTarget,
  sections: Record<string, SectionInfo>,
): Promise<void> {
  const sub = sectionContext(
    ctx,
    {
      id: 'langgraph',
      info: LANGGRAPH_SECTION,
      references: [CHECKPOINTERS.postgres[0], CHECKPOINTERS.sqlite[0]],
    },
    sections,
  );
  const names = CHECKPOINTERS[family];
  const savers: Checkpointer[] = [];
  try {
    for (const name of names)
      savers.push(await openCheckpointer(name, await target.fresh(`bench_lg_${name.replace(/-/g, '_')}`)));
  } catch (error) {
    const why = `not measured: ${(error as Error).message.split('\n')[0]}`;
    sub.log(`${family}: ${why}`);
    for (const name of names)
      sub.rows.push(unsupportedRow('all checkpoint workloads', { name, family }, why));
    for (const cp of savers) await cp.close();
    sub.flush();
    return;
  }
  try {
    await measure(sub, family, savers, names[0]);
  } finally {
    for (const cp of savers) await cp.close();
  }
  sub.flush();
}

async function measure(ctx: RunContext, family: Family, savers: Checkpointer[], reference: string) {
  const s = ctx.options.sizes;
  const n = s.checkpointThread;
  const samples = new Map<string, Map<string, Samples>>();
  const before = new Map<string, number>();
  for (const cp of savers) before.set(cp.name, await cp.bytes());
  const writers = savers.map((cp) => new ThreadWriter(cp, 'bench-thread'));
  const put = 'put (one channel changed)';
  for (let chunk = 0; chunk * WRITES_PER_CHUNK < n; chunk++) {
    for (const w of roundOrder(writers, chunk)) {
      const sample = samplesFor(samples, put, w.cp.name);
      const count = Math.min(WRITES_PER_CHUNK, n - chunk * WRITES_PER_CHUNK);
      for (let i = 0; i < count; i++) sample.latencies.push(await w.next());
    }
  }
  const storage: ResultRow[] = [];
  const bytes = new Map<string, number>();
  for (const cp of savers) bytes.set(cp.name, ((await cp.bytes()) - before.get(cp.name)!) / n);
  for (const cp of savers) {
    const value = bytes.get(cp.name)!;
    storage.push({
      workload: `storage per checkpoint (thread of ${n.toLocaleString('en-US')})`,
      family,
      contender: cp.name,
      unit: 'bytes',
      median: value,
      p50_ms: null,
      p95_ms: null,
      p99_ms: null,
      ratio_to_raw: bytes.get(reference)! / value,
      supported: true,
      notes:
        family === 'postgres'
          ? 'growth of pg_total_relation_size over its tables ÷ checkpoints'
          : 'growth of page_count × page_size of its file (WAL checkpointed) ÷ checkpoints',
    });
  }
  ctx.log(`${family}: wrote a thread of ${n} checkpoints per saver`);

  const reads = ctx.options.quick ? 50 : 500;
  const random = rng(ctx.options.seed + 7);
  const listed = `list the whole thread (${n.toLocaleString('en-US')} checkpoints)`;
  const latest = 'getTuple (latest of the thread)';
  const byId = 'getTuple (a checkpoint by id)';
  for (let round = 0; round < s.listRounds; round++) {
    const picks = Array.from({ length: reads }, () => Math.floor(random() * n));
    for (const w of roundOrder(writers, round)) {
      const saver = w.cp.saver;
      const thread = { configurable: { thread_id: 'bench-thread', checkpoint_ns: '' } };
      gc();
      let sample = samplesFor(samples, latest, w.cp.name);
      for (let i = 0; i < reads; i++) {
        const t0 = nowMs();
        const tuple = await saver.getTuple(thread);
        sample.latencies.push(nowMs() - t0);
        if (tuple?.checkpoint.id !== w.ids.at(-1))
          throw new Error(`${w.cp.name}: getTuple did not return the latest checkpoint`);
      }
      sample = samplesFor(samples, byId, w.cp.name);
      for (const pick of picks) {
        const config = { configurable: { ...thread.configurable, checkpoint_id: w.ids[pick]! } };
        const t0 = nowMs();
        const tuple = await saver.getTuple(config);
        sample.latencies.push(nowMs() - t0);
        if (tuple?.checkpoint.id !== w.ids[pick]) throw new Error(`${w.cp.name}: getTuple by id missed`);
      }
      gc();
      const t0 = nowMs();
      let count = 0;
      for await (const _tuple of saver.list(thread)) count++;
      samplesFor(samples, listed, w.cp.name).latencies.push(nowMs() - t0);
      if (count !== n) throw new Error(`${w.cp.name}: list returned ${count} checkpoints, expected ${n}`);
    }
    ctx.log(`${family}: read round ${round + 1}/${s.listRounds} done`);
  }
  for (const workload of [put, latest, byId, listed]) {
    ctx.rows.push(...rowsFrom(workload, family, samples.get(workload)!, 'ms', reference));
  }
  ctx.rows.push(...storage);
}
