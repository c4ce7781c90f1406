import { setOwn } from '@recordstore/core';
import { usageError } from './cli-error.js';

/** A `task` command line split into its words (task name, subcommand) and the task's options. */
export interface TaskArguments {
  /** The words that are not options, in order. */
  words: string[];
  /** The options, by camelCase name (`--batch-size 2` -> `batchSize: 2`). */
  options: Record<string, unknown>;
}

const NUMBER = /^-?(?:\d+|\d*\.\d+)$/;

function camelCase(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, ch: string) => ch.toUpperCase());
}

function isOption(token: string | undefined): boolean {
  return token !== undefined && token.length > 1 && token.startsWith('-') && !NUMBER.test(token);
}

/**
 * A value as written on the command line: numbers and `true`/`false` as such, JSON objects and arrays
 * parsed (`--filter '{"score":{"$gt":3}}'`), anything else as text.
 */
function optionValue(option: string, text: string): unknown {
  if (NUMBER.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  if (text.startsWith('{') || text.startsWith('[')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw usageError(
        `--${option}: ${text} looks like JSON but does not parse; quote it as one JSON value.`,
        option,
      );
    }
  }
  return text;
}

/**
 * Reads the options of an admin task from the words the `task` command did not parse itself:
 * `--name value`, `--name=value`, `--flag` (true), `--no-flag` (false); repeated options collect into an
 * array; everything after `--` is a word. Tasks receive the options as camelCase keys, as the rest of the
 * CLI names them.
 *
 * @throws CliError(usage) for a short option (`-x`) or a value that looks like JSON but is not.
 */
export function parseTaskArguments(tokens: readonly string[]): TaskArguments {
  const words: string[] = [];
  const values = new Map<string, unknown[]>();
  const add = (name: string, value: unknown) => {
    const key = camelCase(name);
    values.set(key, [...(values.get(key) ?? []), value]);
  };
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === '--') {
      words.push(...tokens.slice(i + 1));
      break;
    }
    if (!isOption(token)) {
      words.push(token);
      continue;
    }
    if (!token.startsWith('--')) {
      throw usageError(
        `${token}: task options are written in full, as --name value (or --name=value).`,
        token,
      );
    }
    const body = token.slice(2);
    const equals = body.indexOf('=');
    const next = tokens[i + 1];
    if (equals > 0) add(body.slice(0, equals), optionValue(body.slice(0, equals), body.slice(equals + 1)));
    else if (next !== undefined && next !== '--' && !isOption(next))
      add(body, optionValue(body, tokens[++i]!));
    else if (body.startsWith('no-')) add(body.slice(3), false);
    else add(body, true);
  }
  // Repeating an option collects its values (`--filter a --filter b`); a single one stays a value.
  const options: Record<string, unknown> = {};
  for (const [key, list] of values) setOwn(options, key, list.length === 1 ? list[0] : list);
  return { words, options };
}
