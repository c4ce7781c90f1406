// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} references are what the fixture holds.
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { type LoadedConfig, loadConfig } from '../../src/index.js';
import { tempDir, writeFiles } from './temp-app.js';

/** A config with a base storage type and two environment overlays, one needing PROD_BATCH. */
export const BASE = `
storage_types:
  main:
    class: memory
    description: "Main store for \${APP:demo}"
    metadata:
      owner: "\${OWNER:platform}"
    config:
      batch_size: "\${BATCH:500}"
      ttl_enabled: false
environments:
  development:
    storage_types:
      main:
        config:
          batch_size: 10
  production:
    storage_types:
      main:
        config:
          batch_size: "\${PROD_BATCH}"
          ttl_enabled: true
`;

/**
 * A fresh temp folder per test (registered with beforeEach/afterEach) and `load(text)`, which writes the
 * text as `recordstore.yaml` there and loads it with an empty environment unless told otherwise.
 */
export function useConfigDir(): {
  dir: () => string;
  load: (text: string, options?: Parameters<typeof loadConfig>[1]) => Promise<LoadedConfig>;
} {
  let tmp: { dir: string; cleanup: () => void } | undefined;
  beforeEach(() => {
    tmp = tempDir('recordstore-config-');
  });
  afterEach(() => tmp?.cleanup());
  const dir = () => tmp!.dir;
  return {
    dir,
    load: async (text, options = {}) => {
      writeFiles(dir(), { 'recordstore.yaml': text });
      return loadConfig(join(dir(), 'recordstore.yaml'), { env: {}, ...options });
    },
  };
}
