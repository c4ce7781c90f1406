import {
  type HealthReport,
  isStorageError,
  type StorageBackend,
  validateBackendConfig,
} from '@recordstore/core';
import type { Command } from 'commander';
import { redact } from '../cli-error.js';
import { type CommandContext, makeAction, type RunState } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { type Output, toJsonText } from '../output.js';
import { openStore } from '../target.js';

/** Registers `health`. */
export function registerHealth(program: Command, io: CliIo, state: RunState): void {
  program
    .command('health')
    .description('check that the store answers; exits 0 when healthy (or degraded), 1 when unhealthy')
    .action(makeAction(io, state, health));
}

async function health(ctx: CommandContext): Promise<void> {
  const target = await ctx.target();
  // An invalid config is a config error (exit 2), not an unhealthy store: check it before connecting.
  await validateBackendConfig(target.class, target.config, { baseDir: target.baseDir });
  let store: StorageBackend | null = null;
  let report: HealthReport;
  try {
    store = await openStore(target);
    report = await store.healthCheck();
  } catch (error) {
    if (!isStorageError(error)) throw error;
    // A store that cannot be opened (server down, not migrated, unreadable file) is unhealthy.
    report = {
      status: 'unhealthy',
      backend: target.class,
      responseTimeMs: 0,
      checkedAt: new Date(),
      details: {},
      error: redact(error.message, target.secrets),
    };
  } finally {
    await store?.close().catch(() => undefined);
  }
  if (report.status === 'unhealthy') ctx.setExitCode(EXIT.failed);
  ctx.out.result({ storage: target.storageName, ...report }, () => printHealth(ctx.out, report));
}

/** Prints a health report for humans. */
export function printHealth(out: Output, report: HealthReport, indent = 0): void {
  const { c } = out;
  const pad = ' '.repeat(indent);
  const color = report.status === 'healthy' ? c.green : report.status === 'degraded' ? c.yellow : c.red;
  out.line(
    `${pad}${c.bold(report.backend)}: ${color(report.status)} ${c.dim(`(${report.responseTimeMs} ms)`)}`,
  );
  if (report.error) out.line(`${pad}  ${c.red('error:')} ${report.error}`);
  printDetails(out, report.details, indent + 2);
}

/** A plain object (not an array, a date or null). */
function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date);
}

/**
 * Prints a details object as `key: value` lines, nested objects indented, and a list of objects (the
 * nodes of a cluster, the replicas) one `- key: value, ...` line per item.
 */
export function printDetails(out: Output, details: Record<string, unknown>, indent: number): void {
  for (const [key, value] of Object.entries(details)) {
    if (isRecord(value)) {
      out.line(`${' '.repeat(indent)}${out.c.dim(`${key}:`)}`);
      printDetails(out, value, indent + 2);
    } else if (Array.isArray(value) && value.length > 0 && value.every(isRecord)) {
      out.line(`${' '.repeat(indent)}${out.c.dim(`${key}:`)}`);
      for (const item of value) {
        const fields = Object.entries(item).map(
          ([name, v]) => `${name}: ${typeof v === 'string' ? v : toJsonText(v, 0)}`,
        );
        out.line(`${' '.repeat(indent + 2)}- ${fields.join(', ')}`);
      }
    } else {
      out.field(key, value instanceof Date ? value.toISOString() : value, indent);
    }
  }
}
