import { readFile } from 'node:fs/promises';
import type { ConnectionOptions } from 'node:tls';
import { StorageError } from '@recordstore/core';
import pg from 'pg';
import type { PostgresConfig, SslMode } from './postgres-config.js';
import { toPostgresStorageError } from './postgres-errors.js';
import { environmentParts, isSocketHost, parsePostgresUrl, type UrlParts } from './postgres-url.js';

/** Where and as whom to connect, after merging `url` with the explicit keys. */
export interface ConnectionTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string | undefined;
  sslMode: SslMode;
  sslCertFile: string | undefined;
  sslKeyFile: string | undefined;
  sslCaFile: string | undefined;
  /** `application_name` from the config key, the URL or `PGAPPNAME` (else `recordstore`). */
  applicationName?: string;
  fallbackApplicationName?: string;
  /** The URL's startup `options` (`-c name=value ...`), sent before the schema's search_path. */
  startupOptions?: string;
  clientEncoding?: string;
}

function configError(key: string, message: string): StorageError {
  return new StorageError('config', `postgresql: ${key}: ${message}`, {
    path: `config.${key}`,
    backend: 'postgresql',
  });
}

/**
 * Merges `url` with the explicit keys (explicit keys win), then the libpq environment (`PGHOST`, `PGPORT`,
 * `PGUSER`, `PGPASSWORD`, `PGDATABASE`, `PGAPPNAME`) where neither says, then the defaults (localhost:5432,
 * database `storage`, user `postgres`: the design's). TLS: `ssl_enabled: false` means no TLS; an `sslmode`
 * in the url (or ssl_mode with ssl_enabled: true) says how. A unix socket folder as host
 * (`?host=/run/postgresql`) never uses TLS, as in libpq.
 * @param env the environment to read PG* defaults from (the process's by default)
 */
export function resolveTarget(
  config: PostgresConfig,
  env: NodeJS.ProcessEnv = process.env,
): ConnectionTarget {
  const fromUrl: UrlParts =
    config.url === undefined
      ? {}
      : parsePostgresUrl(config.url, (why) =>
          configError('url', `${why}; expected postgres://user:password@host:port/database.`),
        );
  const fromEnv = environmentParts(env, (why) => configError('url', `${why} (environment)`));
  const urlSslEnabled = fromUrl.sslMode === undefined ? undefined : fromUrl.sslMode !== 'disable';
  const sslEnabled = config.ssl_enabled || urlSslEnabled === true;
  let sslMode: SslMode = fromUrl.sslMode ?? config.ssl_mode;
  if (config.ssl_enabled && config.ssl_mode !== 'prefer') sslMode = config.ssl_mode;
  if (!sslEnabled) {
    if (
      config.ssl_mode === 'require' ||
      config.ssl_mode === 'verify-ca' ||
      config.ssl_mode === 'verify-full'
    ) {
      throw configError(
        'ssl_mode',
        `${config.ssl_mode} needs TLS but ssl_enabled is false; set ssl_enabled: true (or ssl_mode: disable).`,
      );
    }
    sslMode = 'disable';
  } else if (sslMode === 'disable') {
    throw configError('ssl_mode', 'is disable but ssl_enabled is true; choose one.');
  }
  const host = config.host ?? fromUrl.host ?? fromEnv.host ?? 'localhost';
  const target: ConnectionTarget = {
    host,
    port: config.port ?? fromUrl.port ?? fromEnv.port ?? 5432,
    database: config.database ?? fromUrl.database ?? fromEnv.database ?? 'storage',
    user: config.username ?? fromUrl.user ?? fromEnv.user ?? 'postgres',
    password: config.password ?? fromUrl.password ?? fromEnv.password,
    // libpq never negotiates TLS over a unix socket: the kernel already keeps the bytes local.
    sslMode: isSocketHost(host) ? 'disable' : sslMode,
    sslCertFile: config.ssl_cert_file ?? fromUrl.sslCertFile,
    sslKeyFile: config.ssl_key_file ?? fromUrl.sslKeyFile,
    sslCaFile: config.ssl_ca_file ?? fromUrl.sslCaFile,
  };
  const applicationName = config.application_name ?? fromUrl.applicationName ?? fromEnv.applicationName;
  if (applicationName !== undefined) target.applicationName = applicationName;
  if (fromUrl.fallbackApplicationName !== undefined)
    target.fallbackApplicationName = fromUrl.fallbackApplicationName;
  if (fromUrl.options !== undefined) target.startupOptions = fromUrl.options;
  if (fromUrl.clientEncoding !== undefined) target.clientEncoding = fromUrl.clientEncoding;
  return target;
}

/** `host:port/database` for messages (never the password). */
export function describeTarget(target: ConnectionTarget): string {
  return `${target.host}:${target.port}/${target.database} as ${target.user}`;
}

/** `host:port` of a target (an IPv6 host in brackets), for labels and identities. */
export function hostPort(target: Pick<ConnectionTarget, 'host' | 'port'>): string {
  return target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}

/**
 * Where a config's data lives, without credentials or tuning keys: `postgresql://host:port/database?schema=name`.
 * Two configs of the same data (a URL or explicit keys, other pool sizes or passwords) give the same string;
 * copies key their resume state on it.
 * @throws StorageError(config) when the url or the TLS keys contradict each other (as connect() would).
 * @example
 * postgresIdentity(config) // 'postgresql://db.internal:5432/app?schema=public'
 */
export function postgresIdentity(config: PostgresConfig): string {
  const target = resolveTarget(config);
  const database = encodeURIComponent(target.database);
  // A socket folder is a path: encoded (libpq's own URL form), and case-sensitive unlike a host name.
  const host = isSocketHost(target.host) ? encodeURIComponent(target.host) : target.host.toLowerCase();
  return `postgresql://${hostPort({ host, port: target.port })}/${database}?schema=${config.schema_name}`;
}

async function readKeyFile(key: string, path: string | undefined): Promise<Buffer | undefined> {
  if (path === undefined) return undefined;
  try {
    return await readFile(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw configError(
      key,
      `cannot read ${JSON.stringify(path)} (${reason}); fix the path or its permissions.`,
    );
  }
}

/**
 * The TLS options for one try, with libpq's meaning of each mode:
 * `require` encrypts without verifying (unless a CA file is given: then like verify-ca), `verify-ca`
 * checks the chain but not the host name, `verify-full` checks both. `allow`/`prefer` do not verify.
 */
async function tlsOptions(target: ConnectionTarget): Promise<ConnectionOptions> {
  const [cert, key, ca] = await Promise.all([
    readKeyFile('ssl_cert_file', target.sslCertFile),
    readKeyFile('ssl_key_file', target.sslKeyFile),
    readKeyFile('ssl_ca_file', target.sslCaFile),
  ]);
  const verifyChain =
    target.sslMode === 'verify-ca' ||
    target.sslMode === 'verify-full' ||
    (target.sslMode === 'require' && ca !== undefined);
  const options: ConnectionOptions = {
    rejectUnauthorized: verifyChain,
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(ca ? { ca } : {}),
  };
  if (verifyChain && target.sslMode !== 'verify-full') {
    // Chain verified by rejectUnauthorized; the host name is not checked (libpq's verify-ca).
    options.checkServerIdentity = () => undefined;
  }
  return options;
}

/** What the pool and migration clients need, resolved once at connect. */
export interface ResolvedConnection {
  target: ConnectionTarget;
  /** Client options (no pool options), with TLS settled (allow/prefer decided by a probe). */
  client: pg.ClientConfig;
}

function baseClientConfig(config: PostgresConfig, target: ConnectionTarget): pg.ClientConfig {
  const client: pg.ClientConfig = {
    host: target.host,
    port: target.port,
    database: target.database,
    user: target.user,
    application_name: target.applicationName ?? 'recordstore',
    connectionTimeoutMillis: Math.round(config.connect_timeout * 1000),
    keepAlive: true,
  };
  if (target.password !== undefined) client.password = target.password;
  if (config.statement_timeout > 0) client.statement_timeout = config.statement_timeout;
  if (config.command_timeout > 0) client.query_timeout = Math.round(config.command_timeout * 1000);
  // A startup parameter costs no round trip; schema_name is a validated identifier (no quoting needed).
  const options = [target.startupOptions];
  if (config.schema_name !== 'public') options.push(`-c search_path=${config.schema_name}`);
  const joined = options.filter((o) => o !== undefined).join(' ');
  if (joined !== '') client.options = joined;
  if (target.fallbackApplicationName !== undefined)
    client.fallback_application_name = target.fallbackApplicationName;
  if (target.clientEncoding !== undefined) client.client_encoding = target.clientEncoding;
  return client;
}

async function probe(config: pg.ClientConfig): Promise<void> {
  const client = new pg.Client(config);
  client.on('error', () => {});
  try {
    await client.connect();
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Resolves the client options, reading TLS files and settling `allow` (plain, then TLS) and `prefer`
 * (TLS, then plain) with one probe connection, as libpq does per connection.
 * @throws StorageError(config) for unreadable files, StorageError(connection ...) when no mode works.
 */
export async function resolveConnection(config: PostgresConfig): Promise<ResolvedConnection> {
  const target = resolveTarget(config);
  const base = baseClientConfig(config, target);
  if (target.sslMode === 'disable') return { target, client: { ...base, ssl: false } };
  const tls = { ...base, ssl: await tlsOptions(target) };
  const plain = { ...base, ssl: false };
  if (target.sslMode === 'allow' || target.sslMode === 'prefer') {
    const [first, second] = target.sslMode === 'allow' ? [plain, tls] : [tls, plain];
    try {
      await probe(first);
      return { target, client: first };
    } catch (error) {
      const mapped = toPostgresStorageError(error, { secrets: [target.password] });
      // Only a TLS refusal (or a pg_hba rule that needs the other mode) warrants the other try.
      const retry =
        /SSL|TLS|pg_hba|encryption/i.test(mapped.message) ||
        mapped.code === '28000' ||
        mapped.code === '28P01';
      if (!retry) return { target, client: first };
      await probe(second).catch(() => undefined);
      return { target, client: second };
    }
  }
  return { target, client: tls };
}
