import type { EnsureIndexesResult, IndexReport } from '@recordstore/postgres';
import type { Command } from 'commander';
import { usageError } from '../cli-error.js';
import { type CommandContext, makeAction, type RunState } from '../context.js';
import type { CliIo } from '../io.js';
import type { Output } from '../output.js';
import { postgresConfigOf } from './partitions.js';
import { formatBytes } from './stats.js';

/** Registers `indexes` (analyze, the default) and `indexes create` (PostgreSQL). */
export function registerIndexes(program: Command, io: CliIo, state: RunState): void {
  const indexes = program
    .command('indexes')
    .description('index usage of a PostgreSQL store with a verdict, and its declared indexes');
  indexes
    .command('analyze', { isDefault: true })
    .option(
      '-f, --filter <json>',
      'also EXPLAIN this filter as list() runs it and say whether it scans sequentially (repeatable)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .description('usage of every index (pg_stat_user_indexes), unused and missing ones, sequential scans')
    .action(makeAction(io, state, analyze));
  indexes
    .command('create')
    .description('create the indexes declared under `indexes:` that do not exist yet')
    .action(makeAction(io, state, create));
}

async function analyze(ctx: CommandContext): Promise<void> {
  const config = await postgresConfigOf(ctx, 'indexes');
  const raw = (ctx.options.filter as string[] | undefined) ?? [];
  const filters = raw.map((text) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw usageError(`--filter must be JSON, e.g. '{"user.id":{"$gt":"u1"}}'; got ${text}`, 'filter');
    }
  });
  const postgres = await import('@recordstore/postgres');
  const report = await postgres.analyzePostgresIndexes({ config, filters });
  ctx.out.result(report, () => printReport(ctx.out, report));
}

async function create(ctx: CommandContext): Promise<void> {
  const config = await postgresConfigOf(ctx, 'indexes');
  const postgres = await import('@recordstore/postgres');
  const result: EnsureIndexesResult = await postgres.createPostgresDeclaredIndexes({ config });
  ctx.out.result(result, () => {
    ctx.out.field('created', result.created.length > 0 ? result.created.join(', ') : 'none (all exist)');
    if (result.rebuilt.length > 0) ctx.out.field('rebuilt (were invalid)', result.rebuilt.join(', '));
  });
}

function printReport(out: Output, report: IndexReport): void {
  const { c } = out;
  const t = report.table;
  out.line(
    `${c.bold('storage_records')}: ${t.liveRows} live rows; statistics since ${report.statsSince ?? 'server start'}`,
  );
  out.field('sequential scans', `${t.sequentialScans} (${t.rowsPerSequentialScan} rows each on average)`);
  out.field('index scans', String(t.indexScans));
  const width = Math.max(...report.indexes.map((i) => i.name.length), 10);
  out.line('  indexes:');
  for (const i of report.indexes) {
    const verdict =
      i.verdict === 'unused' || i.verdict === 'missing'
        ? c.yellow(i.verdict)
        : i.verdict === 'used'
          ? c.green(i.verdict)
          : c.dim(i.verdict);
    out.line(
      `    ${i.name.padEnd(width)}  ${String(i.scans).padStart(9)} scans  ${formatBytes(i.sizeBytes).padStart(10)}  ${verdict}${i.declared ? c.dim(' (declared)') : ''}`,
    );
  }
  for (const f of report.filters) {
    out.line(
      `  filter ${JSON.stringify(f.filter)}: ${f.sequentialScan ? c.yellow('sequential scan') : c.green('index')}  ${c.dim(f.nodes.join('; '))}`,
    );
  }
  out.line('  verdict:');
  for (const line of report.verdict) out.line(`    - ${line}`);
}
