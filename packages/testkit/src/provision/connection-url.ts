import { ProvisionError } from './errors.js';

/** Returns `baseUrl` pointing at database `name`, keeping credentials, host and query parameters. */
export function databaseUrl(baseUrl: string, name: string): string {
  const url = parseUrl(baseUrl);
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.toString();
}

/** Database name in a connection URL (its path), decoded. */
export function databaseNameFromUrl(connectionUrl: string): string {
  return decodeURIComponent(parseUrl(connectionUrl).pathname.replace(/^\//, ''));
}

/** The URL with any password replaced by `***`, for log lines and error messages. */
export function redactUrl(connectionUrl: string): string {
  try {
    const url = new URL(connectionUrl);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return '<unparsable URL>';
  }
}

function parseUrl(connectionUrl: string): URL {
  try {
    return new URL(connectionUrl);
  } catch {
    // The input may hold a password, and so does the TypeError's `input` property: keep neither.
    throw new ProvisionError(
      'config',
      '@recordstore/testkit: a PostgreSQL URL could not be parsed; ' +
        'expected postgres://user:password@host:port/database (percent-encode special characters).',
    );
  }
}
