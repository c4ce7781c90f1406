import { parse } from 'pg-connection-string';
import type { SslMode } from './postgres-config.js';
import { SSL_MODES } from './postgres-config.js';

/**
 * Connection URLs, read by `pg-connection-string` (the parser the `pg` driver itself uses), so every form
 * `pg` accepts works here too: `postgres://user:pw@host:5432/db`, `postgresql://...`, unix sockets
 * (`postgres:///db?host=/run/postgresql`, `postgresql://%2Frun%2Fpostgresql/db`, `socket:/run/postgresql?db=db`),
 * and the query keys `pg` honours (`application_name`, `options`, `client_encoding`, ...).
 *
 * The TLS keys stay ours: `pg-connection-string` reads certificate files synchronously while parsing and
 * gives `prefer`/`require`/`verify-ca` other meanings than libpq's, so they are taken out of the query
 * before parsing and applied by postgres-connection.ts with libpq's semantics.
 */

/** What a URL says; absent fields are left to the explicit keys, the PG* environment and the defaults. */
export interface UrlParts {
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  sslMode?: SslMode;
  sslCertFile?: string;
  sslKeyFile?: string;
  sslCaFile?: string;
  applicationName?: string;
  fallbackApplicationName?: string;
  /** Startup `options` (`-c name=value ...`). */
  options?: string;
  clientEncoding?: string;
}

/** Query keys applied with libpq's TLS semantics by this package, not by `pg-connection-string`. */
const TLS_KEYS = ['sslmode', 'sslcert', 'sslkey', 'sslrootcert', 'ssl'] as const;

/**
 * Query keys `pg` honours. Anything else (`connect_timeout`, `target_session_attrs`, ...) would be parsed
 * and then silently ignored by the driver, so it is refused with the config key to use instead.
 */
const PG_KEYS = [
  'host',
  'port',
  'user',
  'password',
  'dbname',
  'application_name',
  'fallback_application_name',
  'options',
  'client_encoding',
  // socket:/path?db=name&encoding=UTF8
  'db',
  'encoding',
  // Our TLS modes are libpq's already; the flag changes nothing here.
  'uselibpqcompat',
];

/** Every query key a URL may carry, for messages. */
export const SUPPORTED_URL_KEYS: readonly string[] = [...PG_KEYS, ...TLS_KEYS];

/**
 * Parses a connection URL.
 * @param fail builds the error for a reason; the reason never contains the URL (it may hold a password)
 * @example
 * parsePostgresUrl('postgres:///app?host=/run/postgresql', why) // { host: '/run/postgresql', database: 'app' }
 */
export function parsePostgresUrl(text: string, fail: (why: string) => Error): UrlParts {
  const queryAt = text.indexOf('?');
  const params = new URLSearchParams(queryAt === -1 ? '' : text.slice(queryAt + 1));
  for (const key of params.keys()) {
    if (!SUPPORTED_URL_KEYS.includes(key)) {
      throw fail(
        `the URL parameter ${JSON.stringify(key)} is not supported; use the config keys instead (supported in the URL: ${SUPPORTED_URL_KEYS.join(', ')})`,
      );
    }
  }
  const tls = tlsParts(params, fail);
  for (const key of TLS_KEYS) params.delete(key);
  const rest = params.toString();
  const stripped = (queryAt === -1 ? text : text.slice(0, queryAt)) + (rest === '' ? '' : `?${rest}`);
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(stripped);
  } catch {
    throw fail('is not a valid URL');
  }
  const text_ = (value: unknown): string | undefined =>
    typeof value === 'string' && value !== '' ? value : undefined;
  const parts: UrlParts = { ...tls };
  const host = text_(parsed.host);
  if (host !== undefined) parts.host = host;
  const port = text_(parsed.port);
  if (port !== undefined) {
    const n = /^\d{1,5}$/.test(port) ? Number(port) : Number.NaN;
    if (!(n >= 1 && n <= 65535)) throw fail(`has port ${JSON.stringify(port)}, not a number in 1-65535`);
    parts.port = n;
  }
  const database = text_(parsed.database) ?? text_(parsed.dbname);
  if (database !== undefined) parts.database = database;
  const user = text_(parsed.user);
  if (user !== undefined) parts.user = user;
  const password = text_(parsed.password);
  if (password !== undefined) parts.password = password;
  const applicationName = text_(parsed.application_name);
  if (applicationName !== undefined) parts.applicationName = applicationName;
  const fallback = text_(parsed.fallback_application_name);
  if (fallback !== undefined) parts.fallbackApplicationName = fallback;
  const options = text_(parsed.options);
  if (options !== undefined) parts.options = options;
  const encoding = text_(parsed.client_encoding);
  if (encoding !== undefined) parts.clientEncoding = encoding;
  return parts;
}

/** sslmode (libpq's modes; `ssl=true` as `pg` means it: verified TLS), certificate and key files. */
function tlsParts(params: URLSearchParams, fail: (why: string) => Error): UrlParts {
  const parts: UrlParts = {};
  const sslmode = params.get('sslmode');
  const ssl = params.get('ssl');
  if (sslmode !== null) {
    if (!(SSL_MODES as readonly string[]).includes(sslmode)) {
      throw fail(`has sslmode=${sslmode}, not one of ${SSL_MODES.join(', ')}`);
    }
    parts.sslMode = sslmode as SslMode;
  } else if (ssl !== null) {
    if (ssl === 'true' || ssl === '1') parts.sslMode = 'verify-full';
    else if (ssl === 'false' || ssl === '0') parts.sslMode = 'disable';
    else throw fail(`has ssl=${ssl}; use true, false or sslmode=<mode>`);
  }
  const cert = params.get('sslcert');
  if (cert) parts.sslCertFile = cert;
  const key = params.get('sslkey');
  if (key) parts.sslKeyFile = key;
  const ca = params.get('sslrootcert');
  if (ca) parts.sslCaFile = ca;
  return parts;
}

/** True when `host` names a unix socket folder (libpq: a host starting with a slash). */
export function isSocketHost(host: string): boolean {
  return host.startsWith('/');
}

/**
 * The libpq environment defaults (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`, `PGAPPNAME`)
 * that apply where neither the explicit keys nor the URL say.
 * @param fail builds the error for a malformed PGPORT
 */
export function environmentParts(
  env: NodeJS.ProcessEnv,
  fail: (why: string) => Error,
): Pick<UrlParts, 'host' | 'port' | 'user' | 'password' | 'database' | 'applicationName'> {
  const parts: ReturnType<typeof environmentParts> = {};
  const value = (name: string) => {
    const v = env[name];
    return v === undefined || v === '' ? undefined : v;
  };
  const host = value('PGHOST');
  if (host !== undefined) parts.host = host;
  const port = value('PGPORT');
  if (port !== undefined) {
    const n = /^\d{1,5}$/.test(port.trim()) ? Number(port.trim()) : Number.NaN;
    if (!(n >= 1 && n <= 65535)) throw fail(`PGPORT=${JSON.stringify(port)} is not a port number (1-65535)`);
    parts.port = n;
  }
  const user = value('PGUSER');
  if (user !== undefined) parts.user = user;
  const password = value('PGPASSWORD');
  if (password !== undefined) parts.password = password;
  const database = value('PGDATABASE');
  if (database !== undefined) parts.database = database;
  const app = value('PGAPPNAME');
  if (app !== undefined) parts.applicationName = app;
  return parts;
}
