import { validateBackendConfig } from '@recordstore/core';
import type {
  ConvertLayoutReport,
  PartitionMaintenanceReport,
  PartitionStatusReport,
} from '@recordstore/postgres';
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { type CommandContext, makeAction, type RunState } from '../context.js';
import type { CliIo } from '../io.js';
import type { Output } from '../output.js';
import { nonNegativeInt } from '../parse-options.js';
import { formatBytes } from './stats.js';

/** Registers `partitions status|maintain|enable|disable` (PostgreSQL). */
export function registerPartitions(program: Command, io: CliIo, state: RunState): void {
  const partitions = program
    .command('partitions')
    .description(
      'partitioned storage of a PostgreSQL store (partitioning_enabled): status, maintenance, conversion',
    );
  partitions
    .command('status')
    .option(
      '--exact',
      'count the rows of every partition (reads them all) instead of the statistics estimate',
    )
    .description('list the partitions with bounds, row counts and sizes; changes nothing')
    .action(makeAction(io, state, (ctx) => runPartitions(ctx, 'status')));
  partitions
    .command('maintain')
    .description(
      'create the coming range partitions and the configured list partitions, drop (or detach) range partitions older than partition_retention_days',
    )
    .action(makeAction(io, state, (ctx) => runPartitions(ctx, 'maintain')));
  partitions
    .command('enable')
    .option('--batch-size <n>', 'rows per copy statement (default: the config batch_size)', nonNegativeInt)
    .option('--keep-old', 'keep the old table (renamed storage_records_before_<time>) instead of dropping it')
    .description(
      'rebuild storage_records in the partitioned layout the config describes, copying the rows in batches ' +
        'in one transaction (writers wait while it runs, readers do not); nothing changes if it fails',
    )
    .action(makeAction(io, state, (ctx) => runPartitions(ctx, 'enable')));
  partitions
    .command('disable')
    .option('--batch-size <n>', 'rows per copy statement (default: the config batch_size)', nonNegativeInt)
    .option('--keep-old', 'keep the old partitioned table instead of dropping it')
    .description('copy the rows back into one unpartitioned table (primary key on id), in one transaction')
    .action(makeAction(io, state, (ctx) => runPartitions(ctx, 'disable')));
}

type Action = 'status' | 'maintain' | 'enable' | 'disable';

/** The validated PostgreSQL config of the target store, or a clear refusal for other backends. */
export async function postgresConfigOf(
  ctx: CommandContext,
  command: string,
): Promise<Record<string, unknown>> {
  const target = await ctx.target();
  const validated = await validateBackendConfig(target.class, target.config, {
    baseDir: target.baseDir,
    path: target.file === null ? 'default.config' : `storage_types.${target.storageName}.config`,
  });
  if (validated.name !== 'postgresql') {
    throw new CliError(
      'unsupported',
      `${command}: the ${validated.name} backend has no ${command === 'indexes' ? 'index management' : 'partitions'} (PostgreSQL only); choose a postgresql storage with --storage.`,
    );
  }
  return validated.config;
}

async function runPartitions(ctx: CommandContext, action: Action): Promise<void> {
  const config = await postgresConfigOf(ctx, 'partitions');
  const postgres = await import('@recordstore/postgres');
  const { out } = ctx;
  if (action === 'status') {
    const report = await postgres.postgresPartitionStatus({ config, exact: ctx.options.exact === true });
    out.result(report, () => printStatus(out, report));
    return;
  }
  if (action === 'maintain') {
    const report = await postgres.maintainPostgresPartitions({ config });
    out.result(report, () => printMaintenance(out, report));
    return;
  }
  const options = {
    config,
    keepOld: ctx.options.keepOld === true,
    log: (line: string) => out.debug(`partitions ${action}: ${line}`),
    ...(typeof ctx.options.batchSize === 'number' && ctx.options.batchSize > 0
      ? { batchSize: ctx.options.batchSize }
      : {}),
  };
  const report =
    action === 'enable'
      ? await postgres.enablePostgresPartitioning(options)
      : await postgres.disablePostgresPartitioning(options);
  out.result(report, () => printConversion(out, report));
}

function printStatus(out: Output, report: PartitionStatusReport): void {
  const { c } = out;
  out.line(`${c.bold('storage_records')}: ${report.layout}`);
  if (report.partitions.length === 0) {
    out.field('rows', String(report.totalRows));
    out.field('size', formatBytes(report.totalSizeBytes));
    return;
  }
  const exact = report.partitions[0]?.rowsExact ? '' : c.dim(' (estimates; --exact to count)');
  out.line(
    `  ${report.partitions.length} partitions, ${report.totalRows} rows${exact}, ${formatBytes(report.totalSizeBytes)}`,
  );
  const width = Math.max(...report.partitions.map((p) => p.name.length));
  for (const p of report.partitions) {
    const bound =
      p.from !== null
        ? `${p.from.slice(0, 10)} .. ${p.to?.slice(0, 10)}`
        : p.bound.replace(/^FOR VALUES /, '');
    out.line(
      `  ${p.name.padEnd(width)}  ${String(p.rows).padStart(10)} rows  ${formatBytes(p.sizeBytes).padStart(10)}  ${c.dim(bound)}`,
    );
  }
}

function printMaintenance(out: Output, report: PartitionMaintenanceReport): void {
  if (!report.ran) {
    out.line('another process is maintaining the partitions right now; nothing done');
    return;
  }
  out.field('created', report.created.length > 0 ? report.created.join(', ') : 'none');
  out.field('dropped', report.dropped.length > 0 ? report.dropped.join(', ') : 'none');
  if (report.detached.length > 0) out.field('detached', report.detached.join(', '));
  if (report.rowsMoved > 0) out.field('rows moved out of the default partition', String(report.rowsMoved));
  out.field('took', `${report.durationMs} ms`);
}

function printConversion(out: Output, report: ConvertLayoutReport): void {
  if (!report.changed) {
    out.line(`storage_records is already ${report.to}; nothing to do`);
    return;
  }
  out.line(`storage_records: ${report.from} -> ${report.to}`);
  out.field('rows copied', String(report.rowsCopied));
  out.field('partitions', String(report.partitionsCreated.length));
  out.field('indexes', report.indexesCreated.join(', '));
  if (report.keptAs) out.field('old table kept as', report.keptAs);
  out.field('took', `${report.durationMs} ms`);
}
