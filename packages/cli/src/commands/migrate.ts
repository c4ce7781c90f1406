import { resolve } from 'node:path';
import type { MigrationRun, MigratorCapability } from '@recordstore/core';
import { StorageError } from '@recordstore/core';
import type { Command } from 'commander';
import { migratorOf, purposeOf, type TargetBackend, targetBackend } from '../backend-capabilities.js';
import { usageError } from '../cli-error.js';
import { type CommandContext, makeAction, type RunState } from '../context.js';
import type { CliIo } from '../io.js';
import { nonNegativeInt } from '../parse-options.js';
import {
  type CreatedMigration,
  type MigrationReport,
  migrationReport,
  printCreatedMigration,
  printMigrationReport,
} from './migration-report.js';

export type { CreatedMigration, MigrationEntry, MigrationReport } from './migration-report.js';

/** Registers `migrate status|up|down|create|baseline`. */
export function registerMigrate(program: Command, io: CliIo, state: RunState): void {
  const migrate = program
    .command('migrate')
    .description(
      "schema migrations of the store, run by its backend's migrator (any backend that offers one; nothing is " +
        'connected until a subcommand needs it)',
    );
  migrate
    .command('status')
    .description('list the migrations and which are applied; changes nothing')
    .action(makeAction(io, state, (ctx) => runMigrate(ctx, 'status')));
  migrate
    .command('up')
    .option('-n, --count <n>', 'apply at most n pending migrations (default: all)', nonNegativeInt)
    .option('--dry-run', 'print the SQL that would run, change nothing')
    .description('apply pending migrations (the backend serialises concurrent runs)')
    .action(makeAction(io, state, (ctx) => runMigrate(ctx, 'up')));
  migrate
    .command('down')
    .option('-n, --count <n>', 'revert the last n applied migrations (default 1)', nonNegativeInt)
    .option('--dry-run', 'print the SQL that would run, change nothing')
    .description('revert applied migrations (backends whose migrations are reversible)')
    .action(makeAction(io, state, (ctx) => runMigrate(ctx, 'down')));
  migrate
    .command('create')
    .argument('<name>', 'what the migration does, e.g. add_tenant_index (letters, digits, - and _)')
    .option(
      '--dir <path>',
      'the folder to write to (default: migrations_dir, ./migrations beside the config file)',
    )
    .description(
      "write a new, empty migration file into the deployment's migrations folder, which `migrate up` applies " +
        'after the migrations the backend ships; touches no database',
    )
    .action(makeAction(io, state, createMigration));
  migrate
    .command('baseline')
    .description(
      "adopt an existing records table made without recordstore's migrations: check its columns, types and key " +
        'and record the shipped migrations it already has as applied; an incompatible table is refused with ' +
        'each difference and the SQL that fixes it',
    )
    .action(makeAction(io, state, (ctx) => runMigrate(ctx, 'baseline')));
}

/** The config key naming the deployment's migrations folder, for backends that declare it. */
const MIGRATIONS_DIR = 'migrations_dir';

/**
 * The selected backend with `migrations_dir` resolved as `recordstore migrate` promises: against the
 * config file's folder, and `./migrations` beside the file when unset. Only for a backend that declares
 * the key and a store from a config file: the embedded default has no file to put the folder beside.
 */
async function migrateTarget(ctx: CommandContext): Promise<TargetBackend> {
  const backend = await targetBackend(ctx);
  const { target, definition } = backend;
  if (target.file === null || !definition.configKeys?.includes(MIGRATIONS_DIR)) return backend;
  const value = backend.config[MIGRATIONS_DIR];
  const dir = resolve(target.baseDir, typeof value === 'string' ? value : 'migrations');
  return { ...backend, config: { ...backend.config, [MIGRATIONS_DIR]: dir } };
}

/** Creates the target's migrator, runs `fn` with it, and always releases it. */
async function withMigrator<T>(
  backend: TargetBackend,
  command: string,
  fn: (migrator: MigratorCapability) => Promise<T>,
): Promise<T> {
  const migrator = migratorOf(backend, command);
  try {
    return await fn(migrator);
  } finally {
    await migrator.close().catch(() => undefined);
  }
}

async function runMigrate(ctx: CommandContext, command: MigrationReport['command']): Promise<void> {
  const backend = await migrateTarget(ctx);
  const dryRun = ctx.options.dryRun === true;
  const count = ctx.options.count as number | undefined;
  if (count === 0) throw usageError('--count must be at least 1.', 'count');
  const where = { backend: backend.name, storage: backend.target.storageName };
  const report = await withMigrator(backend, `migrate ${command}`, async (migrator) => {
    if (command === 'status') return migrationReport(where, command, dryRun, await migrator.status(), null);
    const options = { dryRun, ...(count === undefined ? {} : { count }) };
    let run: MigrationRun;
    if (command === 'baseline') run = await baseline(migrator, backend.name, where.storage);
    else if (command === 'up') run = await migrator.up(options);
    else if (migrator.down) run = await migrator.down(options);
    else {
      throw new StorageError(
        'unsupported',
        `${purposeOf('migrate down', where.storage)}: the ${backend.name} backend's migrations are forward-only ` +
          '(its migrator offers no down); restore a backup or start a new store instead.',
        { backend: backend.name },
      );
    }
    return migrationReport(where, command, dryRun, await migrator.status(), run);
  });
  ctx.out.result(report, () => printMigrationReport(ctx.out, report));
}

/** `migrate baseline`, or a typed `unsupported` error for a migrator that offers none. */
function baseline(migrator: MigratorCapability, backend: string, storage: string): Promise<MigrationRun> {
  if (!migrator.baseline) {
    throw new StorageError(
      'unsupported',
      `${purposeOf('migrate baseline', storage)}: the ${backend} backend cannot adopt an existing table (its ` +
        'migrator offers no baseline); run `recordstore migrate up` on an empty database instead.',
      { backend },
    );
  }
  return migrator.baseline();
}

const MIGRATION_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,100}$/;

/** `migrate create <name>`: the migrator writes the file (its folder, naming and template are its own). */
async function createMigration(ctx: CommandContext, [rawName]: string[]): Promise<void> {
  const name = (rawName ?? '').trim().replace(/\s+/g, '_');
  if (!MIGRATION_NAME.test(name)) {
    throw usageError(
      `migration name ${JSON.stringify(rawName)} must start with a letter or digit and use only letters, digits, - and _ (at most 101).`,
      'name',
    );
  }
  const backend = await migrateTarget(ctx);
  const storage = backend.target.storageName;
  const dir = ctx.options.dir === undefined ? undefined : resolve(ctx.io.cwd, String(ctx.options.dir));
  if (
    dir === undefined &&
    backend.target.file === null &&
    backend.definition.configKeys?.includes(MIGRATIONS_DIR)
  ) {
    throw usageError(
      `${purposeOf('migrate create', storage)}: the embedded default store has no config file, so no ` +
        'migrations_dir for `migrate up` to apply; create recordstore.yaml (`recordstore init`) and run this ' +
        'beside it, or pass --dir.',
      'dir',
    );
  }
  const created = await withMigrator(backend, 'migrate create', async (migrator) => {
    if (!migrator.create) {
      throw new StorageError(
        'unsupported',
        `${purposeOf('migrate create', storage)}: the ${backend.name} backend's migrations are not files this ` +
          'command can write (its migrator offers no create); select a storage type whose backend keeps ' +
          'migration files with --storage.',
        { backend: backend.name },
      );
    }
    return migrator.create(name, dir === undefined ? undefined : { dir });
  });
  const doc: CreatedMigration = {
    backend: backend.name,
    storage,
    name,
    file: created.file,
    ...(created.details === undefined ? {} : { details: created.details }),
  };
  ctx.out.result(doc, () => printCreatedMigration(ctx.out, doc));
}
