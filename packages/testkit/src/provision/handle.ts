import { createDatabaseSql, dropDatabaseSql, type ServerInfo } from './admin-sql.js';
import { databaseNameFromUrl, databaseUrl } from './connection-url.js';
import { errorMessage, ProvisionError } from './errors.js';
import { assertDatabaseName, generateDatabaseName } from './identifiers.js';
import type { CreateDatabaseOptions, ProviderName, ProvisionedPostgres } from './types.js';

/** What a provider knows about the server it made available. */
export interface ServerSpec {
  provider: ProviderName;
  /** Superuser URL to the `postgres` database. */
  url: string;
  server: ServerInfo;
  /** See {@link ProvisionedPostgres.source}. */
  source: string;
  /**
   * Releases what the provider started (cluster, container); called once by `stop()`.
   * Absent when the server is not ours to stop (`url` provider).
   */
  release?: () => Promise<void>;
  binDir?: string;
  dataDir?: string;
  port?: number;
  socketDir?: string;
}

/**
 * Wraps a provider's server in the public {@link ProvisionedPostgres} shape. Database bookkeeping and the
 * once-only stop live here so that providers only start and release servers.
 */
export function createProvisionedPostgres(spec: ServerSpec): ProvisionedPostgres {
  const created = new Set<string>();
  // Calls still running when stop() begins: stop() waits for them, or a database created meanwhile on a
  // shared server would escape the final clean-up.
  const inFlight = new Set<Promise<unknown>>();
  let stopping: Promise<void> | undefined;

  function track<T>(operation: Promise<T>): Promise<T> {
    inFlight.add(operation);
    operation.then(
      () => inFlight.delete(operation),
      () => inFlight.delete(operation),
    );
    return operation;
  }

  async function createDatabase(options: CreateDatabaseOptions = {}): Promise<string> {
    if (stopping) throw stoppedError(spec.provider);
    const name =
      options.name === undefined ? generateDatabaseName() : assertDatabaseName(options.name, 'name');
    const template =
      options.template === undefined ? undefined : assertDatabaseName(options.template, 'template');
    await createDatabaseSql(spec.url, name, template);
    created.add(name);
    return databaseUrl(spec.url, name);
  }

  async function dropDatabase(url: string): Promise<void> {
    const name = databaseNameFromUrl(url);
    // After stop() the database is gone with its server (or was dropped by stop()).
    if (stopping) return;
    if (!created.has(name)) throw notOwnedError(name);
    await dropDatabaseSql(spec.url, name, spec.server.versionNum);
    created.delete(name);
  }

  async function stopOnce(): Promise<void> {
    await Promise.allSettled([...inFlight]);
    if (spec.release) {
      await spec.release();
      return;
    }
    await dropAll(spec, [...created]);
  }

  const handle: ProvisionedPostgres = {
    url: spec.url,
    provider: spec.provider,
    serverVersion: spec.server.version,
    source: spec.source,
    createDatabase: (options) => track(createDatabase(options)),
    dropDatabase: (url) => track(dropDatabase(url)),
    stop: () => {
      stopping ??= stopOnce();
      return stopping;
    },
    [Symbol.asyncDispose]: () => handle.stop(),
  };
  if (spec.binDir !== undefined) handle.binDir = spec.binDir;
  if (spec.dataDir !== undefined) handle.dataDir = spec.dataDir;
  if (spec.port !== undefined) handle.port = spec.port;
  if (spec.socketDir !== undefined) handle.socketDir = spec.socketDir;
  return handle;
}

/** Drops every database in `names`, trying all of them before reporting failures. */
async function dropAll(spec: ServerSpec, names: string[]): Promise<void> {
  const failures: string[] = [];
  for (const name of names) {
    try {
      await dropDatabaseSql(spec.url, name, spec.server.versionNum);
    } catch (error) {
      failures.push(`${name}: ${errorMessage(error)}`);
    }
  }
  if (failures.length > 0) {
    throw new ProvisionError(
      'cleanup',
      `@recordstore/testkit: stop() could not drop ${failures.length} test database(s) (${failures.join('; ')}); ` +
        'drop them by hand with DROP DATABASE ... WITH (FORCE).',
      { provider: spec.provider },
    );
  }
}

function stoppedError(provider: ProviderName): ProvisionError {
  return new ProvisionError(
    'stopped',
    '@recordstore/testkit: createDatabase() was called after stop(); provision a new server with provisionPostgres().',
    { provider },
  );
}

function notOwnedError(name: string): ProvisionError {
  return new ProvisionError(
    'not_owned',
    `@recordstore/testkit: dropDatabase() refuses ${JSON.stringify(name)} because this server object did not ` +
      'create it; pass a URL returned by createDatabase() of the same object.',
  );
}
