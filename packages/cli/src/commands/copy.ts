import { type CopyReport, type CopyVerification, copyRecords, verifyCopy } from '@recordstore/core';
import type { Command } from 'commander';
import { usageError } from '../cli-error.js';
import { type CommandContext, makeAction, type RunState } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import type { Output } from '../output.js';
import { nonNegativeInt } from '../parse-options.js';
import { createProgress, formatCount, formatDuration } from '../progress.js';
import { assertSetUp, resolveStore, withInterrupt, withStores } from '../stores.js';

/** What `copy --json` prints. */
export interface CopyJson extends Omit<CopyReport, 'watermark'> {
  from: string;
  to: string;
  watermark: {
    /** The meta key the watermark is kept under in the target. */
    key: string;
    phase: string;
    status: string;
    position: { updatedAt: string; id: string } | null;
    completedAt: string | null;
  };
}

/** Registers `copy`. */
export function registerCopy(program: Command, io: CliIo, state: RunState): void {
  program
    .command('copy')
    .description(
      'copy every live record from one store to another (any two backends), in batches; idempotent and resumable',
    )
    .requiredOption(
      '--from <store>',
      'source: an inline store (<scheme>:<location>, e.g. sqlite:<path>, postgres://<url>, memory:) or a storage_types name of the config file',
    )
    .requiredOption('--to <store>', 'target, in the same forms')
    .option(
      '--incremental',
      'copy only what changed (by updated_at) since the last completed run, from the watermark kept in the target',
    )
    .option(
      '--verify',
      'afterwards, compare counts and per-record checksums of both stores (exit 4 if they differ)',
    )
    .option(
      '--batch-size <n>',
      'records per read and per write (default 1000; 10000 into a target with a bulk import path, e.g. COPY on PostgreSQL)',
      nonNegativeInt,
    )
    .option('--restart', "ignore an interrupted run's watermark and copy everything from the start")
    .option(
      '--verify-only',
      'copy nothing: compare counts and per-record checksums of the two stores (exit 4 if they differ), e.g. after a restore',
    )
    .addHelpText(
      'after',
      `
Examples:
  recordstore copy --from sqlite:./data/recordstore.db --to postgres://app@db:5432/records --verify
  recordstore copy --from local --to production --incremental     # storage_types names of the config file

A copy killed half way resumes where it stopped when run again; nothing is copied twice or lost.`,
    )
    .action(makeAction(io, state, copy));
}

async function copy(ctx: CommandContext): Promise<void> {
  const batchSize = ctx.options.batchSize as number | undefined;
  if (batchSize === 0) throw usageError('--batch-size must be at least 1.', 'batch-size');
  const from = await resolveStore(ctx, String(ctx.options.from), 'from');
  const to = await resolveStore(ctx, String(ctx.options.to), 'to');
  if (from.key === to.key) {
    throw usageError(`--from and --to name the same store (${from.key}); copy between two different stores.`);
  }
  await assertSetUp(from, 'from');
  const progress = createProgress(ctx.io, { json: ctx.out.json });
  if (ctx.options.verifyOnly === true) {
    for (const option of ['incremental', 'restart', 'verify'] as const) {
      if (ctx.options[option] === true)
        throw usageError(`--verify-only copies nothing: drop --${option}.`, option);
    }
    await assertSetUp(to, 'to');
    const verification = await withStores([from, to], ([source, target]) =>
      withInterrupt(async (signal) => {
        try {
          return await verifyCopy({
            from: source!,
            to: target!,
            ...(batchSize === undefined ? {} : { batchSize }),
            onProgress: progress.onProgress,
            signal,
          });
        } finally {
          progress.stop();
        }
      }),
    );
    const doc = { from: from.key, to: to.key, verification };
    ctx.out.result(doc, () => printVerification(ctx.out, verification));
    if (!verification.ok) ctx.setExitCode(EXIT.verifyFailed);
    return;
  }
  ctx.out.debug(`recordstore: copying ${from.key} -> ${to.key}`);
  const report = await withStores([from, to], ([source, target]) =>
    withInterrupt(async (signal) => {
      try {
        return await copyRecords({
          from: source!,
          to: target!,
          sourceKey: from.key,
          incremental: ctx.options.incremental === true,
          verify: ctx.options.verify === true,
          restart: ctx.options.restart === true,
          ...(batchSize === undefined ? {} : { batchSize }),
          onProgress: progress.onProgress,
          signal,
        });
      } finally {
        progress.stop();
      }
    }, " The target's watermark covers every batch written: run the same command again to resume."),
  );
  const doc: CopyJson = {
    from: from.key,
    to: to.key,
    ...report,
    watermark: {
      key: report.watermark.key,
      phase: report.watermark.phase,
      status: report.watermark.status,
      position: report.watermark.position
        ? { updatedAt: report.watermark.position.updatedAt.toISOString(), id: report.watermark.position.id }
        : null,
      completedAt: report.watermark.completedAt?.toISOString() ?? null,
    },
  };
  ctx.out.result(doc, () => printCopy(ctx.out, doc));
  if (report.verification && !report.verification.ok) {
    ctx.setExitCode(EXIT.verifyFailed);
    ctx.out.note(
      'recordstore: copy --verify: the stores differ (see above); run the copy again, then verify.',
    );
  }
}

function printCopy(out: Output, doc: CopyJson): void {
  const { c } = out;
  const how = `${doc.mode}${doc.resumed ? ', resumed an interrupted run' : ''}`;
  out.line(`${c.bold('copied')} ${doc.from} -> ${doc.to} (${how})`);
  out.field(
    'written',
    `${formatCount(doc.written)} records (${formatCount(doc.fullPass)} by id, ${formatCount(doc.incrementalPass)} by updated_at) in ${formatCount(doc.batches)} batches`,
  );
  if (doc.unchanged > 0)
    out.field('unchanged', `${formatCount(doc.unchanged)} records already in the target`);
  out.field('time', `${formatDuration(doc.durationMs)}, ${formatCount(doc.ratePerSecond)} records/s`);
  out.field(
    'watermark',
    !doc.resumable
      ? 'not kept: the target offers no meta storage (plain copy; --incremental needs it)'
      : doc.watermark.position
        ? `updated_at ${doc.watermark.position.updatedAt}${doc.watermark.position.id ? `, id ${doc.watermark.position.id}` : ''} (${doc.watermark.status})`
        : doc.watermark.status,
  );
  if (doc.verification) printVerification(out, doc.verification);
}

/** Prints a {@link CopyVerification} (shared with other commands that verify). */
export function printVerification(out: Output, v: CopyVerification): void {
  const { c } = out;
  const verdict = v.ok ? c.green('identical') : c.red('DIFFERENT');
  out.line(
    `${c.bold('verify')}: ${verdict}: source ${formatCount(v.sourceCount)}, target ${formatCount(v.targetCount)}, matched ${formatCount(v.matched)} (${formatDuration(v.durationMs)})`,
  );
  for (const [label, list] of [
    ['missing in the target', v.missing],
    ['only in the target', v.extra],
    ['different', v.mismatched],
  ] as const) {
    if (list.count > 0) {
      out.field(
        label,
        `${formatCount(list.count)}: ${list.sample.join(', ')}${list.count > list.sample.length ? ', ...' : ''}`,
      );
    }
  }
}
