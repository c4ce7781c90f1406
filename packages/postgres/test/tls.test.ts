import { execFile } from 'node:child_process';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isStorageError, type StorageError } from '@recordstore/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PostgreSQLStorageBackend } from '../src/index.js';
import type { PostgresConfigInput } from '../src/postgres-config.js';
import { type DedicatedCluster, dedicatedCluster } from './dedicated-cluster.js';

/**
 * ssl_mode proven on a real TLS server: a cluster of this file's own with ssl = on and certificates made
 * here with openssl (a CA, a server certificate for 127.0.0.1 and localhost, a client certificate, a
 * second CA that signed nothing of ours, and a server certificate for another name).
 */

let cluster: DedicatedCluster;
let tls: string;
let database: string;
const open: PostgreSQLStorageBackend[] = [];

function openssl(...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd: tls }, (error, _out, stderr) =>
      error ? reject(new Error(`openssl ${args.join(' ')}: ${stderr}`)) : resolve(),
    );
  });
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function makeCa(name: string): Promise<void> {
  await openssl(
    'req',
    '-x509',
    ...EC,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
  );
}

/** A certificate signed by `ca` with the given subject and subjectAltName (if any). */
async function makeCert(name: string, ca: string, subject: string, san?: string): Promise<void> {
  await openssl('req', '-new', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
  const ext = san ? ['-extfile', `${name}.ext`] : [];
  if (san) await writeFile(join(tls, `${name}.ext`), `subjectAltName=${san}\n`);
  await openssl(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.crt`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-out',
    `${name}.crt`,
    '-days',
    '2',
    ...ext,
  );
}

beforeAll(async () => {
  cluster = await dedicatedCluster();
  tls = join(dirname(cluster.dataDir), 'tls');
  await mkdir(tls, { mode: 0o755 });
  await makeCa('ca');
  await makeCa('wrong-ca');
  await makeCert('server', 'ca', '/CN=localhost', 'DNS:localhost,IP:127.0.0.1');
  await makeCert('other-name', 'ca', '/CN=other.example', 'DNS:other.example');
  await makeCert('client', 'ca', '/CN=certuser');
  // The server reads its key as the postgres OS user and refuses a key readable by others.
  await copyFile(join(tls, 'server.crt'), join(tls, 'live.crt'));
  await copyFile(join(tls, 'server.key'), join(tls, 'live.key'));
  await cluster.giveToServer(join(tls, 'live.key'), 0o600);
  await cluster.giveToServer(join(tls, 'live.crt'), 0o644);
  await cluster.giveToServer(join(tls, 'ca.crt'), 0o644);
  await cluster.appendConf(
    [
      'ssl = on',
      `ssl_cert_file = '${join(tls, 'live.crt')}'`,
      `ssl_key_file = '${join(tls, 'live.key')}'`,
      `ssl_ca_file = '${join(tls, 'ca.crt')}'`,
    ].join('\n'),
  );
  await cluster.pgCtl('restart', '-m', 'fast');
  await cluster.sql(
    'CREATE ROLE certuser LOGIN SUPERUSER; CREATE ROLE sslonly LOGIN SUPERUSER; CREATE ROLE plainonly LOGIN SUPERUSER',
  );
  await cluster.prependHba([
    'hostnossl all certuser 127.0.0.1/32 reject',
    'hostssl   all certuser 127.0.0.1/32 cert',
    'hostnossl all sslonly 127.0.0.1/32 reject',
    'hostssl   all plainonly 127.0.0.1/32 reject',
  ]);
  database = await cluster.migratedDatabase('tls');
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close().catch(() => {})));
});

const file = (name: string) => join(tls, name);

function store(config: PostgresConfigInput): PostgreSQLStorageBackend {
  const s = new PostgreSQLStorageBackend({
    host: '127.0.0.1',
    port: cluster.port,
    database,
    username: 'postgres',
    connection_pool_size: 1,
    connect_timeout: 5,
    ...config,
  });
  open.push(s);
  return s;
}

/** What pg_stat_ssl says about the store's own connection. */
async function sslOf(
  s: PostgreSQLStorageBackend,
): Promise<{ ssl: boolean; version: string | null; client_dn: string | null }> {
  await s.connect();
  const { rows } = await s.pool!.query(
    'SELECT ssl, version, client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
  );
  // The store itself works over that connection.
  await s.save({ id: `probe-${Math.random()}` });
  return rows[0];
}

async function refused(s: PostgreSQLStorageBackend): Promise<StorageError> {
  try {
    await s.connect();
  } catch (error) {
    if (isStorageError(error)) return error;
    throw error;
  }
  throw new Error('expected connect() to be refused');
}

describe('ssl_mode on a real TLS server (libpq semantics)', () => {
  it('disable: no TLS (pg_stat_ssl.ssl = false)', async () => {
    expect((await sslOf(store({ ssl_enabled: false }))).ssl).toBe(false);
    expect(
      (
        await sslOf(
          store({ url: `postgres://postgres@127.0.0.1:${cluster.port}/${database}?sslmode=disable` }),
        )
      ).ssl,
    ).toBe(false);
  });

  it('allow: plain when the server accepts it, TLS when pg_hba insists on hostssl', async () => {
    expect((await sslOf(store({ ssl_enabled: true, ssl_mode: 'allow' }))).ssl).toBe(false);
    expect((await sslOf(store({ ssl_enabled: true, ssl_mode: 'allow', username: 'sslonly' }))).ssl).toBe(
      true,
    );
  });

  it('prefer: TLS when offered, plain when pg_hba refuses TLS for the role', async () => {
    const encrypted = await sslOf(store({ ssl_enabled: true, ssl_mode: 'prefer' }));
    expect(encrypted.ssl).toBe(true);
    expect(encrypted.version).toMatch(/TLS/);
    expect((await sslOf(store({ ssl_enabled: true, ssl_mode: 'prefer', username: 'plainonly' }))).ssl).toBe(
      false,
    );
  });

  it('require: encrypted without verification (a CA nobody trusts is fine without ssl_ca_file)', async () => {
    expect((await sslOf(store({ ssl_enabled: true, ssl_mode: 'require' }))).ssl).toBe(true);
    expect(
      (
        await sslOf(
          store({ url: `postgres://postgres@127.0.0.1:${cluster.port}/${database}?sslmode=require` }),
        )
      ).ssl,
    ).toBe(true);
    // libpq: require with a root certificate file verifies the chain like verify-ca.
    const error = await refused(
      store({ ssl_enabled: true, ssl_mode: 'require', ssl_ca_file: file('wrong-ca.crt') }),
    );
    expect(error.kind).toBe('connection');
  });

  it('require: refused by a role that pg_hba keeps off TLS (no silent fallback to plain)', async () => {
    const error = await refused(store({ ssl_enabled: true, ssl_mode: 'require', username: 'plainonly' }));
    expect(error.kind).toBe('connection');
  });

  it('verify-ca: the right CA connects; a wrong CA is refused with kind connection naming TLS', async () => {
    expect(
      (await sslOf(store({ ssl_enabled: true, ssl_mode: 'verify-ca', ssl_ca_file: file('ca.crt') }))).ssl,
    ).toBe(true);
    const error = await refused(
      store({ ssl_enabled: true, ssl_mode: 'verify-ca', ssl_ca_file: file('wrong-ca.crt') }),
    );
    expect(error).toMatchObject({ kind: 'connection', retryable: false });
    expect(error.message).toMatch(/TLS|certificate/i);
  });

  it('verify-full: 127.0.0.1 and localhost match the certificate; a certificate for another name is refused', async () => {
    const full = { ssl_enabled: true, ssl_mode: 'verify-full' as const, ssl_ca_file: file('ca.crt') };
    expect((await sslOf(store(full))).ssl).toBe(true);
    expect((await sslOf(store({ ...full, host: 'localhost' }))).ssl).toBe(true);
    // Serve the certificate for other.example (same CA) and reload: the name no longer matches.
    await copyFile(file('other-name.crt'), file('live.crt'));
    await copyFile(file('other-name.key'), file('live.key'));
    await cluster.pgCtl('reload');
    await new Promise((r) => setTimeout(r, 500));
    try {
      const error = await refused(store(full));
      expect(error.kind).toBe('connection');
      expect(error.message).toMatch(/127\.0\.0\.1|altname|host ?name|IP/i);
      // verify-ca does not check the name: still fine.
      expect((await sslOf(store({ ...full, ssl_mode: 'verify-ca' }))).ssl).toBe(true);
    } finally {
      await copyFile(file('server.crt'), file('live.crt'));
      await copyFile(file('server.key'), file('live.key'));
      await cluster.pgCtl('reload');
      await new Promise((r) => setTimeout(r, 500));
    }
  });

  it('client certificate authentication: ssl_cert_file / ssl_key_file log in as the certificate CN; without them refused', async () => {
    const info = await sslOf(
      store({
        username: 'certuser',
        ssl_enabled: true,
        ssl_mode: 'verify-full',
        ssl_ca_file: file('ca.crt'),
        ssl_cert_file: file('client.crt'),
        ssl_key_file: file('client.key'),
      }),
    );
    expect(info).toMatchObject({ ssl: true, client_dn: '/CN=certuser' });
    const viaUrl = await sslOf(
      store({
        url: `postgres://certuser@127.0.0.1:${cluster.port}/${database}?sslmode=require&sslcert=${file('client.crt')}&sslkey=${file('client.key')}`,
      }),
    );
    expect(viaUrl.client_dn).toBe('/CN=certuser');
    const error = await refused(store({ username: 'certuser', ssl_enabled: true, ssl_mode: 'require' }));
    expect(error).toMatchObject({ kind: 'connection', retryable: false });
    expect(error.code).toMatch(/^28/);
  });
});
