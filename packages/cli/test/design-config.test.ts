import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, requireBuild, runCliProcess, tempDir } from './helpers.js';

// The design document's two YAML blocks, verbatim (kept as fixtures in core's tests).
const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../core/test/fixtures');
const DESIGN_ENV = {
  POSTGRES_HOST: 'db.internal',
  POSTGRES_PORT: '5433',
  POSTGRES_DB: 'storage',
  POSTGRES_USER: 'app',
  POSTGRES_PASSWORD: 'design-block-secret',
  NO_COLOR: '1',
};

interface CheckJson {
  valid: boolean;
  environment: string | null;
  storageTypes: { name: string; backend: string }[];
}

describe("recordstore config check on the design document's YAML blocks", () => {
  const tmp = tempDir();
  const file = join(tmp.dir, 'design.yaml');
  beforeAll(() => {
    requireBuild();
    const blocks = ['design-postgresql.yaml', 'design-environments.yaml'].map((name) =>
      readFileSync(join(FIXTURES, name), 'utf8'),
    );
    writeFileSync(file, blocks.join('\n'));
  });
  afterAll(tmp.cleanup);

  it.each(['development', 'testing', 'production'])(
    'validates the postgresql block with the %s overlay as written',
    async (environment) => {
      const result = await runCliProcess(
        ['config', 'check', '--json', '--config', file, '--env', environment],
        {
          cwd: tmp.dir,
          env: DESIGN_ENV,
        },
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const check = parseJson<CheckJson>(result);
      expect(check).toMatchObject({ valid: true, environment });
      expect(check.storageTypes).toEqual([
        expect.objectContaining({ name: 'postgresql', backend: 'postgresql' }),
      ]);
    },
  );

  it('names the missing variable when the production overlay needs POSTGRES_HOST', async () => {
    const { POSTGRES_HOST: _unset, ...withoutHost } = DESIGN_ENV;
    const result = await runCliProcess(['config', 'check', '--config', file, '--env', 'production'], {
      cwd: tmp.dir,
      env: withoutHost,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('POSTGRES_HOST');
    expect(result.stderr).not.toContain('design-block-secret');
  });
});
