import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Debian's PgBouncer (1.18) started on loopback for a test: transaction pooling, `auth_type = any` (every
 * client logs in to the server as the user of the `[databases]` line), a wildcard database entry so that
 * `/<name>` reaches the server's database `<name>`, and `ignore_startup_parameters = statement_timeout`
 * (pg sends statement_timeout as a startup parameter, which PgBouncer otherwise refuses).
 * PgBouncer refuses to run as root, so as root it runs as the `postgres` OS user.
 */
export interface PgBouncer {
  port: number;
  /** URL of database `database` through the pooler. */
  url(database: string): string;
  /** The pooler's log (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

const CANDIDATES = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer'];

/** Path of the pgbouncer binary, or undefined when it is not installed. */
export function findPgBouncer(): string | undefined {
  return CANDIDATES.find((path) => existsSync(path));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts PgBouncer in front of `serverUrl` (a superuser URL of the run's server).
 * @throws Error saying how to install pgbouncer when it is missing.
 */
export async function startPgBouncer(
  serverUrl: string,
  options: { poolSize?: number } = {},
): Promise<PgBouncer> {
  const binary = findPgBouncer();
  if (binary === undefined) {
    throw new Error(
      'pgbouncer is not installed: apt-get install -y pgbouncer (or bash scripts/bootstrap.sh --postgres).',
    );
  }
  const server = new URL(serverUrl);
  const dir = mkdtempSync(join(tmpdir(), 'recordstore-pgbouncer-'));
  chmodSync(dir, 0o755);
  const asRoot = process.getuid?.() === 0;
  const port = await freePort();
  const password = server.password ? ` password=${decodeURIComponent(server.password)}` : '';
  const ini = [
    '[databases]',
    `* = host=${server.hostname} port=${server.port || 5432} user=${decodeURIComponent(server.username || 'postgres')}${password}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = any',
    'pool_mode = transaction',
    `default_pool_size = ${options.poolSize ?? 10}`,
    'max_client_conn = 1000',
    'max_db_connections = 0',
    'ignore_startup_parameters = statement_timeout',
    `logfile = ${join(dir, 'pgbouncer.log')}`,
    `pidfile = ${join(dir, 'pgbouncer.pid')}`,
    // The test drops databases under it (DROP DATABASE ... WITH (FORCE)): forget their pools quickly.
    'server_check_delay = 1',
    'autodb_idle_timeout = 5',
    '',
  ].join('\n');
  const iniPath = join(dir, 'pgbouncer.ini');
  writeFileSync(iniPath, ini, { mode: 0o600 });
  let child: ChildProcess;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
    chownSync(iniPath, uid, gid);
    child = spawn(binary, [iniPath], { uid, gid, stdio: 'ignore' });
  } else {
    child = spawn(binary, [iniPath], { stdio: 'ignore' });
  }
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const log = () => {
    try {
      return readFileSync(join(dir, 'pgbouncer.log'), 'utf8');
    } catch {
      return '';
    }
  };
  const kill = () => {
    if (!exited) child.kill('SIGTERM');
  };
  process.once('exit', kill);
  const deadline = Date.now() + 10_000;
  while (!(await accepting(port))) {
    if (exited || Date.now() > deadline) {
      kill();
      const text = log();
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`pgbouncer did not start on 127.0.0.1:${port}:\n${text}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return {
    port,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    log,
    stop: async () => {
      process.off('exit', kill);
      if (!exited) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
