import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  // The maps point at ../src, which the package ships ("files"), so stack traces resolve to real lines.
  sourcemap: true,
  clean: true,
  target: 'node20',
  // Never bundle the engine or core: core must be the application's copy (a peer dependency).
  external: ['@recordstore/core', 'lmdb', 'zod'],
});
