import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StorageError } from '@recordstore/core';

/**
 * The two folders of SQL migrations: the ones this package ships (`migrations/` of the repository, copied
 * into `dist/migrations` at build) and the deployment's own (`migrations_dir`). Reads file names only;
 * node-pg-migrate reads the files when it runs them.
 */

/** Whose a migration is: this package's (`shipped`) or the deployment's (`migrations_dir`). */
export type MigrationSource = 'shipped' | 'deployment';

/** One folder of migrations, its files' names (without `.sql`) in the order node-pg-migrate runs them. */
export interface MigrationFolder {
  source: MigrationSource;
  dir: string;
  names: string[];
}

/**
 * node-pg-migrate's `ignorePattern` for a deployment folder (matched against whole file names): dotfiles
 * and every file that is not `.sql`, so a README or an editor's backup beside the migrations is not run.
 */
export const DEPLOYMENT_IGNORE_PATTERN = '(?:\\..*|.*(?<!\\.sql))';

/** `<number>_<name>.sql` or `<number>-<name>.sql`; the name is stored in a varchar(255) and quoted by node-pg-migrate. */
const DEPLOYMENT_FILE = /^\d+[_-][A-Za-z0-9_.-]*\.sql$/;

let cachedShipped: string | null = null;

/** Where the shipped files may be: beside the built package, then the repository's source folder. */
function shippedFolders(): { built: string; source: string } {
  return {
    built: fileURLToPath(new URL('./migrations/', import.meta.url)),
    source: fileURLToPath(new URL('../../../migrations/', import.meta.url)),
  };
}

function holdsMigrations(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.sql'));
}

/**
 * The folder holding the shipped migration files: `dist/migrations` in the installed package, the
 * repository's `migrations/` when running from source.
 * @throws StorageError(internal) when neither exists.
 */
export function migrationsDir(): string {
  if (cachedShipped) return cachedShipped;
  const { built, source } = shippedFolders();
  const found = [built, source].find(holdsMigrations);
  if (found !== undefined) {
    cachedShipped = found;
    return found;
  }
  throw new StorageError(
    'internal',
    `postgresql: the migration files are missing (looked in ${built}, ${source}); reinstall @recordstore/postgres.`,
    { backend: 'postgresql' },
  );
}

/**
 * The repository's own `migrations/` folder when the package runs inside its repository (where the
 * project's maintainers add shipped migrations with `recordstore migrate create --dir`), else
 * {@link migrationsDir}.
 */
export function migrationSourceDir(): string {
  const { source } = shippedFolders();
  return holdsMigrations(source) ? source : migrationsDir();
}

/** The 17-digit `YYYYMMDDhhmmssSSS` prefix node-pg-migrate reads as a UTC date; other prefixes as numbers. */
function numericPrefix(name: string): number {
  const prefix = /^\d+/.exec(name)?.[0] ?? '0';
  if (prefix.length !== 17) return Number(prefix);
  const p = (from: number, to: number) => prefix.slice(from, to);
  return Date.parse(`${p(0, 4)}-${p(4, 6)}-${p(6, 8)}T${p(8, 10)}:${p(10, 12)}:${p(12, 14)}.${p(14, 17)}Z`);
}

/** node-pg-migrate's order of migration files: by numeric prefix, then by name. */
export function compareMigrationNames(a: string, b: string): number {
  return (
    numericPrefix(a) - numericPrefix(b) ||
    a.localeCompare(b, undefined, { numeric: true, sensitivity: 'variant', ignorePunctuation: true })
  );
}

function sqlNames(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql') && !f.startsWith('.'))
    .map((f) => f.slice(0, -'.sql'.length))
    .sort(compareMigrationNames);
}

/** The names of the migrations this package ships, in order. */
export function migrationNames(): string[] {
  return sqlNames(migrationsDir());
}

function sameFolder(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/**
 * The deployment's folder and its migrations; null when `dir` is unset, does not exist yet, or is the
 * shipped folder itself (a config beside this repository's `migrations/`).
 * @throws StorageError(config) for a `.sql` file whose name node-pg-migrate cannot order.
 */
export function deploymentFolder(dir: string | undefined): MigrationFolder | null {
  if (dir === undefined) return null;
  const folder = resolve(dir);
  if (!existsSync(folder)) return null;
  if (!statSync(folder).isDirectory()) {
    throw new StorageError(
      'config',
      `postgresql: migrations_dir ${folder} is a file; it must name the folder of the deployment's migrations.`,
      { path: 'config.migrations_dir', backend: 'postgresql' },
    );
  }
  if (sameFolder(folder, migrationsDir())) return null;
  const files = readdirSync(folder).filter((f) => f.endsWith('.sql') && !f.startsWith('.'));
  const bad = files.filter((f) => !DEPLOYMENT_FILE.test(f) || f.length > 255 + '.sql'.length);
  if (bad.length > 0) {
    throw new StorageError(
      'config',
      `postgresql: migrations_dir ${folder} holds ${bad.map((f) => JSON.stringify(f)).join(', ')}, which ` +
        'node-pg-migrate cannot order: name each file <timestamp>_<name>.sql (letters, digits, _ - and .), as ' +
        '`recordstore migrate create <name>` does.',
      { path: 'config.migrations_dir', backend: 'postgresql' },
    );
  }
  return { source: 'deployment', dir: folder, names: sqlNames(folder) };
}

/**
 * The folders `migrate up` applies, in order: the shipped migrations, then the deployment's.
 * @throws StorageError(config) when a deployment migration has the name of a shipped one.
 */
export function migrationFolders(deploymentDir: string | undefined): MigrationFolder[] {
  const shipped: MigrationFolder = { source: 'shipped', dir: migrationsDir(), names: migrationNames() };
  const deployment = deploymentFolder(deploymentDir);
  if (deployment === null) return [shipped];
  const taken = new Set(shipped.names);
  const clash = deployment.names.filter((name) => taken.has(name));
  if (clash.length > 0) {
    throw new StorageError(
      'config',
      `postgresql: ${clash.map((n) => join(deployment.dir, `${n}.sql`)).join(', ')} has the name of a migration ` +
        `@recordstore/postgres ships; both would be recorded as ${clash.join(', ')}. Rename the deployment's file.`,
      { path: 'config.migrations_dir', backend: 'postgresql' },
    );
  }
  return [shipped, deployment];
}

/** The folder a migration name belongs to, or undefined for one in neither (applied, file since removed). */
export function folderOf(folders: readonly MigrationFolder[], name: string): MigrationFolder | undefined {
  return folders.find((f) => f.names.includes(name));
}
