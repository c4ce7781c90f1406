import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { SQLiteStorageBackend } from '../src/index.js';
import { tempDir } from './helpers.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

function exited(
  child: ChildProcess,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

function integrity(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    return String(db.pragma('integrity_check', { simple: true }));
  } finally {
    db.close();
  }
}

describe('sqlite with several processes on one file', () => {
  beforeAll(() => {
    if (!existsSync(fileURLToPath(new URL('../dist/index.js', import.meta.url)))) {
      throw new Error('Build @recordstore/sqlite first: pnpm --filter @recordstore/sqlite build');
    }
  });

  it('4 processes writing concurrently (saves and transactions) lose nothing and keep the file intact', async () => {
    const path = join(tempDir(), 'shared.db');
    const workers = 4;
    const perWorker = 150;
    const children = Array.from({ length: workers }, (_, w) =>
      spawn(process.execPath, [fixture('writer.mjs'), path, String(w), String(perWorker)], {
        stdio: ['ignore', 'ignore', 'pipe'],
      }),
    );
    const results = await Promise.all(children.map(exited));
    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(integrity(path)).toBe('ok');
    const store = new SQLiteStorageBackend({ path });
    await store.connect();
    try {
      expect(await store.count()).toBe(workers * perWorker);
      for (let w = 0; w < workers; w++) {
        expect(await store.count({ session_id: `s${w}` })).toBe(perWorker);
        expect(await store.count({ worker: String(w), touched: true })).toBe(perWorker / 10);
      }
    } finally {
      await store.close();
    }
  });

  it('a process SIGKILLed inside an open transaction leaves the file intact and none of its writes', async () => {
    const path = join(tempDir(), 'killed.db');
    const child = spawn(process.execPath, [fixture('killed-in-transaction.mjs'), path], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const done = exited(child);
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('READY')) resolve();
      });
      done.then((r) => reject(new Error(`child exited before READY: ${r.stderr}`)), reject);
    });
    child.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    expect(integrity(path)).toBe('ok');
    // The dead process's lock is gone: another process can write at once.
    const store = new SQLiteStorageBackend({ path, busy_timeout_ms: 1000 });
    await store.connect();
    try {
      expect(await store.exists('committed')).toBe(true);
      expect(await store.count()).toBe(1);
      await store.save({ id: 'after-crash' });
      expect(await store.count()).toBe(2);
    } finally {
      await store.close();
    }
  });
});
