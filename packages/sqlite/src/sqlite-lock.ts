import { randomUUID } from 'node:crypto';
import { readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { LockCapability, LockLease } from '@recordstore/core';

/** A lock file whose content cannot be read is taken for a crashed writer's once it is this old. */
const UNREADABLE_STALE_MS = 10_000;

/**
 * The SQLite `lock` capability: one lock file per name beside the database (`<file>.<table>.<name>.lock`),
 * created exclusively (`O_EXCL`), holding the owner's pid and host. Every process that opens the same file
 * and table competes for the same lock. A lock whose process has died on this host is taken over; one held
 * from another host (a file on shared storage) is respected until removed.
 */
export function sqliteLock(lockPath: (name: string) => string): LockCapability {
  return {
    tryAcquire: async (name) => {
      const file = lockPath(name);
      const token = JSON.stringify({
        pid: process.pid,
        host: hostname(),
        at: new Date().toISOString(),
        nonce: randomUUID(),
      });
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          await writeFile(file, token, { flag: 'wx' });
          return lease(file, token);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        }
        const holder = await readFile(file, 'utf8').catch(() => null);
        // Released in between: try again.
        if (holder === null) continue;
        if (!(await isStale(file, holder))) return null;
        // Remove the dead holder's file only while it still is that file, then compete again.
        if ((await readFile(file, 'utf8').catch(() => null)) === holder) {
          await unlink(file).catch(() => undefined);
        }
      }
      return null;
    },
  };
}

function lease(file: string, token: string): LockLease {
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      // Never remove a file another process took over meanwhile.
      if ((await readFile(file, 'utf8').catch(() => null)) === token)
        await unlink(file).catch(() => undefined);
    },
  };
}

/** True when the lock's holder is gone: its process no longer runs on this host, or the file is a torn write. */
async function isStale(file: string, holder: string): Promise<boolean> {
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(holder);
  } catch {
    // Unreadable: a writer that died between creating the file and writing it, or is writing it now.
  }
  const owner = (parsed !== null && typeof parsed === 'object' ? parsed : {}) as {
    pid?: unknown;
    host?: unknown;
  };
  if (typeof owner.pid !== 'number') {
    const age = Date.now() - (await stat(file).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
    return age > UNREADABLE_STALE_MS;
  }
  if (owner.host !== hostname()) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
