import { existsSync, readFileSync, rmSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withClient } from './admin-sql.js';
import { errorMessage, ProvisionError } from './errors.js';
import { registerExitCleanup } from './exit-cleanup.js';
import { findFreePort } from './free-port.js';
import { createPostgresRunner, type PostgresRunner } from './postgres-runner.js';
import { lastLines } from './run-command.js';
import type { ProvisionedPostgres } from './types.js';

/**
 * Streaming replicas of a throwaway local cluster: `pg_basebackup -R -X stream` of the primary (which the
 * local provider starts with `wal_level = replica`, `max_wal_senders` and a `host replication` pg_hba
 * line), each started as a hot standby on its own loopback port. Only the `local` provider can do it:
 * it needs `pg_basebackup` next to `pg_ctl` and a primary on this machine.
 */

/** Providers whose servers can get replicas. */
export const REPLICA_PROVIDERS = ['local'] as const;

/** One running (or stopped) replica. */
interface Replica {
  baseDir: string;
  dataDir: string;
  logFile: string;
  port: number;
  url: string;
  running: boolean;
  unregister: () => void;
}

/**
 * Adds `count` streaming replicas to `primary` and returns a handle whose `replicaUrls`, `stopReplica`
 * and `startReplica` drive them; its `stop()` removes the replicas, then the primary.
 * @throws {ProvisionError} `unsupported` when the primary is not a local cluster, `startup` when
 * pg_basebackup or the standby fails (the primary is stopped too).
 */
export async function addReplicas(
  primary: ProvisionedPostgres,
  count: number,
  log: (line: string) => void,
): Promise<ProvisionedPostgres> {
  const binDir = primary.binDir;
  if (
    !(REPLICA_PROVIDERS as readonly string[]).includes(primary.provider) ||
    binDir === undefined ||
    primary.port === undefined ||
    !existsSync(join(binDir, 'pg_basebackup'))
  ) {
    await primary.stop().catch(() => {});
    throw new ProvisionError(
      'unsupported',
      `@recordstore/testkit: replicas need a local cluster with pg_basebackup, but the server came from ` +
        `'${primary.provider}'; use provider 'local' (apt-get install -y postgresql) for replica tests.`,
      { provider: primary.provider },
    );
  }
  const runner = await createPostgresRunner({ provider: 'local', createOsUser: false, log });
  const replicas: Replica[] = [];
  const context = { binDir, runner, primaryPort: primary.port, log };
  try {
    for (let i = 0; i < count; i += 1) replicas.push(await createReplica(context, i));
  } catch (error) {
    await Promise.allSettled(replicas.map((r) => destroyReplica(context, r)));
    await primary.stop().catch(() => {});
    throw error;
  }
  const at = (index: number): Replica => {
    const replica = replicas[index];
    if (replica === undefined) {
      throw new ProvisionError(
        'validation',
        `@recordstore/testkit: there is no replica ${index}; this server has ${replicas.length} (0-based indexes).`,
      );
    }
    return replica;
  };
  let stopping: Promise<void> | undefined;
  const handle: ProvisionedPostgres = {
    ...primary,
    replicaUrls: replicas.map((r) => r.url),
    async stopReplica(index: number): Promise<void> {
      const replica = at(index);
      if (!replica.running) return;
      await pgCtl(context, replica, ['-m', 'fast', '-w', '-t', '30', 'stop']);
      replica.running = false;
      log(`local: replica ${index} stopped (port ${replica.port})`);
    },
    async startReplica(index: number): Promise<void> {
      const replica = at(index);
      if (replica.running) return;
      await startStandby(context, replica);
      log(`local: replica ${index} started again (port ${replica.port})`);
    },
    stop: () => {
      stopping ??= (async () => {
        await Promise.allSettled(replicas.map((r) => destroyReplica(context, r)));
        await primary.stop();
      })();
      return stopping;
    },
    // The primary's own dispose would leave the replicas running.
    [Symbol.asyncDispose]: () => handle.stop(),
  };
  return handle;
}

interface ReplicaContext {
  binDir: string;
  runner: PostgresRunner;
  primaryPort: number;
  log: (line: string) => void;
}

async function createReplica(context: ReplicaContext, index: number): Promise<Replica> {
  const { binDir, runner, primaryPort, log } = context;
  const baseDir = await mkdtemp(join(tmpdir(), 'recordstore-pg-replica-'));
  await chmod(baseDir, 0o755);
  await runner.giveOwnership(baseDir);
  const dataDir = join(baseDir, 'data');
  const replica: Replica = {
    baseDir,
    dataDir,
    logFile: join(baseDir, 'server.log'),
    port: 0,
    url: '',
    running: false,
    unregister: () => {},
  };
  replica.unregister = registerExitCleanup(() => destroyReplicaSync(replica));
  const started = performance.now();
  try {
    // -R writes standby.signal and primary_conninfo; -X stream copies the WAL needed to start consistent.
    await runner.run(
      join(binDir, 'pg_basebackup'),
      [
        ...['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres'],
        ...['-D', dataDir, '-R', '-X', 'stream', '-c', 'fast', '--no-sync'],
      ],
      { cwd: baseDir, timeoutMs: 120_000 },
    );
  } catch (cause) {
    replica.unregister();
    await rm(baseDir, { recursive: true, force: true });
    throw new ProvisionError('startup', `pg_basebackup for replica ${index} failed: ${errorMessage(cause)}`, {
      provider: 'local',
      cause,
    });
  }
  replica.port = await findFreePort();
  replica.url = `postgres://postgres@127.0.0.1:${replica.port}/postgres`;
  await startStandby(context, replica);
  await waitStreaming(replica, index);
  log(
    `local: replica ${index} streaming on 127.0.0.1:${replica.port} in ${Math.round(performance.now() - started)} ms`,
  );
  return replica;
}

async function startStandby(context: ReplicaContext, replica: Replica): Promise<void> {
  const options = `-p ${replica.port} -k '${replica.baseDir.replaceAll("'", `'\\''`)}' -c listen_addresses=127.0.0.1`;
  try {
    await pgCtl(context, replica, ['-l', replica.logFile, '-w', '-t', '60', '-o', options, 'start']);
    replica.running = true;
  } catch (cause) {
    const serverLog = await readFile(replica.logFile, 'utf8').catch(() => '');
    throw new ProvisionError(
      'startup',
      `starting a replica on port ${replica.port} failed: ${errorMessage(cause)}\nserver log:\n${lastLines(serverLog, 15)}`,
      { provider: 'local', cause },
    );
  }
}

/** Waits until the standby's WAL receiver streams from the primary (replayed data is then seconds away). */
async function waitStreaming(replica: Replica, index: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const status = await withClient(replica.url, async (client) => {
      const result = await client.query<{ status: string | null }>(
        'SELECT (SELECT status FROM pg_stat_wal_receiver) AS status',
      );
      return result.rows[0]?.status ?? null;
    }).catch(() => null);
    if (status === 'streaming') return;
    if (Date.now() > deadline) {
      throw new ProvisionError(
        'startup',
        `replica ${index} on port ${replica.port} did not start streaming within 30 s (WAL receiver: ${status ?? 'none'}).`,
        { provider: 'local' },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function pgCtl(context: ReplicaContext, replica: Replica, args: string[]): Promise<unknown> {
  return context.runner.run(join(context.binDir, 'pg_ctl'), ['-D', replica.dataDir, ...args], {
    cwd: replica.baseDir,
    timeoutMs: 90_000,
  });
}

async function destroyReplica(context: ReplicaContext, replica: Replica): Promise<void> {
  if (replica.running) {
    await pgCtl(context, replica, ['-m', 'immediate', '-w', '-t', '30', 'stop']).catch(() =>
      killSync(replica.dataDir),
    );
    replica.running = false;
  }
  await rm(replica.baseDir, { recursive: true, force: true, maxRetries: 3 });
  replica.unregister();
}

function destroyReplicaSync(replica: Replica): void {
  killSync(replica.dataDir);
  rmSync(replica.baseDir, { recursive: true, force: true, maxRetries: 3 });
}

/** SIGQUIT (immediate shutdown) to the standby's postmaster, for exit handlers. */
function killSync(dataDir: string): void {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (Number.isInteger(pid) && pid > 0) process.kill(pid, 'SIGQUIT');
  } catch {
    // Not running.
  }
}
