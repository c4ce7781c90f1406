import type { StorageBackend, StoredRecord } from '@recordstore/core';
import { type Output, toJsonText } from '../output.js';

/** What every step of the tour works with: the store, the output, and the record of its checks. */
export interface TourContext {
  store: StorageBackend;
  out: Output;
  /** Checks the tour made that failed, named; all must pass for exit 0. */
  failedChecks: string[];
  /** Records a check of the store's answer; returns `ok`. */
  check(ok: boolean, what: string): boolean;
  /** A check mark for a line of output. */
  mark(ok: boolean): string;
}

/** A fresh context for one run of the tour. */
export function tourContext(store: StorageBackend, out: Output): TourContext {
  const failedChecks: string[] = [];
  return {
    store,
    out,
    failedChecks,
    check: (ok, what) => {
      if (!ok) failedChecks.push(what);
      return ok;
    },
    mark: (ok) => (ok ? out.c.green('✓') : out.c.red('✗')),
  };
}

/** The time of day, UTC, to the second. */
function clock(date: Date): string {
  return date.toISOString().slice(11, 19);
}

/** `text`, cut to `max` characters with an ellipsis. */
function truncate(text: string, max = 64): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** One record as a short human line: time, type, role or tool, tokens, content. */
export function describeRecord(out: Output, r: StoredRecord): string {
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
