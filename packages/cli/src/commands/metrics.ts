import { resolveBackend, type StorageBackend, StorageError } from '@recordstore/core';
import type { Command } from 'commander';
import { registerBuiltinBackends } from '../builtins.js';
import { type CommandContext, makeAction, type RunState } from '../context.js';
import type { CliIo } from '../io.js';
import { type StoreTarget, withStore } from '../target.js';

/** A backend that renders Prometheus metrics (the PostgreSQL backend with `metrics_enabled`). */
interface MetricsSource {
  metrics(): Promise<string>;
}

function hasMetrics(store: StorageBackend): store is StorageBackend & MetricsSource {
  return typeof (store as Partial<MetricsSource>).metrics === 'function';
}

/** Registers `metrics`. */
export function registerMetrics(program: Command, io: CliIo, state: RunState): void {
  program
    .command('metrics')
    .description(
      'print the store metrics in Prometheus text format (PostgreSQL). Connects with metrics_enabled, runs a\n' +
        'health check, then prints: server-side gauges (table rows, table and database size, connections),\n' +
        'pool gauges, replica availability and replay lag, and the operation counters and latency histograms\n' +
        "of this short-lived process (only the health check: a live application's counters come from\n" +
        'backend.metrics() / backend.metricsRegistry in that application)',
    )
    .action(makeAction(io, state, metrics));
}

async function metrics(ctx: CommandContext): Promise<void> {
  const target = await ctx.target();
  registerBuiltinBackends();
  const { name, Backend } = await resolveBackend(target.class, { baseDir: target.baseDir });
  if (typeof (Backend.prototype as Partial<MetricsSource>).metrics !== 'function') {
    throw new StorageError(
      'unsupported',
      `the ${name} backend (storage "${target.storageName}") has no metrics; recordstore metrics works with ` +
        'postgresql. Use `recordstore stats` for this store.',
    );
  }
  const result = await withStore(withMetricsEnabled(target), async (store) => {
    if (!hasMetrics(store)) {
      throw new StorageError('unsupported', `the ${name} backend has no metrics() method.`);
    }
    // Fills the server-side and replica gauges (table size, rows, connections, lag).
    const health = await store.healthCheck();
    return { health, text: await store.metrics() };
  });
  ctx.out.result(
    {
      storage: target.storageName,
      backend: result.health.backend,
      health: result.health.status,
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
      metrics: result.text,
    },
    () => ctx.io.stdout.write(result.text.endsWith('\n') ? result.text : `${result.text}\n`),
  );
}

/**
 * The same store with `metrics_enabled: true`. Opened from the `config:` block directly (not the file's
 * loaded form), so a config error names `default.config.<key>` rather than the file's key path.
 */
function withMetricsEnabled(target: StoreTarget): StoreTarget {
  return { ...target, loaded: null, config: { ...target.config, metrics_enabled: true } };
}
