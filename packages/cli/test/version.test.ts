import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../src/program.js';
import { requireBuild, runCliProcess } from './helpers.js';

const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as {
  version: string;
};

beforeAll(requireBuild);

describe('recordstore --version', () => {
  it("prints the CLI's package.json version (the built executable, from another folder)", async () => {
    for (const flag of ['--version', '-V']) {
      const result = await runCliProcess([flag], { cwd: tmpdir() });
      expect(result.code).toBe(0);
      expect(result.stdout.trim()).toBe(pkg.version);
    }
  });

  it('VERSION is read from package.json, not written in the code', () => {
    expect(VERSION).toBe(pkg.version);
  });
});
