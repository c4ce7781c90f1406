import { type ProvisionAttempt, ProvisionError, type ProvisionErrorKind } from './errors.js';
import { provisionLocalCluster } from './local-cluster.js';
import { provisionWithTestcontainers } from './testcontainers.js';
import type { ProviderName, ProvisionedPostgres, ProvisionOptions, RequestedProvider } from './types.js';
import { POSTGRES_URL_ENV, provisionFromUrl } from './url.js';

/** Environment variable forcing one provider, like {@link ProvisionOptions.provider}. */
export const POSTGRES_PROVIDER_ENV = 'RECORDSTORE_TEST_POSTGRES_PROVIDER';

/** Providers tried in turn when none is forced: cheapest and most explicit first. */
const AUTO_ORDER: readonly ProviderName[] = ['url', 'testcontainers', 'local'];

const REQUESTABLE: readonly RequestedProvider[] = ['url', 'testcontainers', 'local', 'embedded'];

/** The three remedies, shown whenever no server could be provisioned. */
const HOW_TO_GET_POSTGRES = [
  'Make PostgreSQL available to the tests in one of three ways:',
  `  1. set ${POSTGRES_URL_ENV} to a server whose role may CREATE DATABASE, e.g. postgres://postgres:PASSWORD@127.0.0.1:5432/postgres;`,
  '  2. start a container runtime that Testcontainers reaches: Docker, or podman (eval "$(bash ../shared/containers/setup-podman.sh)");',
  '  3. install PostgreSQL binaries (apt-get install -y postgresql) for a throwaway local cluster.',
].join('\n');

/** A provider forced by option or environment, and by which. */
interface ForcedProvider {
  provider: RequestedProvider;
  source: string;
}

/**
 * Provides a PostgreSQL server for a test run: the server named by `RECORDSTORE_TEST_POSTGRES_URL`, else
 * a Testcontainers container when a container runtime answers, else a throwaway cluster from local
 * binaries. The next provider is tried only when one is absent; one that is present but fails ends the
 * search with its error. `options.provider` or `RECORDSTORE_TEST_POSTGRES_PROVIDER` restricts the search
 * to one provider.
 * @throws {ProvisionError} naming the providers tried and the three ways to make PostgreSQL available.
 * @example
 * const pg = await provisionPostgres({ log: console.log });
 * try {
 *   const url = await pg.createDatabase();
 *   // ... connect to url
 * } finally {
 *   await pg.stop();
 * }
 */
export async function provisionPostgres(options: ProvisionOptions = {}): Promise<ProvisionedPostgres> {
  const log = options.log ?? (() => {});
  assertNoReplicas(options.replicas);
  const forced = resolveForcedProvider(options.provider);
  const order = forced ? [forced.provider] : AUTO_ORDER;
  const attempts: ProvisionAttempt[] = [];
  for (const provider of order) {
    try {
      const postgres = await runProvider(provider, log, forced !== undefined);
      log(`PostgreSQL ${postgres.serverVersion} served by ${postgres.provider}`);
      return postgres;
    } catch (error) {
      const attempt = { provider, error: error instanceof Error ? error : new Error(String(error)) };
      attempts.push(attempt);
      log(`${provider}: ${attempt.error.message}`);
      // Fall back only over providers that are absent. One that is configured or installed but broken
      // (unreachable URL, missing image, initdb failure) must be fixed, not silently replaced by another.
      if (forced || !isUnavailable(attempt.error)) throw providerFailedError(attempts, forced);
    }
  }
  throw noProviderError(attempts);
}

function isUnavailable(error: Error): boolean {
  return error instanceof ProvisionError && error.kind === 'unavailable';
}

function runProvider(
  provider: RequestedProvider,
  log: (line: string) => void,
  forced: boolean,
): Promise<ProvisionedPostgres> {
  switch (provider) {
    case 'url':
      return provisionFromUrl(log);
    case 'testcontainers':
      return provisionWithTestcontainers({ log, requireRuntimeHint: !forced });
    case 'local':
      return provisionLocalCluster(log);
    case 'embedded':
      return Promise.reject(
        new ProvisionError(
          'unsupported',
          "the 'embedded' provider is reserved and not implemented; 'local' starts the same kind of throwaway cluster from installed binaries",
          { provider: 'embedded' },
        ),
      );
  }
}

function resolveForcedProvider(optionValue: RequestedProvider | undefined): ForcedProvider | undefined {
  if (optionValue !== undefined)
    return { provider: checkProviderName(optionValue, 'options.provider'), source: 'options.provider' };
  const envValue = process.env[POSTGRES_PROVIDER_ENV]?.trim();
  if (!envValue) return undefined;
  return { provider: checkProviderName(envValue, POSTGRES_PROVIDER_ENV), source: POSTGRES_PROVIDER_ENV };
}

function checkProviderName(value: string, source: string): RequestedProvider {
  if ((REQUESTABLE as readonly string[]).includes(value)) return value as RequestedProvider;
  throw new ProvisionError(
    'config',
    `@recordstore/testkit: ${source} is ${JSON.stringify(value)}; expected one of ${REQUESTABLE.join(', ')} ` +
      '(or leave it unset to try url, testcontainers and local in turn).',
  );
}

function assertNoReplicas(replicas: number | undefined): void {
  if (replicas === undefined || replicas === 0) return;
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw new ProvisionError('config', `@recordstore/testkit: options.replicas is ${replicas}; expected 0.`);
  }
  throw new ProvisionError(
    'unsupported',
    `@recordstore/testkit: options.replicas is ${replicas}, but replicas are not implemented yet; use 0 and build ` +
      "replicas from the 'local' provider's binDir (pg_basebackup -R -X stream) if needed.",
  );
}

function providerFailedError(
  attempts: ProvisionAttempt[],
  forced: ForcedProvider | undefined,
): ProvisionError {
  const failed = attempts[attempts.length - 1]!;
  const kind: ProvisionErrorKind = failed.error instanceof ProvisionError ? failed.error.kind : 'startup';
  const context = forced
    ? `forced by ${forced.source}, so no other provider was tried`
    : `it is present but failed, so no further provider was tried; set ${POSTGRES_PROVIDER_ENV} to use another one`;
  return new ProvisionError(
    kind,
    `@recordstore/testkit: could not provision PostgreSQL with provider '${failed.provider}' (${context}): ` +
      `${failed.error.message}\n${HOW_TO_GET_POSTGRES}`,
    { provider: failed.provider, cause: failed.error, attempts },
  );
}

function noProviderError(attempts: ProvisionAttempt[]): ProvisionError {
  const reasons = attempts.map(({ provider, error }) => `  - ${provider}: ${error.message}`).join('\n');
  return new ProvisionError(
    'unavailable',
    `@recordstore/testkit: could not provision PostgreSQL for the tests:\n${reasons}\n${HOW_TO_GET_POSTGRES}`,
    { attempts },
  );
}
