import { readServerInfo } from './admin-sql.js';
import { redactUrl } from './connection-url.js';
import { errorMessage, ProvisionError } from './errors.js';
import { createProvisionedPostgres } from './handle.js';
import type { ProvisionedPostgres } from './types.js';

/** Environment variable naming an existing server to use instead of starting one. */
export const POSTGRES_URL_ENV = 'RECORDSTORE_TEST_POSTGRES_URL';

/**
 * Uses the server named by `RECORDSTORE_TEST_POSTGRES_URL`. Nothing is started, so `stop()` only drops
 * the databases created through the returned object.
 */
export async function provisionFromUrl(log: (line: string) => void): Promise<ProvisionedPostgres> {
  const url = process.env[POSTGRES_URL_ENV];
  if (url === undefined || url.trim() === '') {
    throw new ProvisionError('unavailable', `${POSTGRES_URL_ENV} is not set`, { provider: 'url' });
  }
  try {
    const server = await readServerInfo(url);
    log(`using ${redactUrl(url)} from ${POSTGRES_URL_ENV}`);
    return createProvisionedPostgres({ provider: 'url', url, server, source: redactUrl(url) });
  } catch (cause) {
    if (cause instanceof ProvisionError) throw cause;
    throw new ProvisionError(
      'startup',
      `cannot connect to ${redactUrl(url)} (from ${POSTGRES_URL_ENV}): ${errorMessage(cause)}; ` +
        'check that the server is running and that the URL names a role allowed to CREATE DATABASE.',
      { provider: 'url', cause },
    );
  }
}
