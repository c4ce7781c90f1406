import { type Filter, isPlainObject, parseFilter, parseOrderBy, type RecordInput } from '@recordstore/core';
import type { Command } from 'commander';
import { CliError, usageError } from '../cli-error.js';
import { type CommandContext, makeAction, type RunState } from '../context.js';
import { type CliIo, readAll } from '../io.js';
import { toJsonText } from '../output.js';
import { nonNegativeInt, nonNegativeNumber } from '../parse-options.js';
import { withStore } from '../target.js';

/** How many records `list` shows when --limit is not given. */
export const DEFAULT_LIST_LIMIT = 100;

/** Registers `put`, `get`, `list`, `count` and `delete`. */
export function registerRecords(program: Command, io: CliIo, state: RunState): void {
  program
    .command('put')
    .argument(
      '<json>',
      'a record as JSON (an object, or an array of objects saved all or nothing); - reads stdin',
    )
    .option('--ttl <seconds>', 'expire the record(s) this many seconds from now', nonNegativeNumber)
    .description('save (upsert) a record and print its id; an id is generated when the record has none')
    .action(makeAction(io, state, put));
  program
    .command('get')
    .argument('<id>', 'the record id')
    .description('print a record as JSON; exits 3 when there is no such record (or it has expired)')
    .action(makeAction(io, state, get));
  program
    .command('list')
    .option(
      '-f, --filter <json>',
      'filter as JSON, e.g. \'{"type":"message","metadata.tokens":{"$gt":500}}\'',
    )
    .option('-l, --limit <n>', `at most n records (default ${DEFAULT_LIST_LIMIT})`, nonNegativeInt)
    .option('-o, --offset <n>', 'skip the first n records', nonNegativeInt)
    .option(
      '--order-by <field>',
      'order by created_at, updated_at, expires_at, id, type, session_id or thread_id; prefix - for descending (default -created_at)',
    )
    .description('list live records matching a filter, newest first, one JSON object per line')
    .action(makeAction(io, state, list));
  program
    .command('count')
    .option('-f, --filter <json>', 'filter as JSON')
    .description('count live records matching a filter')
    .action(makeAction(io, state, count));
  program
    .command('delete')
    .argument('<id>', 'the record id')
    .description('delete a record; exits 3 when there was none')
    .action(makeAction(io, state, remove));
}

/** Parses a JSON command-line value, naming the option in the error. */
function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw usageError(`${what} is not valid JSON: ${(error as Error).message}.`, what);
  }
}

/** Parses and validates `--filter` before any store is opened, so a bad filter touches nothing. */
function parseFilterOption(text: unknown): Filter | undefined {
  if (text === undefined) return undefined;
  const filter = parseJson(String(text), '--filter');
  if (!isPlainObject(filter)) {
    throw usageError('--filter must be a JSON object, e.g. \'{"type":"message"}\'.', '--filter');
  }
  parseFilter(filter);
  return filter as Filter;
}

async function put(ctx: CommandContext, [json]: string[]): Promise<void> {
  const text = json === '-' ? await readStdin(ctx) : String(json);
  const value = parseJson(text, json === '-' ? 'stdin' : '<json>');
  const ttl = ctx.options.ttl as number | undefined;
  const withTtl = (record: unknown): RecordInput => {
    if (!isPlainObject(record)) {
      throw usageError(
        `a record must be a JSON object, got ${Array.isArray(record) ? 'an array' : typeof record}.`,
        'record',
      );
    }
    return ttl === undefined ? record : { ...record, expires_at: Date.now() + ttl * 1000 };
  };
  const target = await ctx.target();
  if (Array.isArray(value)) {
    const records = value.map(withTtl);
    const ids = await withStore(target, (store) => store.saveMany(records));
    ctx.out.result({ ids }, () => {
      for (const id of ids) ctx.out.line(id);
    });
    return;
  }
  const record = withTtl(value);
  const id = await withStore(target, (store) => store.save(record));
  ctx.out.result({ id }, () => ctx.out.line(id));
}

async function readStdin(ctx: CommandContext): Promise<string> {
  if (!ctx.io.stdin) throw usageError('put -: there is no standard input to read.', '<json>');
  return readAll(ctx.io.stdin);
}

async function get(ctx: CommandContext, [id]: string[]): Promise<void> {
  const target = await ctx.target();
  const record = await withStore(target, (store) => store.load(String(id)));
  if (record === null) {
    throw new CliError('not_found', `no record with id "${id}" (it does not exist or has expired).`, {
      path: 'id',
    });
  }
  ctx.out.result(record, () => ctx.out.line(toJsonText(record)));
}

async function list(ctx: CommandContext): Promise<void> {
  const filter = parseFilterOption(ctx.options.filter);
  const orderBy = ctx.options.orderBy as string | undefined;
  if (orderBy !== undefined) parseOrderBy(orderBy);
  const limit = (ctx.options.limit as number | undefined) ?? DEFAULT_LIST_LIMIT;
  const offset = (ctx.options.offset as number | undefined) ?? 0;
  const target = await ctx.target();
  const records = await withStore(target, (store) =>
    store.list(filter, { limit, offset, ...(orderBy === undefined ? {} : { orderBy }) }),
  );
  ctx.out.result({ count: records.length, limit, offset, records }, () => {
    for (const record of records) ctx.out.line(toJsonText(record, 0));
    const more = records.length === limit ? `; there may be more: use --limit / --offset` : '';
    ctx.out.line(ctx.out.c.dim(`(${records.length} record${records.length === 1 ? '' : 's'}${more})`));
  });
}

async function count(ctx: CommandContext): Promise<void> {
  const filter = parseFilterOption(ctx.options.filter);
  const target = await ctx.target();
  const n = await withStore(target, (store) => store.count(filter));
  ctx.out.result({ count: n }, () => ctx.out.line(String(n)));
}

async function remove(ctx: CommandContext, [id]: string[]): Promise<void> {
  const target = await ctx.target();
  const deleted = await withStore(target, (store) => store.delete(String(id)));
  if (!deleted) throw new CliError('not_found', `no record with id "${id}" to delete.`, { path: 'id' });
  ctx.out.result({ deleted: true, id }, () => ctx.out.line(`deleted ${id}`));
}
