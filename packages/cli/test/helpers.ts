import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built executable: tests run the real `recordstore` process, as an operator would. */
export const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../dist/bin.js');

/** Fails with the command to run when the CLI has not been built. */
export function requireBuild(): void {
  if (!existsSync(BIN)) {
    throw new Error(
      `${BIN} is missing: run \`pnpm --filter @recordstore/cli build\` (pnpm test builds first).`,
    );
  }
}

/** What a CLI process did. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link runCliProcess}. */
export interface RunOptions {
  cwd: string;
  /** Extra environment variables (on top of a clean environment). */
  env?: Record<string, string>;
  /** Written to the child's stdin. */
  input?: string;
  /** Options for node itself, before the script (e.g. `--import`). */
  nodeArgs?: string[];
}

// The parent's environment minus anything that would change the CLI's choices (vitest sets NODE_ENV=test).
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (key.startsWith('RECORDSTORE_') || key === 'NODE_ENV' || key === 'FORCE_COLOR' || key === 'NO_COLOR') {
      delete env[key];
    }
  }
  return { ...env, ...extra };
}

/** Runs `node dist/bin.js ...args` in `cwd` and collects its output and exit code. */
export function runCliProcess(args: string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), BIN, ...args], {
      cwd: options.cwd,
      env: cleanEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** Parses stdout as exactly one JSON document, with the output in the error when it is not. */
export function parseJson<T = Record<string, unknown>>(result: RunResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not one JSON document:\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(prefix = 'recordstore-cli-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Matches ANSI colour escapes. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the escape character is the point.
export const ANSI = /\u001b\[/;
