import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'keyv',
    include: ['test/**/*.test.ts'],
    // One PostgreSQL server per run (testkit provisioning); each PostgreSQL test file creates its database.
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
