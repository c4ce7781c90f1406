import type { Command } from 'commander';
import { type CommandContext, makeAction, type RunState } from '../context.js';
import type { CliIo } from '../io.js';
import { nonNegativeNumber } from '../parse-options.js';
import { withStore } from '../target.js';

/** Registers `cleanup`. */
export function registerCleanup(program: Command, io: CliIo, state: RunState): void {
  program
    .command('cleanup')
    .option(
      '--older-than-days <n>',
      'also delete records created more than n days ago (retention), expired or not',
      nonNegativeNumber,
    )
    .description('delete expired records now (in batches of the backend batch_size)')
    .action(makeAction(io, state, cleanup));
}

async function cleanup(ctx: CommandContext): Promise<void> {
  const olderThanDays = ctx.options.olderThanDays as number | undefined;
  const target = await ctx.target();
  const result = await withStore(target, async (store) => ({
    expiredRemoved: await store.cleanupExpired(),
    ...(olderThanDays === undefined
      ? {}
      : { olderThanDays, oldRemoved: await store.cleanupOldData(olderThanDays) }),
  }));
  ctx.out.result(result, () => {
    ctx.out.line(`removed ${result.expiredRemoved} expired record${result.expiredRemoved === 1 ? '' : 's'}`);
    if ('oldRemoved' in result) {
      ctx.out.line(
        `removed ${result.oldRemoved} record${result.oldRemoved === 1 ? '' : 's'} created more than ${olderThanDays} day${olderThanDays === 1 ? '' : 's'} ago`,
      );
    }
  });
}
