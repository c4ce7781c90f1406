import type { StorageBackend } from '@recordstore/core';
import type { Command } from 'commander';
import { CliError, usageError } from '../cli-error.js';
import { type CommandContext, makeAction, type RunState } from '../context.js';
import type { CliIo } from '../io.js';
import { nonNegativeInt } from '../parse-options.js';
import { withStore } from '../target.js';

/** Entries `audit` shows when --limit is not given. */
const DEFAULT_AUDIT_LIMIT = 50;

/** One audit entry as a backend with an audit log returns it (PostgreSQL's `auditLog`). */
interface AuditEntryLike {
  auditId: number;
  at: Date;
  dbRole: string;
  actor: string | null;
  tenantId: string | null;
  operation: string;
  recordId: string;
  oldHash: string | null;
  newHash: string | null;
  txid: string;
}

/** A backend that keeps an audit log (found by capability, not by name). */
interface Auditable {
  auditLog(query: { id?: string; limit?: number }): Promise<AuditEntryLike[]>;
}

function isAuditable(store: StorageBackend): store is StorageBackend & Auditable {
  return typeof (store as Partial<Auditable>).auditLog === 'function';
}

/** Registers `audit`. */
export function registerAudit(program: Command, io: CliIo, state: RunState): void {
  program
    .command('audit')
    .description(
      'show the audit log (newest first): who changed which record, when, and hashes of the row before and after (PostgreSQL with audit_enabled)',
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
    if (!isAuditable(store)) {
      throw new CliError(
        'unsupported',
        `the ${store.name} backend keeps no audit log; use a postgresql store with audit_enabled: true.`,
      );
    }
    return store.auditLog({ limit, ...(id === undefined ? {} : { id }) });
  });
  ctx.out.result({ storage: target.storageName, count: entries.length, entries }, () => {
    if (entries.length === 0) {
      ctx.out.line('no audit entries');
      return;
    }
    for (const e of entries) {
      ctx.out.line(
        `${e.at.toISOString()}  ${e.operation.padEnd(6)}  ${e.recordId}  role=${e.dbRole}  actor=${e.actor ?? '-'}` +
          `${e.tenantId === null ? '' : `  tenant=${e.tenantId}`}  old=${e.oldHash?.slice(0, 12) ?? '-'}  new=${e.newHash?.slice(0, 12) ?? '-'}  tx=${e.txid}`,
      );
    }
  });
}
