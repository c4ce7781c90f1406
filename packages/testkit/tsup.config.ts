import { defineConfig } from 'tsup';

export default defineConfig({
  // Two entry points: the backend-neutral conformance suite, and PostgreSQL provisioning (pg & co.).
  entry: { index: 'src/index.ts', postgres: 'src/postgres.ts' },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
