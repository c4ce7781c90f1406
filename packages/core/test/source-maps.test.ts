import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CORE_DIR, CORE_DIST } from './helpers/temp-app.js';

// The published package ships only dist: its source map must carry the sources themselves.
describe('the built package (dist)', () => {
  it('has a source map whose every source is embedded (sourcesContent)', () => {
    const map = JSON.parse(readFileSync(join(CORE_DIR, 'dist', 'index.js.map'), 'utf8')) as {
      sources: string[];
      sourcesContent?: (string | null)[];
    };
    expect(map.sources.length).toBeGreaterThan(10);
    expect(map.sources.every((source) => source.startsWith('../src/'))).toBe(true);
    expect(map.sourcesContent?.length).toBe(map.sources.length);
    expect(map.sourcesContent?.every((content) => typeof content === 'string' && content.length > 0)).toBe(
      true,
    );
  });

  it('maps a stack trace to the TypeScript sources under --enable-source-maps', () => {
    const script = `const m = await import(${JSON.stringify(pathToFileURL(CORE_DIST).href)});
const store = new m.MemoryStorageBackend();
await store.connect();
try { await store.save({ id: '' }); } catch (e) { console.log(e.stack); }`;
    const out = execFileSync(
      process.execPath,
      ['--enable-source-maps', '--input-type=module', '-e', script],
      {
        encoding: 'utf8',
      },
    );
    expect(out).toContain('StorageError: id must be a non-empty string');
    expect(out).toMatch(/at validateId \(.*src\/record-id\.ts:\d+:\d+\)/);
  });
});
