import { isMainThread } from 'node:worker_threads';

/** Signals after which a test run would otherwise leave servers behind. */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

const cleanups = new Set<() => void>();
let installed = false;

/**
 * Runs `cleanup` (synchronous, best effort) if the process exits or is interrupted before the returned
 * function is called. Lets a crashed or Ctrl-C'd test run kill the clusters it started.
 */
export function registerExitCleanup(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  installHandlers();
  return () => {
    cleanups.delete(cleanup);
    if (cleanups.size === 0) uninstallHandlers();
  };
}

function runAll(): void {
  for (const cleanup of [...cleanups]) {
    cleanups.delete(cleanup);
    try {
      cleanup();
    } catch {
      // Best effort: one failing cleanup must not keep the others from running.
    }
  }
}

function onExit(): void {
  runAll();
}

function onSignal(signal: NodeJS.Signals): void {
  runAll();
  // Listening to a signal disables Node's default "terminate". When nobody else handles it (vitest and
  // other tools do), restore the default and re-raise so the process still dies of that signal.
  if (process.listenerCount(signal) <= 1) {
    uninstallHandlers();
    process.kill(process.pid, signal);
  }
}

function installHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('exit', onExit);
  // Worker threads receive no signals; their process's main thread does.
  if (isMainThread) for (const signal of SIGNALS) process.on(signal, onSignal);
}

function uninstallHandlers(): void {
  if (!installed) return;
  installed = false;
  process.off('exit', onExit);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}
