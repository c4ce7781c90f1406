import { resolve } from 'node:path';
import type { MigrationRun, MigratorCapability } from '@recordstore/core';
import { StorageError } from '@recordstore/core';
import type { Command } from 'commander';
import {
  purposeOf,
  requireDefinitionCapability,
  type TargetBackend,
  targetBackend,
} from '../backend-capabilities.js';
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

/** Registers `migrate status|up|down|create`. */
export function registerMigrate(program: Command, io: CliIo, state: RunState): void {
  const migrate = program
    .command('migrate')
    .description(
      "schema migrations of the store, run by its backend's migrator (any backend that offers one; nothing is\n" +
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
    .option('--dir <path>', "the folder to write to (default: the backend's own migrations folder)")
    .description(
      'write a new, empty migration file where the selected backend keeps them (backends whose migrations are\n' +
        'files); touches no database',
    )
    .action(makeAction(io, state, createMigration));
}

/** Creates the target's migrator, runs `fn` with it, and always releases it. */
async function withMigrator<T>(
  backend: TargetBackend,
  command: string,
  fn: (migrator: MigratorCapability) => Promise<T>,
): Promise<T> {
  const migrator = requireDefinitionCapability(backend, 'migrator', command)(backend.config);
  try {
    return await fn(migrator);
  } finally {
    await migrator.close().catch(() => undefined);
  }
}

async function runMigrate(ctx: CommandContext, command: MigrationReport['command']): Promise<void> {
  const backend = await targetBackend(ctx);
  const dryRun = ctx.options.dryRun === true;
  const count = ctx.options.count as number | undefined;
  if (count === 0) throw usageError('--count must be at least 1.', 'count');
  const where = { backend: backend.name, storage: backend.target.storageName };
  const report = await withMigrator(backend, `migrate ${command}`, async (migrator) => {
    if (command === 'status') return migrationReport(where, command, dryRun, await migrator.status(), null);
    const options = { dryRun, ...(count === undefined ? {} : { count }) };
    let run: MigrationRun;
    if (command === 'up') run = await migrator.up(options);
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
  const backend = await targetBackend(ctx);
  const storage = backend.target.storageName;
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
    const dir = ctx.options.dir === undefined ? undefined : resolve(ctx.io.cwd, String(ctx.options.dir));
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
