import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import type { Logger } from '@recordstore/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgreSQLStorageBackend } from '../src/index.js';
import { type DedicatedCluster, dedicatedCluster } from './dedicated-cluster.js';

/**
 * The password must never appear in anything a failing operation prints or throws: error messages,
 * stacks, JSON and util.inspect of errors (with their causes), log lines, health reports, and the CLI's
 * stdout and stderr (health, config print, get), even with --verbose.
 */

const SECRET = 'Zq7-Secret-Pw-91';
const WRONG = 'Wr0ng-Guess-Pw-77';
const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../../cli/dist/bin.js');

let cluster: DedicatedCluster;
let database: string;
/** Everything printed or thrown by the failing operations below, checked at the end. */
const seen: { what: string; text: string }[] = [];

function record(what: string, value: unknown): void {
  if (typeof value === 'string') {
    seen.push({ what, text: value });
    return;
  }
  const error = value as Error;
  seen.push({ what: `${what}: message`, text: String(error?.message) });
  seen.push({ what: `${what}: stack`, text: String(error?.stack) });
  seen.push({ what: `${what}: JSON.stringify`, text: JSON.stringify(error) ?? '' });
  seen.push({ what: `${what}: util.inspect`, text: inspect(error, { depth: 8, showHidden: true }) });
  seen.push({ what: `${what}: String`, text: String(error) });
  let cause = (error as { cause?: unknown })?.cause;
  for (let depth = 0; cause !== undefined && depth < 5; depth++) {
    seen.push({ what: `${what}: cause ${depth}`, text: inspect(cause, { depth: 8, showHidden: true }) });
    seen.push({ what: `${what}: cause ${depth} JSON`, text: JSON.stringify(cause) ?? '' });
    cause = (cause as { cause?: unknown }).cause;
  }
}

/** A logger that keeps every line it receives. */
const logLines: string[] = [];
const capturing: Logger = {
  debug: (obj, msg) => void logLines.push(inspect({ obj, msg }, { depth: 8 })),
  info: (obj, msg) => void logLines.push(inspect({ obj, msg }, { depth: 8 })),
  warn: (obj, msg) => void logLines.push(inspect({ obj, msg }, { depth: 8 })),
  error: (obj, msg) => void logLines.push(inspect({ obj, msg }, { depth: 8 })),
};

async function failure(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

function runCli(
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, out }));
  });
}

beforeAll(async () => {
  cluster = await dedicatedCluster();
  await cluster.sql(
    `SET password_encryption = 'scram-sha-256'; CREATE ROLE scramuser LOGIN SUPERUSER PASSWORD '${SECRET}';
     SET password_encryption = 'md5'; CREATE ROLE md5user LOGIN SUPERUSER PASSWORD '${SECRET}';`,
  );
  await cluster.prependHba([
    'host all scramuser 127.0.0.1/32 scram-sha-256',
    'host all md5user 127.0.0.1/32 md5',
  ]);
  database = await cluster.migratedDatabase('secrets');
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

const config = (user: string, password: string) => ({
  host: '127.0.0.1',
  port: cluster.port,
  database,
  username: user,
  password,
  connection_pool_size: 1,
  connect_timeout: 2,
});

describe('secrets never leak', () => {
  it.each(['scramuser', 'md5user'])(
    'a wrong password (%s) fails with kind connection (28P01), not retryable',
    async (user) => {
      // The wrong password is a secret too: it may be a real password of another system.
      const store = new PostgreSQLStorageBackend(config(user, WRONG), { logger: capturing });
      const error = await failure(() => store.connect());
      expect(error).toMatchObject({
        name: 'StorageError',
        kind: 'connection',
        code: '28P01',
        retryable: false,
      });
      expect(error.message).toMatch(/authentication failed.*password/i);
      record(`wrong password ${user}`, error);
      const viaUrl = new PostgreSQLStorageBackend({
        url: `postgres://${user}:${WRONG}@127.0.0.1:${cluster.port}/${database}`,
      });
      record(`wrong password in url ${user}`, await failure(() => viaUrl.connect()));
      const health = await viaUrl.healthCheck();
      expect(health.status).toBe('unhealthy');
      record(`health ${user}`, JSON.stringify(health));
      record(`health inspect ${user}`, inspect(health, { depth: 8 }));
    },
  );

  it('the right password connects; dropped connections and an unreachable host are reported without it', async () => {
    const store = new PostgreSQLStorageBackend(config('scramuser', SECRET), { logger: capturing });
    await store.connect();
    await store.save({ id: 'a' });
    // Kill the store's idle connections from the server side: the pool logs "idle connection lost".
    await cluster.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'scramuser'");
    await new Promise((r) => setTimeout(r, 300));
    expect(await store.load('a')).toMatchObject({ id: 'a' });
    record('health ok', JSON.stringify(await store.healthCheck()));
    record('stats', JSON.stringify(await store.stats()));
    await store.close();

    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const unreachable = new PostgreSQLStorageBackend(
      { ...config('scramuser', SECRET), port },
      { logger: capturing },
    );
    const error = await failure(() => unreachable.connect());
    expect(error).toMatchObject({ kind: 'connection', retryable: true });
    record('unreachable', error);
    record('unreachable health', JSON.stringify(await unreachable.healthCheck()));

    const sockets = new Set<Socket>();
    const silent = createServer((s) => void sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const timedOut = new PostgreSQLStorageBackend({
      url: `postgres://scramuser:${SECRET}@127.0.0.1:${(silent.address() as AddressInfo).port}/${database}`,
      connect_timeout: 0.5,
    });
    record('connect timeout', await failure(() => timedOut.connect()));
    for (const s of sockets) s.destroy();
    silent.close();
  });

  it('the CLI (health, config print, get; with --verbose and --json) never prints it', async () => {
    expect(existsSync(CLI), `${CLI} is missing: build the CLI first (pnpm test builds)`).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'rs-secrets-'));
    try {
      writeFileSync(
        join(dir, 'recordstore.yaml'),
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file's own ${VAR} interpolation
        'default: pg\nstorage_types:\n  pg:\n    class: postgresql\n    config:\n      url: "${DATABASE_URL}"\n',
      );
      for (const password of [SECRET, WRONG]) {
        const env = {
          DATABASE_URL: `postgres://scramuser:${password}@127.0.0.1:${cluster.port}/${database}`,
        };
        const commands = [
          ['health'],
          ['health', '--json'],
          ['--verbose', 'health'],
          ['config', 'print'],
          ['config', 'print', '--json'],
          ['get', 'a'],
          ['--verbose', 'get', 'nope'],
          ['--json', 'get', 'a'],
        ];
        // Concurrently: each process spends most of its time starting Node.
        const results = await Promise.all(commands.map((args) => runCli(args, dir, env)));
        commands.forEach((args, i) => {
          const result = results[i]!;
          record(`cli ${args.join(' ')} (${password === SECRET ? 'right' : 'wrong'} password)`, result.out);
          if (password === WRONG && args.includes('get')) expect(result.code, result.out).not.toBe(0);
        });
      }
      // The right password works (so the runs above exercised real connections).
      const ok = await runCli(['get', 'a', '--json'], dir, {
        DATABASE_URL: `postgres://scramuser:${SECRET}@127.0.0.1:${cluster.port}/${database}`,
      });
      expect(ok.out).toContain('"id"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('nothing captured contains the password (or the wrong one)', () => {
    for (const line of logLines) seen.push({ what: 'log', text: line });
    expect(logLines.length, 'the capturing logger saw nothing').toBeGreaterThan(0);
    expect(seen.length).toBeGreaterThan(50);
    const leaks = seen.filter(
      ({ text }) =>
        text.includes(SECRET) ||
        text.includes(WRONG) ||
        text.includes(encodeURIComponent(SECRET)) ||
        text.includes(encodeURIComponent(WRONG)),
    );
    expect(
      leaks.map((l) => `${l.what}: ${l.text.slice(0, 400)}`),
      'the password leaked',
    ).toEqual([]);
    console.info(`[secrets] ${seen.length} outputs checked`);
  });
});
