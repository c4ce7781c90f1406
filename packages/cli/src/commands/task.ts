import type { Command } from 'commander';
import { listTasks, runTask } from '../admin-tasks.js';
import { targetBackend } from '../backend-capabilities.js';
import { usageError } from '../cli-error.js';
import { type CommandContext, makeAction, type RunState } from '../context.js';
import type { CliIo } from '../io.js';
import { parseTaskArguments } from '../task-options.js';

const TASK_HELP = `
Tasks come from the store's backend (its adminTasks capability); their names are dotted, like
partitions.status or indexes.ensure. Options after the name go to the task as camelCase keys:
--batch-size 2 -> batchSize: 2, --keep-old -> keepOld: true, --no-x -> x: false; numbers, true/false and
JSON objects or arrays are parsed, a repeated option gives a list.

Examples:
  recordstore task --list
  recordstore task partitions.status --exact
  recordstore task partitions.enable --batch-size 5000 --keep-old --storage pg`;

/** Registers `task [name] [--option value ...]` (alias `admin`): the admin tasks of any backend. */
export function registerTask(program: Command, io: CliIo, state: RunState): void {
  program
    .command('task')
    .alias('admin')
    .summary("list or run the maintenance tasks of the store's backend")
    .description(
      "list the maintenance tasks the store's backend offers (without a name, or with --list), or run one by " +
        'name with its options',
    )
    .option('--list', 'list the tasks instead of running one')
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText('after', TASK_HELP)
    .action(makeAction(io, state, task));
}

async function task(ctx: CommandContext): Promise<void> {
  const { words, options } = parseTaskArguments(ctx.operands);
  const [name, ...extra] = words;
  if (extra.length > 0) {
    throw usageError(`task ${name}: unexpected ${extra.join(' ')}; task options are written --name value.`);
  }
  const backend = await targetBackend(ctx);
  if (name === undefined || ctx.options.list === true) {
    if (name !== undefined) throw usageError(`task --list lists every task: drop "${name}".`, 'list');
    await listTasks(ctx, backend, 'task --list');
    return;
  }
  await runTask(ctx, backend, name, options, `task ${name}`);
}

/** A command kept from before tasks were generic: `<command> <sub>` runs the task `<command>.<sub>`. */
interface TaskAlias {
  command: string;
  description: string;
  /** The subcommand when none is given; without one, the command lists its tasks. */
  defaultSub?: string;
  /** Older subcommand names of tasks. */
  renames?: Readonly<Record<string, string>>;
}

const ALIASES: readonly TaskAlias[] = [
  {
    command: 'partitions',
    description:
      "partitioned storage: runs the backend's partitions.<sub> task (status, maintain, enable, disable on the " +
      'backends that offer them); without <sub>, lists them',
  },
  {
    command: 'indexes',
    description:
      "index usage and declared indexes: runs the backend's indexes.<sub> task (analyze, the default; ensure, " +
      'also as create)',
    defaultSub: 'analyze',
    renames: { create: 'ensure' },
  },
];

/** Registers `partitions <sub>` and `indexes <sub>`: thin aliases of `task <command>.<sub>`. */
export function registerTaskAliases(program: Command, io: CliIo, state: RunState): void {
  for (const alias of ALIASES) {
    program
      .command(alias.command)
      .usage('[sub] [--option value ...]')
      .description(alias.description)
      .allowUnknownOption()
      .allowExcessArguments()
      .addHelpText(
        'after',
        `\nThe same as \`recordstore task ${alias.command}.<sub> ...\`; see recordstore task --help.`,
      )
      .action(makeAction(io, state, (ctx) => runAlias(ctx, alias)));
  }
}

async function runAlias(ctx: CommandContext, alias: TaskAlias): Promise<void> {
  const { words, options } = parseTaskArguments(ctx.operands);
  const [sub = alias.defaultSub, ...extra] = words;
  if (extra.length > 0) {
    throw usageError(`${alias.command}: unexpected ${extra.join(' ')}; options are written --name value.`);
  }
  const backend = await targetBackend(ctx);
  if (sub === undefined) {
    await listTasks(ctx, backend, alias.command, `${alias.command}.`);
    return;
  }
  const name = `${alias.command}.${alias.renames?.[sub] ?? sub}`;
  await runTask(ctx, backend, name, options, `${alias.command} ${sub}`);
}
