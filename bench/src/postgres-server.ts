import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** A PostgreSQL server for the benchmark, with durable settings, and how to make databases on it. */
export interface BenchPostgres {
  /** Which way the server came: testkit provider name, `url`, or `bench-local`. */
  source: string;
  serverVersion: string;
  /** The settings that matter for write numbers, as the server reports them. */
  settings: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Settings that make the numbers mean what users get: the testkit's throwaway clusters turn durability
 * off (fsync, synchronous_commit, full_page_writes) to make tests fast, which would flatter every write.
 * All three reload without a restart.
 */
const DURABLE_SETTINGS = ['fsync = on', 'synchronous_commit = on', 'full_page_writes = on'];

/**
 * Switches a server to {@link DURABLE_SETTINGS} and waits until it reports them: `pg_reload_conf()` only
 * signals the server, which rereads its configuration a moment later (seconds on a loaded machine).
 * @throws Error when the settings still read otherwise after 30 s.
 */
export async function switchToDurable(admin: pg.ClientBase): Promise<void> {
  for (const setting of DURABLE_SETTINGS) await admin.query(`ALTER SYSTEM SET ${setting}`);
  await admin.query('SELECT pg_reload_conf()');
  const names = DURABLE_SETTINGS.map((s) => s.split(' ')[0]!);
  for (let waited = 0; ; waited += 100) {
    const { rows } = await admin.query<{ name: string; setting: string }>(
      'SELECT name, setting FROM pg_settings WHERE name = ANY($1)',
      [names],
    );
    const off = rows.filter((r) => r.setting !== 'on').map((r) => r.name);
    if (off.length === 0) return;
    if (waited >= 30_000) throw new Error(`the server still reports ${off.join(', ')} off after a reload`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Gets a server: `RECORDSTORE_BENCH_POSTGRES_URL` when set; else `provisionPostgres()` of
 * `@recordstore/testkit/postgres` when it is built; else a throwaway cluster started here from the local
 * PostgreSQL binaries (as TOOLCHAIN.md shows). Durability settings are switched on for the run.
 */
export async function startPostgres(log: (line: string) => void): Promise<BenchPostgres> {
  const envUrl = process.env.RECORDSTORE_BENCH_POSTGRES_URL;
  let base: { url: string; source: string; stop(): Promise<void> };
  if (envUrl) {
    base = { url: envUrl, source: 'url', stop: async () => {} };
  } else {
    base = (await fromTestkit(log)) ?? (await localCluster(log));
  }
  const admin = new pg.Client({ connectionString: base.url });
  await admin.connect();
  const created: string[] = [];
  try {
    if (base.source !== 'url') {
      await switchToDurable(admin);
    }
    const version = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]!
      .server_version;
    const settings = await admin.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers') ORDER BY name`,
    );
    return {
      source: base.source,
      serverVersion: version.split(' ')[0]!,
      settings: settings.rows.map((r) => `${r.name}=${r.setting}`).join(', '),
      async createDatabase(name: string) {
        if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`Bad database name ${name}`);
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.query(`CREATE DATABASE ${name}`);
        created.push(name);
        const url = new URL(base.url);
        url.pathname = `/${name}`;
        return url.toString();
      },
      async stop() {
        for (const name of created) {
          await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
        }
        await admin.end().catch(() => {});
        await base.stop();
      },
    };
  } catch (error) {
    await admin.end().catch(() => {});
    await base.stop();
    throw error;
  }
}

async function fromTestkit(log: (line: string) => void) {
  try {
    const testkit = (await import('@recordstore/testkit/postgres')) as Record<string, unknown>;
    const provision = testkit.provisionPostgres as
      | ((o: {
          log?: (l: string) => void;
        }) => Promise<{ url: string; provider: string; stop(): Promise<void> }>)
      | undefined;
    if (typeof provision !== 'function') return undefined;
    const server = await provision({ log });
    return { url: server.url, source: `testkit:${server.provider}`, stop: () => server.stop() };
  } catch (error) {
    log(
      `testkit provisioning unavailable (${(error as Error).message.split('\n')[0]}); starting a cluster here`,
    );
    return undefined;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function findBinDir(): string {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (existsSync(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin');
  }
  throw new Error(
    'No PostgreSQL binaries in /usr/lib/postgresql/*/bin: install them (apt-get install -y postgresql) ' +
      'or set RECORDSTORE_BENCH_POSTGRES_URL.',
  );
}

async function localCluster(log: (line: string) => void) {
  const bin = findBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'rs-bench-pg-'));
  chmodSync(dir, 0o755);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  // PostgreSQL refuses to run as root: run its tools as the postgres user.
  const run = (tool: string, args: string[]) =>
    asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args], { stdio: 'pipe' })
      : execFileSync(join(bin, tool), args, { stdio: 'pipe' });
  const port = await freePort();
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  run('pg_ctl', [
    '-D',
    data,
    '-l',
    join(dir, 'server.log'),
    '-w',
    '-t',
    '30',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB`,
    'start',
  ]);
  log(`started a throwaway PostgreSQL cluster from ${bin} on port ${port}`);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    source: 'bench-local',
    async stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
