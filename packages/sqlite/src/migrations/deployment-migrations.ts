import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { StorageError } from '@recordstore/core';

/**
 * The deployment's own migrations (`migrations_dir`): `.sql` files named `<number>_<name>.sql` in the
 * format node-pg-migrate uses (`-- Up Migration` / `-- Down Migration`), applied after the shipped ones,
 * in order of their number. SQLite migrations are forward-only: a file's Down section is never run.
 */

/** One SQL migration of the deployment's folder. */
export interface DeploymentMigration {
  /** The file's number: its place in the order and its key in recordstore_migrations. */
  version: number;
  /** The file name without `.sql`, as listed and recorded. */
  name: string;
  file: string;
  /** The Up section (the whole file when it has no section markers). */
  up: string;
  /** The file has a Down section, which SQLite does not run. */
  hasDown: boolean;
}

const FILE_NAME = /^(\d+)[_-][A-Za-z0-9_.-]*\.sql$/;

function sectionStart(content: string, direction: 'up' | 'down'): number {
  return content.search(new RegExp(`^\\s*--[\\s-]*${direction}\\s+migration`, 'im'));
}

/** The Up section of a migration file, split the way node-pg-migrate splits SQL migrations. */
export function upSection(content: string): { up: string; hasDown: boolean } {
  const up = sectionStart(content, 'up');
  const down = sectionStart(content, 'down');
  if (up < 0) return { up: down < 0 ? content : content.slice(0, down), hasDown: down >= 0 };
  return { up: content.slice(up, down > up ? down : undefined), hasDown: down >= 0 };
}

/**
 * Where the deployment's migrations are recorded: a target of their own in recordstore_migrations, so
 * their numbers (timestamps) never mix with the shipped versions of the same table.
 */
export function deploymentTarget(tableName: string): string {
  return `${tableName}:deployment`;
}

function configError(message: string): StorageError {
  return new StorageError('config', `sqlite: ${message}`, {
    path: 'config.migrations_dir',
    backend: 'sqlite',
  });
}

/**
 * The migrations of `dir`, in order; none when `dir` is unset or does not exist yet.
 * @throws StorageError(config) for a file name without a number, two files with the same number, or a
 *   `dir` that is a file.
 */
export function readDeploymentMigrations(dir: string | undefined): DeploymentMigration[] {
  if (dir === undefined) return [];
  const folder = resolve(dir);
  if (!existsSync(folder)) return [];
  if (!statSync(folder).isDirectory()) {
    throw configError(
      `migrations_dir ${folder} is a file; it must name the folder of the deployment's migrations.`,
    );
  }
  const files = readdirSync(folder).filter((f) => f.endsWith('.sql') && !f.startsWith('.'));
  const bad = files.filter((f) => !FILE_NAME.test(f));
  if (bad.length > 0) {
    throw configError(
      `migrations_dir ${folder} holds ${bad.map((f) => JSON.stringify(f)).join(', ')}: name each file ` +
        '<number>_<name>.sql (letters, digits, _ - and .), as `recordstore migrate create <name>` does.',
    );
  }
  const migrations = files.map((f) => {
    const file = join(folder, f);
    return {
      version: Number(FILE_NAME.exec(f)![1]),
      name: f.slice(0, -'.sql'.length),
      file,
      ...upSection(readFileSync(file, 'utf8')),
    };
  });
  migrations.sort((a, b) => a.version - b.version || a.name.localeCompare(b.name));
  const twins = migrations.filter((m, i) => migrations[i + 1]?.version === m.version);
  if (twins.length > 0) {
    throw configError(
      `migrations_dir ${folder}: ${twins.map((m) => m.name).join(', ')} share their number with the next file; ` +
        'each migration needs a number of its own.',
    );
  }
  return migrations;
}
