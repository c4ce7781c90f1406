import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { validateBackendConfig } from '@recordstore/core';
import type { MigrationStatus, PostgresConfigInput } from '@recordstore/postgres';
import type { Command } from 'commander';
import { CliError, usageError } from '../cli-error.js';
import { type CommandContext, makeAction, type RunState } from '../context.js';
import type { CliIo } from '../io.js';
import type { Output } from '../output.js';
import { nonNegativeInt } from '../parse-options.js';
import { DEFAULT_CONFIG_FILE, openStore, type StoreTarget } from '../target.js';

/** One migration in a status report. */
export interface MigrationEntry {
  name: string;
  applied: boolean;
  appliedAt?: string | null;
}

/** What `migrate status|up|down` print (and `--json` emits). */
export interface MigrationReport {
  backend: string;
  storage: string;
  command: 'status' | 'up' | 'down';
  dryRun: boolean;
  /** Migrations applied (up) or reverted (down) by this run; with --dry-run, those that would be. */
  changed: string[];
  /** With --dry-run, the SQL that would run. */
  sql?: string[];
  /** Pending migrations after this run. */
  pending: number;
  migrations: MigrationEntry[];
  /** Backend specifics (schema, migrations table, database file). */
  details: Record<string, unknown>;
}

type Direction = 'up' | 'down';
interface MigrateOptions {
  count?: number;
  dryRun: boolean;
}

/** Registers `migrate up|down|status`. */
export function registerMigrate(program: Command, io: CliIo, state: RunState): void {
  const migrate = program
    .command('migrate')
    .description(
      'schema migrations of the store: PostgreSQL through node-pg-migrate, SQLite through its versioned migrations',
    );
  migrate
    .command('status')
    .description('list the migrations and which are applied; changes nothing')
    .action(makeAction(io, state, (ctx) => runMigrate(ctx, 'status')));
  migrate
    .command('up')
    .option('-n, --count <n>', 'apply at most n pending migrations (default: all)', nonNegativeInt)
    .option('--dry-run', 'print the SQL that would run, change nothing')
    .description('apply pending migrations (under a lock: concurrent runs migrate once)')
    .action(makeAction(io, state, (ctx) => runMigrate(ctx, 'up')));
  migrate
    .command('down')
    .option('-n, --count <n>', 'revert the last n applied migrations (default 1)', nonNegativeInt)
    .option('--dry-run', 'print the SQL that would run, change nothing')
    .description('revert applied migrations (PostgreSQL only; SQLite migrations are forward-only)')
    .action(makeAction(io, state, (ctx) => runMigrate(ctx, 'down')));
  migrate
    .command('create')
    .argument('<name>', 'what the migration does, e.g. add_tenant_index (letters, digits, - and _)')
    .option('--dir <path>', 'the migrations folder', './migrations')
    .description(
      'write a new timestamped PostgreSQL migration (node-pg-migrate SQL with -- Up / -- Down sections); touches no database',
    )
    .action(makeAction(io, state, createMigration));
}

/** What `migrate create` prints (and `--json` emits). */
export interface CreatedMigration {
  backend: 'postgresql';
  name: string;
  file: string;
}

const MIGRATION_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,100}$/;

/**
 * `migrate create <name>`: a node-pg-migrate SQL file named `<ms timestamp>_<name>.sql`, the timestamp later
 * than every file already in the folder so the new migration sorts (and runs) last even when an existing
 * file was stamped ahead of this machine's clock. The file is created exclusively: never overwritten.
 */
async function createMigration(ctx: CommandContext, [rawName]: string[]): Promise<void> {
  const name = (rawName ?? '').trim().replace(/\s+/g, '_');
  if (!MIGRATION_NAME.test(name)) {
    throw usageError(
      `migration name ${JSON.stringify(rawName)} must start with a letter or digit and use only letters, digits, - and _ (at most 101).`,
      'name',
    );
  }
  // SQLite's migrations are TypeScript modules compiled into @recordstore/sqlite: no file here could run.
  // Only an explicitly selected store says "SQLite"; the embedded default is no choice, and create needs none.
  if (
    ctx.options.config !== undefined ||
    ctx.options.storage !== undefined ||
    existsSync(resolve(ctx.io.cwd, DEFAULT_CONFIG_FILE))
  ) {
    const target = await ctx.target();
    const validated = await validateBackendConfig(target.class, target.config, { baseDir: target.baseDir });
    if (validated.name !== 'postgresql') {
      throw new CliError(
        'unsupported',
        `migrate create: the selected store "${target.storageName}" is ${validated.name}, and ${validated.name === 'sqlite' ? 'SQLite migrations ship inside @recordstore/sqlite (versioned TypeScript modules in packages/sqlite/src/migrations, applied on connect or by `recordstore migrate up`); add one there and rebuild the package' : 'that backend has no migration files'}. To write a PostgreSQL migration, select a postgresql storage type with --storage.`,
      );
    }
  }
  const dir = resolve(ctx.io.cwd, String(ctx.options.dir ?? './migrations'));
  await mkdir(dir, { recursive: true });
  const newest = (await readdir(dir))
    .map((f) => /^(\d+)[_-]/.exec(f)?.[1])
    .filter((p): p is string => p !== undefined)
    .reduce((max, p) => Math.max(max, Number(p)), 0);
  const file = join(dir, `${Math.max(Date.now(), newest + 1)}_${name}.sql`);
  await writeFile(file, MIGRATION_TEMPLATE, { flag: 'wx' });
  const created: CreatedMigration = { backend: 'postgresql', name, file };
  ctx.out.result(created, () => {
    ctx.out.line(`created ${file}`);
    ctx.out.line(
      ctx.out.c.dim(
        '  write the change under "-- Up Migration" and its undo under "-- Down Migration"; the package build copies the folder into @recordstore/postgres, and `recordstore migrate up` applies it',
      ),
    );
  });
}

const MIGRATION_TEMPLATE = `-- Up Migration

-- The schema change. It runs in one transaction with the bookkeeping row, under node-pg-migrate's
-- advisory lock, with search_path set to the store's schema_name: name tables unqualified.


-- Down Migration

-- Undo exactly what the Up section did (\`recordstore migrate down\` runs it).

`;

async function runMigrate(ctx: CommandContext, command: 'status' | Direction): Promise<void> {
  const target = await ctx.target();
  const validated = await validateBackendConfig(target.class, target.config, {
    baseDir: target.baseDir,
    path: target.file === null ? 'default.config' : `storage_types.${target.storageName}.config`,
  });
  const options: MigrateOptions = {
    dryRun: ctx.options.dryRun === true,
    ...(ctx.options.count === undefined ? {} : { count: ctx.options.count as number }),
  };
  let report: MigrationReport;
  if (validated.name === 'sqlite') {
    report = await migrateSqlite(ctx, target, validated.config, command, options);
  } else if (validated.name === 'postgresql') {
    report = await migratePostgresStore(target, validated.config, command, options);
  } else {
    throw new CliError(
      'unsupported',
      `migrate: the ${validated.name} backend has no schema migrations (only sqlite and postgresql have).`,
    );
  }
  ctx.out.result(report, () => printReport(ctx.out, report));
}

function printReport(out: Output, report: MigrationReport): void {
  const { c } = out;
  out.line(`${c.bold(report.backend)} (storage "${report.storage}")`);
  for (const [key, value] of Object.entries(report.details)) out.field(key, String(value));
  if (report.command !== 'status') {
    const verb = report.command === 'up' ? 'applied' : 'reverted';
    const would = report.dryRun ? `would be ${verb}` : verb;
    out.line(
      report.changed.length === 0
        ? `  nothing to do: no migration ${would.replace('would be', 'to be')}`
        : `  ${would}: ${report.changed.join(', ')}`,
    );
    for (const sql of report.sql ?? []) {
      out.line();
      out.line(sql.trimEnd());
    }
  }
  out.line(`  migrations (${report.pending} pending):`);
  for (const m of report.migrations) {
    const state = m.applied ? c.green('applied') : c.yellow('pending');
    out.line(`    ${state}  ${m.name}${m.appliedAt ? c.dim(`  ${m.appliedAt}`) : ''}`);
  }
}

// --- SQLite: forward-only migrations applied in one transaction (on connect, or by `migrate up`). ---

async function migrateSqlite(
  ctx: CommandContext,
  target: StoreTarget,
  config: Record<string, unknown>,
  command: 'status' | Direction,
  options: MigrateOptions,
): Promise<MigrationReport> {
  const sqlite = await import('@recordstore/sqlite');
  const path = String(config.path);
  const tableName = String(config.table_name ?? sqlite.DEFAULT_TABLE_NAME);
  const memory = path === ':memory:' || path.startsWith('file::memory:');
  const file = memory ? path : resolve(ctx.io.cwd, path);
  const details = { file, table: tableName };
  if (command === 'down') {
    throw new CliError(
      'unsupported',
      'migrate down: SQLite migrations are forward-only (SQLite cannot drop what they add without rebuilding the table); restore a backup or start a new file instead.',
    );
  }
  const status = async () => {
    // Read-only, and without creating the file: `status` must change nothing.
    if (memory || !existsSync(file)) {
      return {
        pending: sqlite.SQLITE_MIGRATIONS.length,
        migrations: sqlite.SQLITE_MIGRATIONS.map((m) => ({
          version: m.version,
          name: m.name,
          appliedAt: null as Date | null,
        })),
      };
    }
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      db.pragma(`busy_timeout = ${Number(config.busy_timeout_ms ?? 5000)}`);
      return sqlite.sqliteMigrationStatus(db, { tableName });
    } finally {
      db.close();
    }
  };
  const entries = (s: Awaited<ReturnType<typeof status>>): MigrationEntry[] =>
    s.migrations.map((m) => ({
      name: `${String(m.version).padStart(4, '0')}-${m.name}`,
      applied: m.appliedAt !== null,
      appliedAt: m.appliedAt?.toISOString() ?? null,
    }));
  const before = await status();
  const base = { backend: 'sqlite', storage: target.storageName, command, dryRun: options.dryRun, details };
  if (command === 'status') {
    return { ...base, changed: [], pending: before.pending, migrations: entries(before) };
  }
  const pendingNames = entries(before).filter((m) => !m.applied);
  if (options.count !== undefined && options.count < pendingNames.length) {
    throw usageError(
      `migrate up --count ${options.count}: SQLite applies its ${pendingNames.length} pending migrations together in one transaction; run without --count.`,
      'count',
    );
  }
  if (memory) {
    throw new CliError(
      'unsupported',
      `migrate up: ${path} is an in-memory database; it is migrated each time it is opened.`,
    );
  }
  if (options.dryRun) {
    const names = {
      table: `"${tableName}"`,
      index: (suffix: string) => `"${tableName}_${suffix}_idx"`,
    };
    const pending = sqlite.SQLITE_MIGRATIONS.filter(
      (m) => before.migrations.find((b) => b.version === m.version)?.appliedAt === null,
    );
    return {
      ...base,
      changed: pendingNames.map((m) => m.name),
      sql: pending.map((m) => `-- ${String(m.version).padStart(4, '0')}-${m.name}\n${m.up(names)}`),
      pending: before.pending,
      migrations: entries(before),
    };
  }
  // The backend applies pending migrations on connect, under SQLite's write lock (BEGIN IMMEDIATE).
  const store = await openStore(target);
  await store.close();
  const after = await status();
  const applied = entries(after).filter((m) => m.applied && pendingNames.some((p) => p.name === m.name));
  return { ...base, changed: applied.map((m) => m.name), pending: after.pending, migrations: entries(after) };
}

// --- PostgreSQL: node-pg-migrate through @recordstore/postgres (imported only here, so SQLite never loads pg). ---

async function migratePostgresStore(
  target: StoreTarget,
  config: Record<string, unknown>,
  command: 'status' | Direction,
  options: MigrateOptions,
): Promise<MigrationReport> {
  const postgres = await import('@recordstore/postgres');
  const connection = { config: config as PostgresConfigInput };
  const base = { backend: 'postgresql', storage: target.storageName, command, dryRun: options.dryRun };
  if (command === 'status') {
    return {
      ...base,
      changed: [],
      ...fromPostgresStatus(await postgres.postgresMigrationStatus(connection)),
    };
  }
  if (options.count === 0) throw usageError('--count must be at least 1.', 'count');
  // With --dry-run node-pg-migrate logs the SQL instead of running it: collect those lines.
  const log: string[] = [];
  const result = await postgres.migratePostgres({
    ...connection,
    direction: command,
    ...(options.count === undefined ? {} : { count: options.count }),
    dryRun: options.dryRun,
    log: (line) => log.push(line),
  });
  const after = fromPostgresStatus(await postgres.postgresMigrationStatus(connection));
  return {
    ...base,
    changed: result.migrations,
    ...(options.dryRun ? { sql: dryRunSql(log) } : {}),
    ...after,
  };
}

/**
 * The SQL of a dry run, from node-pg-migrate's log: each migration's "### MIGRATION <name> (UP) ###" header
 * becomes an SQL comment, its steps (logged because the dry run is verbose) are kept, progress lines dropped.
 */
function dryRunSql(log: readonly string[]): string[] {
  const blocks: string[] = [];
  for (const line of log) {
    const header = /^### MIGRATION (.+) \((UP|DOWN)\) ###$/.exec(line.trim());
    if (header) blocks.push(`-- ${header[1]} (${header[2]!.toLowerCase()})`);
    else if (!/^(> |No migrations to run)/.test(line) && line.trim() !== '') {
      if (blocks.length === 0) blocks.push(line.trimEnd());
      else blocks[blocks.length - 1] += `\n${line.trimEnd()}`;
    }
  }
  return blocks;
}

function fromPostgresStatus(
  status: MigrationStatus,
): Pick<MigrationReport, 'pending' | 'migrations' | 'details'> {
  return {
    pending: status.pending.length,
    migrations: [
      ...status.applied.map((m) => ({ name: m.name, applied: true, appliedAt: m.runOn.toISOString() })),
      ...status.pending.map((name) => ({ name, applied: false, appliedAt: null })),
    ],
    details: { schema: status.schema, migrationsTable: status.migrationsTable },
  };
}
