import { resolve } from 'node:path';
import {
  type BackupVerification,
  createBackup,
  isStorageError,
  listBackups,
  pruneBackups,
  type RestoreMode,
  restoreBackup,
  verifyBackup,
} from '@recordstore/core';
import { type Command, Option } from 'commander';
import { CliError, usageError } from '../cli-error.js';
import { type CommandContext, makeAction, type RunState } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import type { Output } from '../output.js';
import { nonNegativeInt, nonNegativeNumber } from '../parse-options.js';
import { createProgress, formatCount, formatDuration } from '../progress.js';
import { type ResolvedStore, resolveStore, withInterrupt, withStores } from '../stores.js';
import { openStore, type StoreTarget } from '../target.js';

/** Where backups go when neither `--dir` nor the store's `backup_path` says (core's default). */
export const DEFAULT_BACKUP_DIR = './data/backups';

const MODES: readonly RestoreMode[] = ['fail-if-not-empty', 'merge', 'replace'];

/** Registers `backup create|list|verify|restore|prune`. */
export function registerBackup(program: Command, io: CliIo, state: RunState): void {
  const backup = program
    .command('backup')
    .description(
      'portable backups (gzip NDJSON + manifest): create, list, verify, restore into any backend, prune',
    );
  const dirOption = () =>
    new Option(
      '--dir <path>',
      `backup folder (default: backup_path of the store's config, else ${DEFAULT_BACKUP_DIR})`,
    );
  backup
    .command('create')
    .addOption(dirOption())
    .option(
      '--from <store>',
      'back up this store instead of the selected one (sqlite:<path>, postgres://<url>, a storage_types name)',
    )
    .description('stream every live record of the store into a new backup file (constant memory)')
    .action(makeAction(io, state, create));
  backup
    .command('list')
    .addOption(dirOption())
    .description('complete backups in the folder, newest first (reads manifests only)')
    .action(makeAction(io, state, list));
  backup
    .command('verify')
    .argument('<file>', 'the backup file (.ndjson.gz)')
    .description(
      'read the whole file and check gzip integrity, record count and checksums (exit 4 if damaged)',
    )
    .action(makeAction(io, state, verify));
  backup
    .command('restore')
    .argument('<file>', 'the backup file (.ndjson.gz)')
    .addOption(
      new Option(
        '--mode <mode>',
        'when the target already holds records: refuse, upsert over them, or delete them first',
      )
        .choices(MODES)
        .default('fail-if-not-empty'),
    )
    .option(
      '--to <store>',
      'restore into this store instead of the selected one (sqlite:<path>, postgres://<url>, a storage_types name)',
    )
    .description(
      'verify the whole file, then load it into the store (any backend); a damaged file changes nothing (exit 4)',
    )
    .action(makeAction(io, state, restore));
  backup
    .command('prune')
    .addOption(dirOption())
    .option(
      '--retention-days <n>',
      "delete backups older than n days (default: the config's backup_retention_days, 30; 0: no age limit)",
      nonNegativeNumber,
    )
    .option(
      '--max-files <n>',
      "keep at most n backups (default: the config's max_backup_files, 7)",
      nonNegativeInt,
    )
    .description('delete old backups and their manifests; the newest is always kept')
    .action(makeAction(io, state, prune));
}

/** The folder of `--dir`, else the store config's backup_path, else the default; relative to the working directory. */
function backupDir(ctx: CommandContext, config: Record<string, unknown>): string {
  const dir = ctx.options.dir as string | undefined;
  const configured =
    typeof config.backup_path === 'string' && config.backup_path.trim() !== ''
      ? config.backup_path
      : undefined;
  return resolve(ctx.io.cwd, dir ?? configured ?? DEFAULT_BACKUP_DIR);
}

/** The store to work on: `--from`/`--to` when given, else the selected one (`--config`, `--storage`). */
async function chosenStore(
  ctx: CommandContext,
  option: 'from' | 'to',
): Promise<{
  config: Record<string, unknown>;
  label: string;
  run<T>(fn: (store: import('@recordstore/core').StorageBackend) => Promise<T>): Promise<T>;
}> {
  const text = ctx.options[option] as string | undefined;
  if (text !== undefined) {
    const store: ResolvedStore = await resolveStore(ctx, text, option);
    return { config: store.config, label: store.key, run: (fn) => withStores([store], ([s]) => fn(s!)) };
  }
  const target: StoreTarget = await ctx.target();
  return {
    config: target.config,
    label: `storage "${target.storageName}" (${target.class})`,
    run: async (fn) => {
      const store = await openStore(target);
      try {
        return await fn(store);
      } finally {
        await store.close().catch(() => undefined);
      }
    },
  };
}

async function create(ctx: CommandContext): Promise<void> {
  const store = await chosenStore(ctx, 'from');
  const dir = backupDir(ctx, store.config);
  const progress = createProgress(ctx.io, { json: ctx.out.json });
  const result = await store.run((backend) =>
    withInterrupt(async (signal) => {
      try {
        return await createBackup(backend, dir, { onProgress: progress.onProgress, signal });
      } finally {
        progress.stop();
      }
    }, ' Its temporary file was removed; nothing else changed.'),
  );
  const m = result.manifest;
  const doc = {
    file: result.file,
    manifestFile: result.manifestFile,
    durationMs: result.durationMs,
    manifest: m,
  };
  ctx.out.result(doc, () => {
    ctx.out.line(`${ctx.out.c.bold('backup')} ${result.file}`);
    ctx.out.field('store', store.label);
    ctx.out.field('records', formatCount(m.record_count));
    ctx.out.field('size', `${formatCount(m.file_bytes)} bytes (gzip)`);
    ctx.out.field('source', `${m.source_backend}, schema version ${m.schema_version ?? 'unknown'}`);
    ctx.out.field('records sha256', m.records_sha256);
    ctx.out.field(
      'time',
      `${formatDuration(result.durationMs)}, ${formatCount(rate(m.record_count, result.durationMs))} records/s`,
    );
  });
}

async function list(ctx: CommandContext): Promise<void> {
  const dir = backupDir(ctx, ctx.options.dir === undefined ? (await ctx.target()).config : {});
  const entries = await listBackups(dir);
  const backups = entries.map((e) => ({
    file: e.file,
    name: e.name,
    bytes: e.bytes,
    createdAt: e.createdAt.toISOString(),
    records: e.manifest?.record_count ?? null,
    sourceBackend: e.manifest?.source_backend ?? null,
    schemaVersion: e.manifest?.schema_version ?? null,
    manifest: e.manifest !== null,
  }));
  ctx.out.result({ dir, backups }, () => {
    ctx.out.line(`${ctx.out.c.bold('backups')} in ${dir}: ${backups.length}`);
    for (const b of backups) {
      const records =
        b.records === null ? ctx.out.c.yellow('no manifest') : `${formatCount(b.records)} records`;
      ctx.out.line(
        `  ${b.createdAt}  ${b.name}  ${records}, ${formatCount(b.bytes)} bytes${b.sourceBackend ? `, from ${b.sourceBackend}` : ''}`,
      );
    }
  });
}

async function verify(ctx: CommandContext, [file]: string[]): Promise<void> {
  const path = resolve(ctx.io.cwd, file!);
  const progress = createProgress(ctx.io, { json: ctx.out.json });
  const result = await withInterrupt(async (signal) => {
    try {
      return await verifyBackup(path, { onProgress: progress.onProgress, signal });
    } finally {
      progress.stop();
    }
  });
  ctx.out.result(result, () => printVerification(ctx.out, result));
  if (!result.ok) ctx.setExitCode(EXIT.verifyFailed);
}

function printVerification(out: Output, v: BackupVerification): void {
  const { c } = out;
  if (v.ok) {
    out.line(`${c.green('intact')}: ${v.file}`);
    out.field('records', formatCount(v.recordCount));
    if (v.header)
      out.field(
        'source',
        `${v.header.source_backend}, schema version ${v.header.schema_version ?? 'unknown'}, taken ${v.header.created_at}`,
      );
    if (v.trailer) out.field('records sha256', v.trailer.records_sha256);
  } else {
    out.line(`${c.red('DAMAGED')}: ${v.file}`);
    out.field('problem', v.problem ?? 'unknown');
    out.field('records readable', formatCount(v.recordCount));
  }
}

async function restore(ctx: CommandContext, [file]: string[]): Promise<void> {
  const path = resolve(ctx.io.cwd, file!);
  const mode = ctx.options.mode as RestoreMode;
  if (!MODES.includes(mode)) throw usageError(`--mode must be one of ${MODES.join(', ')}.`, 'mode');
  const store = await chosenStore(ctx, 'to');
  const progress = createProgress(ctx.io, { json: ctx.out.json });
  let result: Awaited<ReturnType<typeof restoreBackup>>;
  try {
    result = await store.run((backend) =>
      withInterrupt(async (signal) => {
        try {
          return await restoreBackup(path, backend, { mode, onProgress: progress.onProgress, signal });
        } finally {
          progress.stop();
        }
      }, ' Part of the backup may have been written: restore again with --mode replace.'),
    );
  } catch (error) {
    // Nothing was written in either case; the exit code tells a script which.
    if (isStorageError(error) && error.kind === 'validation' && error.path === 'file') {
      throw new CliError('validation', error.message, { exitCode: EXIT.verifyFailed, path: 'file' });
    }
    if (isStorageError(error) && error.kind === 'conflict') {
      throw new CliError(
        'conflict',
        error.message.replace(/choose mode "merge"(.*)"replace"/, 'pass --mode merge$1--mode replace'),
        { exitCode: EXIT.refused, path: 'mode' },
      );
    }
    throw error;
  }
  const doc = { ...result, to: store.label };
  ctx.out.result(doc, () => {
    ctx.out.line(`${ctx.out.c.bold('restored')} ${formatCount(result.restored)} records from ${result.file}`);
    ctx.out.field('into', store.label);
    ctx.out.field('mode', result.mode);
    if (result.deleted > 0) ctx.out.field('deleted first', `${formatCount(result.deleted)} records`);
    ctx.out.field(
      'time',
      `${formatDuration(result.durationMs)}, ${formatCount(rate(result.restored, result.durationMs))} records/s (verify pass included)`,
    );
  });
}

async function prune(ctx: CommandContext): Promise<void> {
  const needsConfig =
    ctx.options.dir === undefined ||
    ctx.options.retentionDays === undefined ||
    ctx.options.maxFiles === undefined;
  const config = needsConfig ? (await ctx.target()).config : {};
  const dir = backupDir(ctx, config);
  const retentionDays =
    (ctx.options.retentionDays as number | undefined) ?? numberOr(config.backup_retention_days, 30);
  const maxFiles = (ctx.options.maxFiles as number | undefined) ?? numberOr(config.max_backup_files, 7);
  if (maxFiles === 0)
    throw usageError('--max-files must be at least 1 (the newest backup is always kept).', 'max-files');
  const result = await pruneBackups(dir, { retentionDays, maxFiles });
  ctx.out.result({ dir, retentionDays, maxFiles, ...result }, () => {
    ctx.out.line(
      `${ctx.out.c.bold('pruned')} ${dir}: deleted ${result.deleted.length}, kept ${result.kept.length} (retention ${retentionDays} days, at most ${maxFiles} files)`,
    );
    for (const f of result.deleted) ctx.out.line(`  deleted ${f}`);
  });
}

function numberOr(value: unknown, fallback: number): number {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : fallback;
}

function rate(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : count;
}
