import { describeValue, isPlainObject, StorageError } from '@recordstore/core';

/**
 * Validation of the options an admin task's `run(options)` receives (from a command line or a program):
 * each option has a reader that returns its value or fails with what was expected; unknown options are
 * refused. Every failure is a StorageError of kind `validation` naming the task and the option, with
 * `path: options.<name>`. Shared by the partition and index tasks.
 */

/** Reads one option's value, or calls `fail` with what was expected (e.g. "must be true or false"). */
export type OptionReader<T> = (value: unknown, fail: (problem: string) => never) => T;

/** The options a task read: only those given. */
export type ReadOptions<Readers extends Record<string, OptionReader<unknown>>> = {
  [K in keyof Readers]?: ReturnType<Readers[K]>;
};

/** The error for a bad option of `task`. */
export function taskOptionError(task: string, option: string, problem: string): StorageError {
  return new StorageError('validation', `postgresql: ${task}: option ${option} ${problem}`, {
    path: `options.${option}`,
    backend: 'postgresql',
  });
}

/**
 * Reads `options` with one reader per accepted option; `undefined` values count as absent.
 * @throws StorageError(validation) naming the first unknown or invalid option.
 */
export function readTaskOptions<Readers extends Record<string, OptionReader<unknown>>>(
  task: string,
  options: unknown,
  readers: Readers,
): ReadOptions<Readers> {
  const given = options ?? {};
  if (!isPlainObject(given)) {
    throw new StorageError(
      'validation',
      `postgresql: ${task}: options must be an object of option names to values, got ${describeValue(given)}.`,
      { path: 'options', backend: 'postgresql' },
    );
  }
  const accepted = Object.keys(readers);
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(given)) {
    const reader = Object.hasOwn(readers, name) ? readers[name] : undefined;
    if (reader === undefined) {
      const takes = accepted.length === 0 ? 'it takes no options' : `it takes ${accepted.join(', ')}`;
      throw taskOptionError(task, name, `is not an option of ${task}; ${takes}.`);
    }
    if (value === undefined) continue;
    result[name] = reader(value, (problem) => {
      throw taskOptionError(task, name, `${problem}, got ${describeValue(value)}.`);
    });
  }
  return result as ReadOptions<Readers>;
}

/** `true` / `false` (or the strings "true" / "false", as a command line gives them). */
export const booleanOption: OptionReader<boolean> = (value, fail) => {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  return fail('must be true or false');
};

/** An integer of at least 1 (or its decimal digits as a string). */
export const positiveIntegerOption: OptionReader<number> = (value, fail) => {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value.trim()) : value;
  if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 1) return n;
  return fail('must be a positive integer');
};

/** A function taking one progress line (programs only; a command line has none to give). */
export const logOption: OptionReader<(line: string) => void> = (value, fail) => {
  if (typeof value === 'function') return value as (line: string) => void;
  return fail('must be a function taking one line of progress');
};
