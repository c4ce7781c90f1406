/**
 * Records shaped like agent messages (role, content, tokens, model, tool calls, session and thread ids),
 * about 500 bytes of JSON each, generated deterministically from a seed so every contender gets the same
 * data.
 */

/** One benchmark record: reserved keys plus the message body. */
export interface AgentRecord {
  id: string;
  type: string;
  session_id: string;
  thread_id: string;
  created_at: number;
  expires_at?: number;
  role: 'user' | 'assistant' | 'tool' | 'system';
  content: string;
  /** Uniform integer in [1, 4000]: the typed numeric range filters on it. */
  tokens: number;
  model: string;
  /** One of 1,000 users, uniform: equality on it selects 0.1% of rows. */
  user_id: string;
  latency_ms: number;
  finish_reason: string;
  tool_calls?: { id: string; name: string; arguments: string }[];
}

/** Users in the data set: equality on `user_id` selects 1/USERS of the rows. */
export const USERS = 1_000;
/** Rows per session on average. */
export const ROWS_PER_SESSION = 100;

const WORDS =
  'the agent called a tool to look up the order status and summarised the answer for the user who asked about delivery times refunds and invoices while the model kept the context of the thread short'.split(
    ' ',
  );
const MODELS = ['gpt-4o-mini', 'claude-3-5-haiku', 'llama-3.1-70b', 'mistral-large'];
const ROLES: AgentRecord['role'][] = ['user', 'assistant', 'assistant', 'tool'];
const TOOLS = ['search_orders', 'get_invoice', 'send_email', 'lookup_customer'];

/** A small fast PRNG (mulberry32): reproducible data without a dependency. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Makes records; ids are `<prefix>-<n>` (n zero-padded) so runs never collide across workloads. */
export class RecordFactory {
  readonly #random: () => number;
  #counter = 0;

  constructor(seed: number) {
    this.#random = rng(seed);
  }

  #int(max: number): number {
    return Math.floor(this.#random() * max);
  }

  #sentence(words: number): string {
    const out: string[] = [];
    for (let i = 0; i < words; i++) out.push(WORDS[this.#int(WORDS.length)]!);
    return out.join(' ');
  }

  /**
   * One record. `createdAt` defaults to a time spread over the last 30 days; `sessions` is the number of
   * distinct sessions to draw from (default: rows / {@link ROWS_PER_SESSION} of a 1M table).
   */
  make(
    prefix: string,
    options: { createdAt?: number; expiresAt?: number; sessions?: number } = {},
  ): AgentRecord {
    const n = this.#counter++;
    const sessions = options.sessions ?? 10_000;
    const session = this.#int(sessions);
    const role = ROLES[this.#int(ROLES.length)]!;
    const record: AgentRecord = {
      id: `${prefix}-${String(n).padStart(9, '0')}`,
      type: 'message',
      session_id: `sess-${String(session).padStart(6, '0')}`,
      thread_id: `thr-${String(session).padStart(6, '0')}-${this.#int(4)}`,
      created_at: options.createdAt ?? BASE_TIME - this.#int(30 * 86_400_000),
      role,
      content: this.#sentence(38 + this.#int(8)),
      tokens: 1 + this.#int(4000),
      model: MODELS[this.#int(MODELS.length)]!,
      user_id: `user-${String(this.#int(USERS)).padStart(4, '0')}`,
      latency_ms: 50 + this.#int(3000),
      finish_reason: 'stop',
    };
    if (role === 'assistant' && this.#random() < 0.5) {
      record.tool_calls = [
        {
          id: `call_${n.toString(36)}`,
          name: TOOLS[this.#int(TOOLS.length)]!,
          arguments: JSON.stringify({ query: this.#sentence(3) }),
        },
      ];
    }
    if (options.expiresAt !== undefined) record.expires_at = options.expiresAt;
    return record;
  }

  /** `count` records with the same options. */
  many(prefix: string, count: number, options: Parameters<RecordFactory['make']>[1] = {}): AgentRecord[] {
    const out: AgentRecord[] = new Array(count);
    for (let i = 0; i < count; i++) out[i] = this.make(prefix, options);
    return out;
  }
}

/** A fixed "now" for generated created_at values, so runs are reproducible. */
export const BASE_TIME = Date.UTC(2026, 0, 1);

/** The reserved keys split off a record, and its data (everything else), as a raw contender stores them. */
export function splitRecord(record: AgentRecord): {
  data: Record<string, unknown>;
  id: string;
  type: string;
  session_id: string;
  thread_id: string;
  created_at: number;
  expires_at: number | null;
} {
  const { id, type, session_id, thread_id, created_at, expires_at, ...data } = record;
  return { data, id, type, session_id, thread_id, created_at, expires_at: expires_at ?? null };
}
