import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ProvisionedPostgres, provisionPostgres } from '@recordstore/testkit/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBuild, runCliProcess, tempDir } from './helpers.js';

/**
 * The CLI passes a logger to the backends it opens: backend warnings (here PostgreSQL's slow-query log,
 * with slow_query_threshold_ms: 0) reach stderr, `--verbose` adds debug lines, and the config's password
 * never appears. A real `recordstore` process against a real PostgreSQL server.
 */
describe('recordstore shows backend log lines on stderr', () => {
  const SECRET = 'Log-Secret-Pw-5517';
  const tmp = tempDir();
  let server: ProvisionedPostgres;
  let env: Record<string, string>;

  beforeAll(async () => {
    requireBuild();
    server = await provisionPostgres();
    const url = new URL(await server.createDatabase());
    // The test servers trust local connections: the password is accepted and ignored, but it is in the config.
    url.password = SECRET;
    env = { DATABASE_URL: url.toString(), NO_COLOR: '1' };
    writeFileSync(
      join(tmp.dir, 'recordstore.yaml'),
      `default: pg
storage_types:
  pg:
    class: postgresql
    config:
      url: "\${DATABASE_URL}"
      metrics_enabled: true
      slow_query_threshold_ms: 0
  quiet:
    class: postgresql
    config:
      url: "\${DATABASE_URL}"
`,
    );
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    tmp.cleanup();
  });

  const run = (...args: string[]) => runCliProcess(args, { cwd: tmp.dir, env });

  it('--verbose: the slow-query warning and debug lines, without the password', async () => {
    const result = await run('--verbose', 'put', '{"id":"log-1","type":"m","text":"x"}');
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stderr.split('\n');
    const slow = lines.filter((l) => l.startsWith('recordstore: warn: recordstore: slow query '));
    expect(slow.length).toBeGreaterThan(0);
    const entry = JSON.parse(slow[0]!.slice('recordstore: warn: recordstore: slow query '.length)) as Record<
      string,
      unknown
    >;
    expect(entry).toMatchObject({ backend: 'postgresql', thresholdMs: 0 });
    expect(typeof entry.sql).toBe('string');
    expect(lines).toContain('recordstore: debug: recordstore: store connected {"backend":"postgresql"}');
    expect(result.stderr).not.toContain(SECRET);
    expect(result.stdout).not.toContain(SECRET);
  });

  it('without --verbose: warnings still, debug lines not', async () => {
    const result = await run('get', 'log-1');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('recordstore: warn: recordstore: slow query ');
    expect(result.stderr).not.toContain('recordstore: debug:');
    expect(result.stderr).not.toContain(SECRET);
  });

  it('a store without the slow-query log prints no warning', async () => {
    const result = await run('--verbose', 'get', 'log-1', '--storage', 'quiet');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('slow query');
    expect(result.stderr).toContain('recordstore: debug: recordstore: store connected');
  });
});
