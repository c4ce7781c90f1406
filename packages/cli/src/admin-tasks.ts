import { type AdminTask, StorageError } from '@recordstore/core';
import { adminTasksOf, purposeOf, type TargetBackend } from './backend-capabilities.js';
import type { CommandContext } from './context.js';
import { toJsonText } from './output.js';
import { printValue } from './render-value.js';

/** One task as `recordstore task --list` shows it. */
export interface TaskListing {
  name: string;
  summary: string;
}

/** What `recordstore task --list` prints (and `--json` emits). */
export interface TaskList {
  backend: string;
  storage: string;
  tasks: TaskListing[];
}

/**
 * Builds the target backend's admin tasks from its parsed config, runs `fn` with them and always releases
 * what they opened. A backend without the `adminTasks` capability is refused with a typed `unsupported` error.
 */
export async function withAdminTasks<T>(
  backend: TargetBackend,
  command: string,
  fn: (tasks: readonly AdminTask[]) => Promise<T>,
): Promise<T> {
  const admin = adminTasksOf(backend, command);
  try {
    return await fn(admin.tasks);
  } finally {
    await admin.close().catch(() => undefined);
  }
}

/**
 * Lists the target backend's tasks whose names start with `prefix`. With a prefix (`partitions.`), a backend
 * that offers none of them is refused as unsupported; without one, a backend without tasks lists none.
 */
export async function listTasks(
  ctx: CommandContext,
  backend: TargetBackend,
  command: string,
  prefix = '',
): Promise<void> {
  const storage = backend.target.storageName;
  const offered = backend.definition.capabilities?.adminTasks !== undefined || prefix !== '';
  const all = offered
    ? await withAdminTasks(backend, command, async (tasks) =>
        tasks.map((t): TaskListing => ({ name: t.name, summary: t.summary })),
      )
    : [];
  const tasks = all.filter((t) => t.name.startsWith(prefix));
  if (prefix !== '' && tasks.length === 0) {
    throw new StorageError(
      'unsupported',
      `${purposeOf(command, storage)}: the ${backend.name} backend offers no "${prefix}*" tasks` +
        `${all.length > 0 ? `; its tasks: ${all.map((t) => t.name).join(', ')}` : ''}.`,
      { backend: backend.name },
    );
  }
  const doc: TaskList = { backend: backend.name, storage, tasks };
  ctx.out.result(doc, () => {
    const { c } = ctx.out;
    if (tasks.length === 0) {
      ctx.out.line(`the ${backend.name} backend (storage "${storage}") offers no maintenance tasks`);
      return;
    }
    ctx.out.line(
      `${c.bold(backend.name)} (storage "${storage}"): ${tasks.length} task${tasks.length === 1 ? '' : 's'}`,
    );
    const width = Math.max(...tasks.map((t) => t.name.length));
    for (const t of tasks) ctx.out.line(`  ${t.name.padEnd(width)}  ${c.dim(t.summary)}`);
    ctx.out.line(c.dim('  run one with: recordstore task <name> [--option value ...]'));
  });
}

/**
 * Runs the target backend's task `name` with `options` and prints its report: as it is with `--json`,
 * else as text. A backend that has no such task is refused as unsupported, naming the tasks it has.
 */
export async function runTask(
  ctx: CommandContext,
  backend: TargetBackend,
  name: string,
  options: Record<string, unknown>,
  command: string,
): Promise<void> {
  const report = await withAdminTasks(backend, command, async (tasks) => {
    const task = tasks.find((t) => t.name === name);
    if (task === undefined) {
      const names = tasks.map((t) => t.name).join(', ');
      throw new StorageError(
        'unsupported',
        `${purposeOf(command, backend.target.storageName)}: the ${backend.name} backend has no task "${name}"; ` +
          `${names === '' ? 'it offers none' : `its tasks: ${names}`} (recordstore task --list).`,
        { backend: backend.name },
      );
    }
    ctx.out.debug(`recordstore: running the ${backend.name} task ${name} with ${toJsonText(options, 0)}`);
    return task.run(options);
  });
  ctx.out.result(report ?? null, () => printValue(ctx.out, report));
}
