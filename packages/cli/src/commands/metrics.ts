import type { Command } from 'commander';
import { requireStoreCapability } from '../backend-capabilities.js';
import { type CommandContext, makeAction, type RunState } from '../context.js';
import type { CliIo } from '../io.js';
import { withStore } from '../target.js';

/** Registers `metrics`. */
export function registerMetrics(program: Command, io: CliIo, state: RunState): void {
  program
    .command('metrics')
    .description(
      'print the store metrics in Prometheus text format (backends that offer the metrics capability). ' +
        'Connects, runs a health check (which fills server-side gauges such as table size, rows, connections ' +
        "and replica lag), then prints the backend's metrics. Operation counters cover only this short-lived " +
        "process: a live application's come from store.capability('metrics') in that application",
    )
    .action(makeAction(io, state, metrics));
}

async function metrics(ctx: CommandContext): Promise<void> {
  const target = await ctx.target();
  const result = await withStore(target, async (store) => {
    const capability = requireStoreCapability(
      store,
      'metrics',
      'metrics',
      target.storageName,
      'Use `recordstore stats` for this store.',
    );
    const health = await store.healthCheck();
    return { health, text: await capability.text() };
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
