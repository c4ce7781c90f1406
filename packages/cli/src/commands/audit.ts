import type { AuditEntry } from '@recordstore/core';
import type { Command } from 'commander';
import { requireStoreCapability } from '../backend-capabilities.js';
import { usageError } from '../cli-error.js';
import { type CommandContext, makeAction, type RunState } from '../context.js';
import type { CliIo } from '../io.js';
import type { Output } from '../output.js';
import { nonNegativeInt } from '../parse-options.js';
import { withStore } from '../target.js';

/** Entries `audit` shows when --limit is not given. */
const DEFAULT_AUDIT_LIMIT = 50;

/** Registers `audit`. */
export function registerAudit(program: Command, io: CliIo, state: RunState): void {
  program
    .command('audit')
    .description(
      'show the audit log (newest first): who changed which record, when, and what the backend records ' +
        'with it, such as hashes of the row before and after (backends that offer the audit capability)',
    )
    .option('--id <id>', 'only the entries of this record')
    .option('-l, --limit <n>', `at most n entries (default ${DEFAULT_AUDIT_LIMIT})`, nonNegativeInt)
    .action(makeAction(io, state, audit));
}

async function audit(ctx: CommandContext): Promise<void> {
  const target = await ctx.target();
  const limit = (ctx.options.limit as number | undefined) ?? DEFAULT_AUDIT_LIMIT;
  if (limit === 0) throw usageError('--limit must be at least 1.', 'limit');
  const id = ctx.options.id as string | undefined;
  const entries = await withStore(target, async (store) => {
    const log = requireStoreCapability(store, 'audit', 'audit', target.storageName);
    return log.entries({ limit, ...(id === undefined ? {} : { id }) });
  });
  ctx.out.result({ storage: target.storageName, count: entries.length, entries }, () => {
    if (entries.length === 0) ctx.out.line('no audit entries');
    for (const entry of entries) ctx.out.line(describeEntry(ctx.out, entry));
  });
}

const SHOWN = new Set(['auditId', 'recordId', 'operation', 'actor', 'at']);

/** One entry on one line: time, operation, record, actor, then the details the backend adds. */
function describeEntry(out: Output, entry: AuditEntry): string {
  const at = entry.at instanceof Date ? entry.at.toISOString() : String(entry.at);
  const details = Object.entries(entry)
    .filter(([key]) => !SHOWN.has(key))
    .map(([key, value]) => `${key}=${value === null || value === undefined ? '-' : detailText(value)}`);
  return [at, entry.operation.padEnd(6), entry.recordId, `actor=${entry.actor ?? '-'}`, ...details]
    .map((part, i) => (i === 0 ? out.c.dim(part) : part))
    .join('  ');
}

// Hashes and other long values are shortened: the line is for reading, --json has them whole.
function detailText(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 24 ? `${text.slice(0, 12)}…` : text;
}
