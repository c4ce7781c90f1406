import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*'],
    // Most of the suite waits on databases and child processes, not on this process's CPU: two files at
    // a time even on a 2-core machine (where vitest's default ran one, and the suite took twice as long).
    maxWorkers: Math.max(2, availableParallelism()),
  },
});
