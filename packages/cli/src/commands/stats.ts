import type { StorageStats } from '@recordstore/core';
import type { Command } from 'commander';
import { type CommandContext, makeAction, type RunState } from '../context.js';
import type { CliIo } from '../io.js';
import type { Output } from '../output.js';
import { withStore } from '../target.js';
import { printDetails } from './health.js';

/** Registers `stats`. */
export function registerStats(program: Command, io: CliIo, state: RunState): void {
  program
    .command('stats')
    .description('print the store statistics (records, size on disk, backend details)')
    .action(makeAction(io, state, stats));
}

async function stats(ctx: CommandContext): Promise<void> {
  const target = await ctx.target();
  const result = await withStore(target, (store) => store.stats());
  ctx.out.result({ storage: target.storageName, ...result }, () => printStats(ctx.out, result));
}

/** Formats a byte count (1536 -> "1.5 KiB"). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Prints store statistics for humans. */
export function printStats(out: Output, stats: StorageStats, indent = 0): void {
  const pad = indent;
  out.field('backend', stats.backend, pad);
  if (stats.records !== undefined) out.field('records', String(stats.records), pad);
  if (stats.sizeBytes !== undefined) out.field('size', formatBytes(stats.sizeBytes), pad);
  out.field('hits / misses', `${stats.hits} / ${stats.misses}`, pad);
  out.field('errors', String(stats.errors), pad);
  out.field('expired removed', String(stats.expiredRemoved), pad);
  const ops = Object.entries(stats.operations)
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
  if (ops) out.field('operations', ops, pad);
  if (stats.details && Object.keys(stats.details).length > 0) {
    out.line(`${' '.repeat(pad)}${out.c.dim('details:')}`);
    printDetails(out, stats.details, pad + 2);
  }
}
