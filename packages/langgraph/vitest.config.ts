import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'langgraph',
    include: ['test/**/*.test.ts'],
    // The official validation suite (@langchain/langgraph-checkpoint-validation) uses global describe/it.
    globals: true,
    // One PostgreSQL server per run (testkit provisioning) and one migrated template database per run.
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
