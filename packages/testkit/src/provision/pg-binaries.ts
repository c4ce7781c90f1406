import { constants } from 'node:fs';
import { access, readdir, realpath } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { runCommand } from './run-command.js';

/** Where Debian and Ubuntu install one folder of binaries per major version. */
const DEBIAN_VERSIONS_DIR = '/usr/lib/postgresql';

/** A folder of PostgreSQL server binaries and how it was found (for log lines). */
export interface PostgresBinaries {
  binDir: string;
  foundVia: string;
}

/**
 * Finds a folder holding `initdb` and `pg_ctl`: first `initdb` on PATH, then `pg_config --bindir`, then the
 * highest version under /usr/lib/postgresql (Debian puts server binaries there, off PATH). With
 * `preferredMajor`, /usr/lib/postgresql/<major>/bin is tried first, so a machine with several versions
 * installed can serve each one (the caller still checks the version of the server it started).
 */
export async function findPostgresBinaries(preferredMajor?: number): Promise<PostgresBinaries | undefined> {
  if (preferredMajor !== undefined) {
    const binDir = join(DEBIAN_VERSIONS_DIR, String(preferredMajor), 'bin');
    if (await isServerBinDir(binDir)) return { binDir, foundVia: binDir };
  }
  const searches: Array<[string, () => Promise<string | undefined>]> = [
    ['PATH', binDirFromPath],
    ['pg_config --bindir', binDirFromPgConfig],
    [`${DEBIAN_VERSIONS_DIR}/*/bin`, binDirFromDebianLayout],
  ];
  for (const [foundVia, search] of searches) {
    const binDir = await search();
    if (binDir !== undefined) return { binDir, foundVia };
  }
  return undefined;
}

async function binDirFromPath(): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const initdb = join(dir, 'initdb');
    if (!(await isExecutable(initdb))) continue;
    // /usr/local/bin/initdb may be a symlink: the real folder also holds pg_basebackup and friends.
    const binDir = dirname(await realpath(initdb));
    if (await isServerBinDir(binDir)) return binDir;
  }
  return undefined;
}

async function binDirFromPgConfig(): Promise<string | undefined> {
  try {
    const { stdout } = await runCommand('pg_config', ['--bindir'], { timeoutMs: 5_000 });
    const binDir = stdout.trim();
    return (await isServerBinDir(binDir)) ? binDir : undefined;
  } catch {
    return undefined;
  }
}

async function binDirFromDebianLayout(): Promise<string | undefined> {
  let entries: string[];
  try {
    entries = await readdir(DEBIAN_VERSIONS_DIR);
  } catch {
    return undefined;
  }
  const versions = entries
    .filter((entry) => /^\d+(\.\d+)?$/.test(entry))
    .sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const binDir = join(DEBIAN_VERSIONS_DIR, version, 'bin');
    if (await isServerBinDir(binDir)) return binDir;
  }
  return undefined;
}

async function isServerBinDir(binDir: string): Promise<boolean> {
  return (await isExecutable(join(binDir, 'initdb'))) && (await isExecutable(join(binDir, 'pg_ctl')));
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
