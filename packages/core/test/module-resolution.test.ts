import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORE_DIR, CORE_DIST, FIXTURES, tempDir, writeFiles } from './helpers/temp-app.js';

const run = promisify(execFile);

/**
 * Backend resolution by name from real Node processes started in a folder that has nothing installed (`/`
 * would do; a fresh empty temp folder is the same and keeps the test hermetic). The application's
 * installation holds a FAKE `@recordstore/sqlite` (the notebook fixture adapter re-exported as
 * `SQLiteStorageBackend`), so `class: 'sqlite'` resolving means it was found there: core itself is linked
 * from this repository, and nothing above core's real folder has a package of that name.
 */
let root: { dir: string; cleanup: () => void };
let app: string;
let elsewhere: string;

const CORE_URL = pathToFileURL(CORE_DIST).href;

function installFakeSqlite(into: string): void {
  const modules = join(into, 'node_modules');
  mkdirSync(join(modules, '@recordstore'), { recursive: true });
  symlinkSync(CORE_DIR, join(modules, '@recordstore', 'core'), 'dir');
  const fake = join(modules, '@recordstore', 'sqlite');
  cpSync(join(FIXTURES, 'third-party-adapter'), fake, { recursive: true });
  writeFiles(fake, {
    'package.json': JSON.stringify({
      name: '@recordstore/sqlite',
      version: '0.0.0-fake',
      type: 'module',
      exports: { '.': './fake.mjs' },
    }),
    'fake.mjs': "export { NotebookStorageBackend as SQLiteStorageBackend } from './index.mjs';\n",
  });
}

/** Code that opens `class: 'sqlite'` with the core it is given and prints the store's backend name. */
function opener(coreSpecifier: string): string {
  return `import * as core from ${JSON.stringify(coreSpecifier)};
export async function open() {
  try {
    const store = await core.createStorage({ class: 'sqlite' });
    await store.save({ id: 'a', type: 'probe' });
    const name = store.name + ':' + (await store.load('a')).type;
    await store.close();
    return name;
  } catch (error) {
    return 'error ' + error.kind + ': ' + error.message;
  }
}
`;
}

async function node(entry: string, cwd: string): Promise<string> {
  // Without NODE_PATH (pnpm's bin shims set it to every workspace package): resolve like an application.
  const { NODE_PATH: _nodePath, NODE_OPTIONS: _nodeOptions, ...env } = process.env;
  const { stdout } = await run(process.execPath, [entry], { cwd, env });
  return stdout.trim();
}

beforeAll(() => {
  if (!existsSync(CORE_DIST)) throw new Error('build core first: pnpm --filter @recordstore/core run build');
  root = tempDir('recordstore-resolution-');
  app = join(root.dir, 'srv', 'app');
  elsewhere = join(root.dir, 'elsewhere');
  mkdirSync(app, { recursive: true });
  mkdirSync(elsewhere, { recursive: true });
  installFakeSqlite(app);
  writeFiles(app, {
    'lib/open.mjs': opener('@recordstore/core'),
    'server.mjs': "import { open } from './lib/open.mjs';\nconsole.log(await open());\n",
  });
});
afterAll(() => root?.cleanup());

describe('backend resolution by name, from a process started in another folder', () => {
  it('finds the package from the entry script and its caller (node /srv/app/server.mjs, cwd elsewhere)', async () => {
    expect(await node(join(app, 'server.mjs'), elsewhere)).toBe('notebook:probe');
  });

  it('finds it from the entry script alone: the caller is a library outside the installation', async () => {
    // The library imports core by URL and lives in a folder with no node_modules: only the entry script's
    // folder (the application's installation) can find the package.
    const lib = join(root.dir, 'shared-lib', 'open.mjs');
    writeFiles(root.dir, { 'shared-lib/open.mjs': opener(CORE_URL) });
    writeFiles(app, {
      'bin/start.mjs': `import { open } from ${JSON.stringify(pathToFileURL(lib).href)};\nconsole.log(await open());\n`,
    });
    expect(await node(join(app, 'bin', 'start.mjs'), elsewhere)).toBe('notebook:probe');
  });

  it('finds it from the caller alone: the entry script is outside the installation', async () => {
    const entry = join(root.dir, 'launcher', 'main.mjs');
    writeFiles(root.dir, {
      'launcher/main.mjs': `import { open } from ${JSON.stringify(pathToFileURL(join(app, 'lib', 'open.mjs')).href)};\nconsole.log(await open());\n`,
    });
    expect(await node(entry, elsewhere)).toBe('notebook:probe');
  });

  it('runs an entry script reached through a symlink (a bin shim in a folder with nothing installed)', async () => {
    mkdirSync(join(root.dir, 'bin-shims'), { recursive: true });
    writeFiles(app, { 'bin/real-entry.mjs': `${opener(CORE_URL)}console.log(await open());\n` });
    const shim = join(root.dir, 'bin-shims', 'start');
    symlinkSync(join(app, 'bin', 'real-entry.mjs'), shim);
    expect(await node(shim, elsewhere)).toBe('notebook:probe');
  });

  it('reports a clean "not installed" naming the folders it looked in when no installation has it', async () => {
    const bare = join(root.dir, 'bare');
    writeFiles(bare, { 'main.mjs': `${opener(CORE_URL)}console.log(await open());\n` });
    const out = await node(join(bare, 'main.mjs'), elsewhere);
    expect(out).toContain('error config: Backend "sqlite" lives in the package @recordstore/sqlite');
    expect(out).toContain(`looked from ${elsewhere}, ${bare} and ${CORE_DIR}`);
  });
});
