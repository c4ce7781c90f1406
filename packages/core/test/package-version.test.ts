import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackup, MemoryStorageBackend, RECORDSTORE_VERSION } from '../src/index.js';
import { packageVersion } from '../src/package-version.js';
import { CORE_DIR, CORE_DIST } from './helpers/temp-app.js';

const coreVersion = (JSON.parse(readFileSync(join(CORE_DIR, 'package.json'), 'utf8')) as { version: string })
  .version;
const dir = mkdtempSync(join(tmpdir(), 'rs-version-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("versions come from core's package.json", () => {
  it('RECORDSTORE_VERSION is the package.json version', () => {
    expect(coreVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(RECORDSTORE_VERSION).toBe(coreVersion);
  });

  it("a backup's header and manifest carry core's package.json version", async () => {
    const store = new MemoryStorageBackend();
    await store.connect();
    await store.save({ id: 'a', type: 'probe' });
    const backup = await createBackup(store, dir);
    await store.close();
    const header = JSON.parse(gunzipSync(readFileSync(backup.file)).toString('utf8').split('\n')[0]!) as {
      recordstore_version: string;
    };
    expect(header.recordstore_version).toBe(coreVersion);
    expect(backup.manifest.recordstore_version).toBe(coreVersion);
  });

  it('is found by walking up from the bundled dist as well as from src', () => {
    expect(packageVersion(new URL(`file://${CORE_DIST}`).href, '@recordstore/core')).toBe(coreVersion);
    // A package.json of another name on the way up is skipped, and none at all gives a marker, not a throw.
    expect(packageVersion(new URL(`file://${CORE_DIST}`).href, '@recordstore/nope')).toBe('0.0.0-unknown');
  });
});
