import { readServerInfo } from './admin-sql.js';
import { CITUS_BASE_DATABASE, databaseExists, ensureTemplateSql, readCitusVersion } from './citus-sql.js';
import { databaseNameFromUrl, redactUrl, databaseUrl as withDatabase } from './connection-url.js';
import { errorMessage, ProvisionError } from './errors.js';
import { createProvisionedPostgres } from './handle.js';
import { assertDatabaseName, generateDatabaseName } from './identifiers.js';
import type { CreateDatabaseOptions, ProviderName, ProvisionedCitus, ProvisionedPostgres } from './types.js';

/**
 * Environment variable listing the workers' superuser URLs (comma-separated) of the Citus cluster whose
 * coordinator is `RECORDSTORE_TEST_POSTGRES_URL`. `setupPostgresForVitest` sets it for a Citus run, so the
 * `url` provider in test processes creates every database on every node, as the cluster's own handle does.
 */
export const CITUS_WORKER_URLS_ENV = 'RECORDSTORE_TEST_CITUS_WORKER_URLS';

/** The nodes of a cluster, each wrapped in its own single-server handle, and how to present the whole. */
export interface CitusNodes {
  provider: ProviderName;
  source: string;
  /** Citus version of the coordinator. */
  version: string;
  coordinator: ProvisionedPostgres;
  workers: readonly ProvisionedPostgres[];
  stopWorker?: (index: number) => Promise<void>;
  startWorker?: (index: number) => Promise<void>;
}

/**
 * One handle over every node: `createDatabase` clones the same template on every node in parallel (the
 * cluster's base database by default, where the extension exists and the workers are registered),
 * `dropDatabase` drops the database everywhere, `stop` releases every node.
 */
export function createCitusHandle(nodes: CitusNodes): ProvisionedPostgres {
  const { coordinator, workers } = nodes;
  const all = [coordinator, ...workers];
  // Worker copies of each template, prepared once per template (see ensureTemplateSql).
  const preparedTemplates = new Map<string, Promise<void>>();

  function prepareWorkerTemplates(template: string): Promise<void> {
    let prepared = preparedTemplates.get(template);
    if (prepared === undefined) {
      prepared = Promise.all(workers.map((worker, index) => prepareTemplate(worker, index, template))).then(
        () => {},
      );
      prepared.catch(() => preparedTemplates.delete(template));
      preparedTemplates.set(template, prepared);
    }
    return prepared;
  }

  async function createDatabase(options: CreateDatabaseOptions = {}): Promise<string> {
    const name =
      options.name === undefined ? generateDatabaseName() : assertDatabaseName(options.name, 'name');
    const template =
      options.template === undefined ? CITUS_BASE_DATABASE : assertDatabaseName(options.template, 'template');
    if (options.template !== undefined) await prepareWorkerTemplates(template);
    const results = await Promise.allSettled(all.map((node) => node.createDatabase({ name, template })));
    const failure = results.find((result) => result.status === 'rejected');
    if (failure === undefined) return withDatabase(coordinator.url, name);
    // A database on only some nodes is a broken distributed database: take back what was made.
    await Promise.allSettled(
      results.map((result, index) =>
        result.status === 'fulfilled' ? all[index]?.dropDatabase(result.value) : undefined,
      ),
    );
    throw failure.reason;
  }

  async function dropDatabase(url: string): Promise<void> {
    const name = databaseNameFromUrl(url);
    // The coordinator first: it refuses databases this handle did not create, and once it is gone no
    // coordinator session reconnects to the workers' copies.
    await coordinator.dropDatabase(url);
    preparedTemplates.delete(name);
    await Promise.all(workers.map((worker) => worker.dropDatabase(withDatabase(worker.url, name))));
  }

  let stopping: Promise<void> | undefined;
  async function stopAll(): Promise<void> {
    const results = await Promise.allSettled(all.map((node) => node.stop()));
    const failure = results.find((result) => result.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
  }

  const citus: ProvisionedCitus = {
    version: nodes.version,
    workerUrls: workers.map((worker) => worker.url),
    workerUrlsFor: (url) => {
      const name = databaseNameFromUrl(url);
      return workers.map((worker) => withDatabase(worker.url, name));
    },
  };
  if (nodes.stopWorker) citus.stopWorker = nodes.stopWorker;
  if (nodes.startWorker) citus.startWorker = nodes.startWorker;

  const handle: ProvisionedPostgres = {
    url: coordinator.url,
    provider: nodes.provider,
    serverVersion: coordinator.serverVersion,
    source: nodes.source,
    createDatabase,
    dropDatabase,
    stop: () => {
      stopping ??= stopAll();
      return stopping;
    },
    [Symbol.asyncDispose]: () => handle.stop(),
    replicaUrls: [],
    citus,
  };
  if (coordinator.binDir !== undefined) handle.binDir = coordinator.binDir;
  if (coordinator.dataDir !== undefined) handle.dataDir = coordinator.dataDir;
  if (coordinator.port !== undefined) handle.port = coordinator.port;
  if (coordinator.socketDir !== undefined) handle.socketDir = coordinator.socketDir;
  return handle;
}

async function prepareTemplate(worker: ProvisionedPostgres, index: number, template: string): Promise<void> {
  if (!(await databaseExists(worker.url, template))) {
    throw new ProvisionError(
      'validation',
      `@recordstore/testkit: template ${JSON.stringify(template)} exists on the coordinator but not on Citus ` +
        `worker ${index} (${redactUrl(worker.url)}); make templates with createTemplateDatabase() or ` +
        'createDatabase() of the Citus server itself, which create them on every node.',
      { provider: 'citus' },
    );
  }
  await ensureTemplateSql(worker.url, template);
}

/**
 * For the `url` provider: when {@link CITUS_WORKER_URLS_ENV} is set, `server` is the coordinator of a
 * Citus cluster started by another process (vitest's global setup) and is wrapped so that databases are
 * made on every node. Without the variable, `server` is returned as is.
 * @throws {ProvisionError} `config` when the variable names unreachable servers or `server` is no Citus
 * coordinator made by this testkit.
 */
export async function attachCitusWorkersFromEnv(
  server: ProvisionedPostgres,
  log: (line: string) => void,
): Promise<ProvisionedPostgres> {
  const raw = process.env[CITUS_WORKER_URLS_ENV]?.trim();
  if (!raw) return server;
  const urls = raw.split(',').map((url) => url.trim());
  try {
    const workers = await Promise.all(
      urls.map(async (url) =>
        createProvisionedPostgres({
          provider: 'url',
          url,
          server: await readServerInfo(url),
          source: redactUrl(url),
        }),
      ),
    );
    const version = await readCitusVersion(server.url);
    if (!(await databaseExists(server.url, CITUS_BASE_DATABASE))) {
      throw new Error(`the coordinator has no ${CITUS_BASE_DATABASE} database`);
    }
    log(`citus: ${workers.length} worker(s) from ${CITUS_WORKER_URLS_ENV}, Citus ${version}`);
    return createCitusHandle({
      provider: server.provider,
      source: `${server.source} (Citus ${version}, ${workers.length} workers)`,
      version,
      coordinator: server,
      workers,
    });
  } catch (cause) {
    throw new ProvisionError(
      'config',
      `${CITUS_WORKER_URLS_ENV} is set but does not describe a Citus cluster made by provisionPostgres({ citus }) ` +
        `around ${server.source}: ${errorMessage(cause)}; unset it or point both variables at such a cluster.`,
      { provider: 'url', cause },
    );
  }
}
