import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { markTemplateSql } from './admin-sql.js';
import { createCitusHandle } from './citus-handle.js';
import {
  CITUS_BASE_DATABASE,
  createCitusExtension,
  readCitusVersion,
  registerCitusNodes,
} from './citus-sql.js';
import { databaseUrl } from './connection-url.js';
import { errorMessage, ProvisionError } from './errors.js';
import { startThrowawayCluster } from './local-cluster.js';
import { findPostgresBinaries } from './pg-binaries.js';
import { createPostgresRunner, type PostgresRunner } from './postgres-runner.js';
import { lastLines, runCommand } from './run-command.js';
import type { ProvisionedPostgres } from './types.js';

/** How to install the extension on these machines; named by every "Citus is missing" error. */
export const CITUS_BUILD_COMMAND = 'bash ../shared/citus/build-citus.sh';

/** The PostgreSQL major that Citus 13.2 (the last line supporting 15) is built for by build-citus.sh. */
export const CITUS_POSTGRES_MAJOR = 15;

/** Workers when `options.citus.workers` is not given. */
export const DEFAULT_CITUS_WORKERS = 2;

const MAX_CITUS_WORKERS = 8;

/** postgresql.conf settings of every node, on top of the throwaway cluster defaults. */
const CITUS_NODE_SETTINGS = {
  shared_preload_libraries: 'citus',
  // The coordinator opens connections to every worker per statement and per shard group in parallel.
  max_connections: '300',
  // Citus would try to send usage reports; these machines reach nothing outside.
  'citus.enable_statistics_collection': 'off',
  // Citus defaults to sslmode=require between nodes and switches a node's ssl on (self-signed) when its
  // extension is created, by a configuration reload that lands a moment later: adding a worker in that
  // moment failed with "server does not support SSL, but SSL was required". Loopback nodes need no TLS.
  'citus.node_conninfo': 'sslmode=prefer',
};

/** Options of {@link provisionCitusCluster}. */
export interface CitusClusterOptions {
  workers: number;
  /** Required PostgreSQL major, if any (else {@link CITUS_POSTGRES_MAJOR} is preferred). */
  major?: number;
  log: (line: string) => void;
}

/**
 * Validates `options.citus.workers` of provisionPostgres().
 * @throws {ProvisionError} `config` when it is not an integer from 1 to 8.
 */
export function resolveCitusWorkers(workers: number | undefined): number {
  if (workers === undefined) return DEFAULT_CITUS_WORKERS;
  if (!Number.isInteger(workers) || workers < 1 || workers > MAX_CITUS_WORKERS) {
    throw new ProvisionError(
      'config',
      `@recordstore/testkit: options.citus.workers is ${workers}; expected an integer from 1 to ${MAX_CITUS_WORKERS} ` +
        `(or leave it unset for ${DEFAULT_CITUS_WORKERS}).`,
      { provider: 'citus' },
    );
  }
  return workers;
}

/**
 * Throws `unavailable` unless the Citus extension is installed for the binaries in `binDir`, naming the
 * script that builds and installs it.
 */
export async function assertCitusInstalled(binDir: string): Promise<void> {
  const libDirs = await candidateLibDirs(binDir);
  if (libDirs.some((dir) => existsSync(join(dir, 'citus.so')))) return;
  throw new ProvisionError(
    'unavailable',
    `the Citus extension is not installed for the PostgreSQL binaries in ${binDir} (no citus.so in ` +
      `${libDirs.join(' or ')}); build and install it with \`${CITUS_BUILD_COMMAND}\` (Citus 13.2.2 for ` +
      `PostgreSQL ${CITUS_POSTGRES_MAJOR}, about 2 minutes; a second run is instant).`,
    { provider: 'citus' },
  );
}

/**
 * Why a Citus cluster cannot be provisioned on this machine (no PostgreSQL binaries, or no Citus for
 * them), or undefined when it can: lets a test file announce its Citus tests as not run, with the remedy.
 * @example
 * const reason = await citusUnavailableReason();
 * describe.skipIf(reason !== undefined)('on Citus', () => { ... });
 */
export async function citusUnavailableReason(major?: number): Promise<string | undefined> {
  try {
    await assertCitusInstalled((await requireBinaries(major)).binDir);
    return undefined;
  } catch (error) {
    return errorMessage(error);
  }
}

/**
 * Starts a throwaway Citus cluster: a coordinator and `workers` worker nodes, each a local cluster on its
 * own loopback port with `shared_preload_libraries=citus`. The extension is created and the workers are
 * registered in the `postgres` database (the handle's `url`) and in a base database that every
 * `createDatabase()` clones on every node. `stop()` stops every node and deletes their folders.
 */
export async function provisionCitusCluster(options: CitusClusterOptions): Promise<ProvisionedPostgres> {
  const { workers: count, log } = options;
  const binaries = await requireBinaries(options.major);
  await assertCitusInstalled(binaries.binDir);
  const started = performance.now();
  const roles = ['coordinator', ...Array.from({ length: count }, (_, i) => `worker ${i}`)];
  const settled = await Promise.allSettled(
    roles.map((role) =>
      startThrowawayCluster({
        provider: 'local',
        ...binaries,
        settings: CITUS_NODE_SETTINGS,
        log: (line) => log(`citus ${role}: ${line}`),
      }),
    ),
  );
  const nodes = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed !== undefined) {
    await Promise.allSettled(nodes.map((node) => node.stop()));
    throw asCitusError('starting a node failed', failed.reason);
  }
  const [coordinator, ...workerNodes] = nodes as [ProvisionedPostgres, ...ProvisionedPostgres[]];
  try {
    await formCluster(coordinator, workerNodes);
    const version = await readCitusVersion(coordinator.url);
    const ports = workerNodes.map((worker) => worker.port).join(', ');
    log(
      `citus: Citus ${version}, coordinator on 127.0.0.1:${coordinator.port}, workers on ${ports}, ` +
        `ready in ${Math.round(performance.now() - started)} ms`,
    );
    const control = await workerControl(workerNodes, log);
    return createCitusHandle({
      provider: 'citus',
      source: `${binaries.binDir} (Citus ${version}, coordinator and ${count} workers)`,
      version,
      coordinator,
      workers: workerNodes,
      ...control,
    });
  } catch (error) {
    await Promise.allSettled(nodes.map((node) => node.stop()));
    throw asCitusError('forming the cluster failed', error);
  }
}

/**
 * Creates the extension on every node and registers the workers on the coordinator, in `postgres` and in
 * the base database, which then becomes a template on every node.
 */
async function formCluster(coordinator: ProvisionedPostgres, workers: ProvisionedPostgres[]): Promise<void> {
  const nodes = [coordinator, ...workers];
  await Promise.all(nodes.map((node) => node.createDatabase({ name: CITUS_BASE_DATABASE })));
  const baseUrls = nodes.map((node) => databaseUrl(node.url, CITUS_BASE_DATABASE));
  await Promise.all([...nodes.map((node) => node.url), ...baseUrls].map(createCitusExtension));
  const workerPorts = workers.map((worker) => requirePort(worker));
  const coordinatorPort = requirePort(coordinator);
  // One database after the other: citus_add_node syncs metadata to the workers over connections that
  // registrations running at the same time in two databases made fail now and then.
  for (const url of [databaseUrl(coordinator.url, CITUS_BASE_DATABASE), coordinator.url]) {
    await registerCitusNodes(url, coordinatorPort, workerPorts);
  }
  await Promise.all(nodes.map((node) => markTemplateSql(node.url, CITUS_BASE_DATABASE)));
}

async function requireBinaries(major: number | undefined): Promise<{ binDir: string; foundVia: string }> {
  const binaries = await findPostgresBinaries(major ?? CITUS_POSTGRES_MAJOR);
  if (binaries !== undefined) return binaries;
  throw new ProvisionError(
    'unavailable',
    'no PostgreSQL binaries found (initdb on PATH, via pg_config --bindir or in /usr/lib/postgresql/*/bin); ' +
      `install PostgreSQL ${CITUS_POSTGRES_MAJOR} (apt-get install -y postgresql-${CITUS_POSTGRES_MAJOR}), then \`${CITUS_BUILD_COMMAND}\`.`,
    { provider: 'citus' },
  );
}

/** stopWorker / startWorker over the workers' data folders (the layout of local-cluster.ts). */
async function workerControl(
  workers: ProvisionedPostgres[],
  log: (line: string) => void,
): Promise<{ stopWorker: (index: number) => Promise<void>; startWorker: (index: number) => Promise<void> }> {
  const runner = await createPostgresRunner({ provider: 'local', createOsUser: false, log });
  const running = workers.map(() => true);
  const at = (index: number): ProvisionedPostgres => {
    const worker = workers[index];
    if (worker === undefined) {
      throw new ProvisionError(
        'validation',
        `@recordstore/testkit: there is no Citus worker ${index}; this cluster has ${workers.length} (0-based indexes).`,
        { provider: 'citus' },
      );
    }
    return worker;
  };
  return {
    async stopWorker(index) {
      const worker = at(index);
      if (!running[index]) return;
      await pgCtl(runner, worker, ['-m', 'fast', '-w', '-t', '30', 'stop']);
      running[index] = false;
      log(`citus: worker ${index} stopped (port ${worker.port})`);
    },
    async startWorker(index) {
      const worker = at(index);
      if (running[index]) return;
      const baseDir = dirname(requireDataDir(worker));
      const serverOptions = `-p ${requirePort(worker)} -k '${baseDir.replaceAll("'", `'\\''`)}' -c listen_addresses=127.0.0.1`;
      const logFile = join(baseDir, 'server.log');
      try {
        await pgCtl(runner, worker, ['-l', logFile, '-w', '-t', '60', '-o', serverOptions, 'start']);
      } catch (cause) {
        const serverLog = await readFile(logFile, 'utf8').catch(() => '');
        throw new ProvisionError(
          'startup',
          `starting Citus worker ${index} again failed: ${errorMessage(cause)}\nserver log:\n${lastLines(serverLog, 15)}`,
          { provider: 'citus', cause },
        );
      }
      running[index] = true;
      log(`citus: worker ${index} started again (port ${worker.port})`);
    },
  };
}

function pgCtl(runner: PostgresRunner, node: ProvisionedPostgres, args: string[]): Promise<unknown> {
  const dataDir = requireDataDir(node);
  return runner.run(join(requireBinDir(node), 'pg_ctl'), ['-D', dataDir, ...args], {
    cwd: dirname(dataDir),
    timeoutMs: 90_000,
  });
}

/** Folders where the binaries in `binDir` look for extension libraries. */
async function candidateLibDirs(binDir: string): Promise<string[]> {
  const dirs: string[] = [];
  try {
    const { stdout } = await runCommand(join(binDir, 'pg_config'), ['--pkglibdir'], { timeoutMs: 5_000 });
    if (stdout.trim() !== '') dirs.push(stdout.trim());
  } catch {
    // No pg_config next to the server binaries (it comes with the -dev package on Debian).
  }
  const sibling = join(dirname(binDir), 'lib');
  if (!dirs.includes(sibling)) dirs.push(sibling);
  return dirs;
}

function asCitusError(what: string, error: unknown): ProvisionError {
  if (error instanceof ProvisionError && error.provider === 'citus') return error;
  const kind = error instanceof ProvisionError ? error.kind : 'startup';
  return new ProvisionError(kind, `Citus cluster: ${what}: ${errorMessage(error)}`, {
    provider: 'citus',
    cause: error,
  });
}

function requirePort(node: ProvisionedPostgres): number {
  if (node.port === undefined) throw new Error('a local cluster node has no port');
  return node.port;
}

function requireDataDir(node: ProvisionedPostgres): string {
  if (node.dataDir === undefined) throw new Error('a local cluster node has no data folder');
  return node.dataDir;
}

function requireBinDir(node: ProvisionedPostgres): string {
  if (node.binDir === undefined) throw new Error('a local cluster node has no binaries folder');
  return node.binDir;
}
