import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { StartedPostgreSqlContainer } from '@testcontainers/postgresql';
import { readServerInfo } from './admin-sql.js';
import { errorMessage, ProvisionError } from './errors.js';
import { registerExitCleanup } from './exit-cleanup.js';
import { createProvisionedPostgres } from './handle.js';
import type { ProvisionedPostgres } from './types.js';

/** Environment variable choosing the container image. */
export const POSTGRES_IMAGE_ENV = 'RECORDSTORE_TEST_POSTGRES_IMAGE';

/** Image used when {@link POSTGRES_IMAGE_ENV} is unset. */
export const DEFAULT_POSTGRES_IMAGE = 'postgres:15-alpine';

/**
 * Printed once by the init server and once by the real one. Waiting for this line instead of the
 * module's health check matters: podman without systemd runs no health checks, so that wait hangs.
 */
const READY_LINE = /database system is ready to accept connections/;

/**
 * Same settings as the local and embedded clusters: durability traded for speed, and 200 connections
 * instead of the image's 100, which a suite running files in parallel with pools of up to 10 exceeds
 * ("sorry, too many clients already", measured with the PostgreSQL conformance suite).
 */
const SERVER_ARGS = [
  '-c',
  'fsync=off',
  '-c',
  'synchronous_commit=off',
  '-c',
  'full_page_writes=off',
  '-c',
  'max_connections=200',
];

/** A runtime that has not answered by then is treated as absent. */
const RUNTIME_PROBE_TIMEOUT_MS = 15_000;

type TestcontainersModule = typeof import('testcontainers');
type PostgresModule = typeof import('@testcontainers/postgresql');

// Specifiers in variables: these are optional peer dependencies that may be absent, and bundling
// Testcontainers breaks a build; esbuild (tsup, and bundlers of the testkit's users) leaves non-literal
// imports alone.
const TESTCONTAINERS_MODULE: string = 'testcontainers';
const POSTGRESQL_MODULE: string = '@testcontainers/postgresql';

/** Options of {@link provisionWithTestcontainers}. */
export interface TestcontainersProvisionOptions {
  log: (line: string) => void;
  /**
   * In the automatic order, give up at once when nothing suggests a runtime (no DOCKER_HOST, no
   * /var/run/docker.sock): probing then costs time and says nothing new.
   */
  requireRuntimeHint: boolean;
}

/** Starts PostgreSQL in a container (Docker or podman) through Testcontainers; `stop()` removes it. */
export async function provisionWithTestcontainers(
  options: TestcontainersProvisionOptions,
): Promise<ProvisionedPostgres> {
  if (options.requireRuntimeHint && !hasRuntimeHint()) {
    throw new ProvisionError(
      'unavailable',
      'skipped: DOCKER_HOST is unset and /var/run/docker.sock does not exist',
      {
        provider: 'testcontainers',
      },
    );
  }
  const { testcontainers, postgresql } = await loadModules();
  await probeRuntime(testcontainers);
  const image = process.env[POSTGRES_IMAGE_ENV]?.trim() || DEFAULT_POSTGRES_IMAGE;
  await ensureImage(testcontainers, image, options.log);
  return startContainer(testcontainers, postgresql, image, options.log);
}

function hasRuntimeHint(): boolean {
  return (
    Boolean(process.env.DOCKER_HOST) ||
    Boolean(process.env.TESTCONTAINERS_DOCKER_SOCKET_OVERRIDE) ||
    existsSync('/var/run/docker.sock') ||
    existsSync(join(homedir(), '.testcontainers.properties'))
  );
}

/** Imported lazily: Testcontainers is an optional peer dependency and costs half a second to load. */
async function loadModules(): Promise<{ testcontainers: TestcontainersModule; postgresql: PostgresModule }> {
  try {
    const [testcontainers, postgresql] = (await Promise.all([
      import(TESTCONTAINERS_MODULE),
      import(POSTGRESQL_MODULE),
    ])) as [TestcontainersModule, PostgresModule];
    return { testcontainers, postgresql };
  } catch (cause) {
    throw new ProvisionError(
      'unavailable',
      `cannot load testcontainers / @testcontainers/postgresql (${errorMessage(cause)}); ` +
        'install them (optional peer dependencies of @recordstore/testkit, version 12.0.1 on Node 20).',
      { provider: 'testcontainers', cause },
    );
  }
}

async function probeRuntime(testcontainers: TestcontainersModule): Promise<void> {
  try {
    await withTimeout(testcontainers.getContainerRuntimeClient(), RUNTIME_PROBE_TIMEOUT_MS, 'no answer');
  } catch (cause) {
    throw new ProvisionError('unavailable', `no container runtime answered (${errorMessage(cause)})`, {
      provider: 'testcontainers',
      cause,
    });
  }
}

/** Pulls the image when it is not present, so a missing image is reported as such, not as a start failure. */
async function ensureImage(testcontainers: TestcontainersModule, image: string, log: (line: string) => void) {
  try {
    const client = await testcontainers.getContainerRuntimeClient();
    const imageName = testcontainers.ImageName.fromString(image);
    if (await client.image.exists(imageName)) return;
    log(`testcontainers: pulling ${image}`);
    await client.image.pull(imageName);
    // A failed pull can end without an error (podman reports it in the progress stream): check again.
    if (!(await client.image.exists(imageName)))
      throw new Error('the pull ended without the image: registry unreachable or image unknown');
  } catch (cause) {
    throw new ProvisionError(
      'startup',
      `a container runtime answered, but image "${image}" is neither present nor pullable (${errorMessage(cause)}). ` +
        `Set ${POSTGRES_IMAGE_ENV} to an image the runtime has (../shared/containers/setup-podman.sh builds ` +
        'localhost/recordstore-postgres:15 without a registry and prints the exports), or allow the pull.',
      { provider: 'testcontainers', cause },
    );
  }
}

async function startContainer(
  testcontainers: TestcontainersModule,
  postgresql: PostgresModule,
  image: string,
  log: (line: string) => void,
): Promise<ProvisionedPostgres> {
  // Random per container: the port may be reachable from other hosts when the runtime publishes widely.
  const password = randomBytes(18).toString('base64url');
  const started = performance.now();
  let container: StartedPostgreSqlContainer;
  try {
    container = await new postgresql.PostgreSqlContainer(image)
      .withUsername('postgres')
      .withPassword(password)
      .withDatabase('postgres')
      .withCommand(['postgres', ...SERVER_ARGS])
      .withWaitStrategy(
        testcontainers.Wait.forAll([
          testcontainers.Wait.forLogMessage(READY_LINE, 2),
          testcontainers.Wait.forListeningPorts(),
        ]),
      )
      .withStartupTimeout(60_000)
      .start();
  } catch (cause) {
    throw new ProvisionError(
      'startup',
      `container from image "${image}" did not become ready (${errorMessage(cause)}); ` +
        'check the runtime with `docker ps -a` / `podman ps -a` and the container logs.',
      { provider: 'testcontainers', cause },
    );
  }
  // Ryuk, Testcontainers' own reaper, is off under podman (its image cannot be pulled), so a run that is
  // interrupted or crashes must remove the container itself.
  const unregister = registerExitCleanup(() => removeContainerDetached(container.getId()));
  const release = async () => {
    try {
      await container.stop({ remove: true, removeVolumes: true, timeout: 0 });
    } finally {
      unregister();
    }
  };
  try {
    const port = container.getPort();
    const url = buildUrl(containerHost(container.getHost()), port, password);
    const server = await readServerInfo(url);
    log(`testcontainers: ${image} ready on port ${port} in ${Math.round(performance.now() - started)} ms`);
    return createProvisionedPostgres({
      provider: 'testcontainers',
      url,
      server,
      source: image,
      release,
      port,
    });
  } catch (error) {
    await release().catch(() => {});
    throw error;
  }
}

/**
 * Exit handlers run synchronously, so the container is removed by a detached Node process that outlives
 * this one, through the same Testcontainers client (and so the same runtime settings) as the run.
 */
function removeContainerDetached(containerId: string): void {
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve(TESTCONTAINERS_MODULE);
  } catch {
    return;
  }
  const script =
    'require(process.argv[1]).getContainerRuntimeClient()' +
    '.then((client) => client.container.getById(process.argv[2]).remove({ force: true, v: true }))' +
    '.catch(() => {});';
  spawn(process.execPath, ['-e', script, entry, containerId], { detached: true, stdio: 'ignore' }).unref();
}

/** Host to reach mapped ports: the override if set, else Testcontainers' answer with localhost pinned to IPv4. */
function containerHost(reported: string): string {
  const host = process.env.TESTCONTAINERS_HOST_OVERRIDE?.trim() || reported;
  // "localhost" may resolve to ::1 first while the runtime publishes on IPv4 only.
  return host === 'localhost' ? '127.0.0.1' : host;
}

function buildUrl(host: string, port: number, password: string): string {
  const url = new URL('postgres://placeholder/postgres');
  url.hostname = host;
  url.port = String(port);
  url.username = 'postgres';
  url.password = password;
  return url.toString();
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
