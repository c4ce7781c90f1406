import { cpSync, rmSync } from 'node:fs';
import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // The migration files ship inside the package (dist/migrations), found at run time next to index.js.
  onSuccess: async () => {
    rmSync('dist/migrations', { recursive: true, force: true });
    cpSync('../../migrations', 'dist/migrations', { recursive: true });
  },
});
