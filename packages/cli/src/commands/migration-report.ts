import type { MigrationRun, MigrationState } from '@recordstore/core';
import type { Output } from '../output.js';

/** One migration in a status report. */
export interface MigrationEntry {
  name: string;
  applied: boolean;
  appliedAt?: string | null;
  /** Whose migration it is, when the backend says: its own (`shipped`) or the deployment's. */
  source?: 'shipped' | 'deployment';
}

/** What `migrate status|up|down` print (and `--json` emits). */
export interface MigrationReport {
  backend: string;
  storage: string;
  command: 'status' | 'up' | 'down' | 'baseline';
  dryRun: boolean;
  /**
   * Migrations applied (up), reverted (down) or recorded as applied without running (baseline) by this run;
   * with --dry-run, those that would be.
   */
  changed: string[];
  /** With --dry-run, the SQL that would run (the migrator's `details.sql`). */
  sql?: string[];
  /** Pending migrations after this run. */
  pending: number;
  migrations: MigrationEntry[];
  /** Backend specifics from the migrator (schema, migrations table, database file, ...). */
  details: Record<string, unknown>;
}

/** What `migrate create` prints (and `--json` emits). */
export interface CreatedMigration {
  backend: string;
  storage: string;
  name: string;
  file: string;
  /** What the backend adds: where the file is picked up, how to write it. */
  details?: Record<string, unknown>;
}

function entryOf(state: MigrationState): MigrationEntry {
  const at = state.appliedAt as Date | string | null | undefined;
  return {
    name: state.name,
    applied: state.applied,
    appliedAt: at instanceof Date ? at.toISOString() : (at ?? null),
    ...(state.source === undefined ? {} : { source: state.source }),
  };
}

/** The SQL blocks of a dry run: a migrator reports them as `details.sql` (a string or a list of strings). */
function sqlOf(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.map(String);
  return undefined;
}

/** Builds the report of one `migrate` run from the migrator's status (after the run) and its run result. */
export function migrationReport(
  where: { backend: string; storage: string },
  command: MigrationReport['command'],
  dryRun: boolean,
  status: { migrations: MigrationState[]; details?: Record<string, unknown> },
  run: MigrationRun | null,
): MigrationReport {
  const migrations = status.migrations.map(entryOf);
  const { sql, ...runDetails } = run?.details ?? {};
  const statements = sqlOf(sql);
  return {
    backend: where.backend,
    storage: where.storage,
    command,
    dryRun,
    changed: run?.migrations ?? [],
    ...(statements === undefined ? {} : { sql: statements }),
    pending: migrations.filter((m) => !m.applied).length,
    migrations,
    details: { ...(status.details ?? {}), ...runDetails },
  };
}

/** Prints a {@link MigrationReport} as text. */
export function printMigrationReport(out: Output, report: MigrationReport): void {
  const { c } = out;
  out.line(`${c.bold(report.backend)} (storage "${report.storage}")`);
  for (const [key, value] of Object.entries(report.details)) {
    // Lists (the SQL aligned by a baseline, the settings an up changed) read better one item a line.
    if (!Array.isArray(value) || value.length === 0 || key === 'sql') out.field(key, value);
    else {
      out.field(key, '');
      for (const item of value) out.line(`    - ${typeof item === 'string' ? item : JSON.stringify(item)}`);
    }
  }
  if (report.command !== 'status') {
    const verb = { up: 'applied', down: 'reverted', baseline: 'recorded as applied' }[report.command];
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
    const source = m.source === undefined ? '' : c.dim(`  (${m.source})`);
    out.line(`    ${state}  ${m.name}${m.appliedAt ? c.dim(`  ${m.appliedAt}`) : ''}${source}`);
  }
}

/** Prints a {@link CreatedMigration} as text. */
export function printCreatedMigration(out: Output, created: CreatedMigration): void {
  out.line(`created ${created.file}`);
  for (const [key, value] of Object.entries(created.details ?? {})) out.field(key, value);
}
