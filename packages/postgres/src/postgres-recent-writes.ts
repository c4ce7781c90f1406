import type { FilterNode, WriteRow } from '@recordstore/core';

/**
 * Read-your-writes bookkeeping of the read router: a write marks its records' ids and `session_id`s for
 * `read_your_writes_window_ms`; a read that names a marked id, or pins a marked `session_id` in its filter,
 * is recent and goes to the primary during that window. A write whose scope cannot be known (a delete by a
 * filter that pins no session or id) marks every read for the window.
 *
 * Time is `performance.now()` (monotonic), not the store's injectable clock: windows are about replication
 * delay in real time.
 */

/** Most ids (and sessions) remembered per window; beyond that a write marks every read (still correct). */
const MAX_MARKS = 100_000;

/** Marks that expire after a window; insertion order is expiry order, so pruning pops from the front. */
class ExpiringSet {
  readonly #until = new Map<string, number>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  /** Marks `key` until `until`; false when the set is full (the caller then widens the scope). */
  mark(key: string, until: number, now: number): boolean {
    this.prune(now);
    this.#until.delete(key);
    if (this.#until.size >= this.#max) return false;
    this.#until.set(key, until);
    return true;
  }

  has(key: string, now: number): boolean {
    const until = this.#until.get(key);
    return until !== undefined && until > now;
  }

  prune(now: number): void {
    for (const [key, until] of this.#until) {
      if (until > now) return;
      this.#until.delete(key);
    }
  }

  get size(): number {
    return this.#until.size;
  }

  clear(): void {
    this.#until.clear();
  }
}

/** The recent writes of one store, for `windowMs` each (0: nothing is ever recent). */
export class RecentWrites {
  readonly #windowMs: number;
  readonly #ids = new ExpiringSet(MAX_MARKS);
  readonly #sessions = new ExpiringSet(MAX_MARKS);
  /** Until when every read counts as recent (a write whose scope is unknown). */
  #allUntil = 0;

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  /** False when the window is 0: writes need no tracking. */
  get enabled(): boolean {
    return this.#windowMs > 0;
  }

  /** Marks the ids and sessions of written rows. */
  markRows(rows: readonly WriteRow[]): void {
    if (!this.enabled) return;
    const now = performance.now();
    const until = now + this.#windowMs;
    for (const row of rows) {
      if (!this.#ids.mark(row.id, until, now)) this.#markAll(until);
      if (row.session_id !== null && !this.#sessions.mark(row.session_id, until, now)) this.#markAll(until);
    }
  }

  /** Marks deleted ids. */
  markIds(ids: readonly string[]): void {
    if (!this.enabled) return;
    const now = performance.now();
    const until = now + this.#windowMs;
    for (const id of ids) if (!this.#ids.mark(id, until, now)) this.#markAll(until);
  }

  /** Marks what a delete by filter may have touched: its pinned sessions and ids, else everything. */
  markFilter(filter: FilterNode): void {
    if (!this.enabled) return;
    const now = performance.now();
    const until = now + this.#windowMs;
    const pins = pinnedValues(filter);
    if (pins.session_id.length === 0 && pins.id.length === 0) {
      this.#markAll(until);
      return;
    }
    for (const s of pins.session_id) if (!this.#sessions.mark(s, until, now)) this.#markAll(until);
    for (const id of pins.id) if (!this.#ids.mark(id, until, now)) this.#markAll(until);
  }

  /** True when a read of `id` must see the primary. */
  idIsRecent(id: string): boolean {
    if (!this.enabled) return false;
    const now = performance.now();
    return this.#allUntil > now || this.#ids.has(id, now);
  }

  /** True when a read by `filter` must see the primary. */
  filterIsRecent(filter: FilterNode): boolean {
    if (!this.enabled) return false;
    const now = performance.now();
    if (this.#allUntil > now) return true;
    if (this.#ids.size === 0 && this.#sessions.size === 0) return false;
    const pins = pinnedValues(filter);
    return (
      pins.session_id.some((s) => this.#sessions.has(s, now)) || pins.id.some((id) => this.#ids.has(id, now))
    );
  }

  #markAll(until: number): void {
    this.#allUntil = Math.max(this.#allUntil, until);
    // Everything reads from the primary meanwhile: the individual marks are moot.
    this.#ids.clear();
    this.#sessions.clear();
  }
}

/** Values a filter pins `session_id` and `id` to through its top-level conjunction (eq / in). */
function pinnedValues(filter: FilterNode): { session_id: string[]; id: string[] } {
  const out = { session_id: [] as string[], id: [] as string[] };
  const visit = (node: FilterNode): void => {
    if (node.op === 'and') {
      for (const child of node.nodes) visit(child);
      return;
    }
    if ((node.op !== 'eq' && node.op !== 'in') || node.field.kind !== 'string') return;
    const column = node.field.column;
    if (column !== 'session_id' && column !== 'id') return;
    const values = node.op === 'eq' ? [node.value] : node.values;
    for (const v of values) if (typeof v === 'string') out[column].push(v);
  };
  visit(filter);
  return out;
}
