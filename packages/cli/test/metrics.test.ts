import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ProvisionedPostgres, provisionPostgres } from '@recordstore/testkit/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, requireBuild, runCliProcess, tempDir } from './helpers.js';

// `recordstore metrics` against a real PostgreSQL server (testkit provisioning).
describe('recordstore metrics', () => {
  const tmp = tempDir();
  let server: ProvisionedPostgres;
  let env: Record<string, string>;

  beforeAll(async () => {
    requireBuild();
    server = await provisionPostgres();
    env = { DATABASE_URL: await server.createDatabase(), NO_COLOR: '1' };
    writeFileSync(
      join(tmp.dir, 'recordstore.yaml'),
      `default: pg
storage_types:
  pg:
    class: postgresql
    config:
      url: "\${DATABASE_URL}"
      metrics_enabled: true
  lite:
    class: sqlite
    config:
      path: ./lite.db
`,
    );
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    tmp.cleanup();
  });

  const run = (...args: string[]) => runCliProcess(args, { cwd: tmp.dir, env });

  it('prints Prometheus text: server-side, pool and operation metrics', async () => {
    expect((await run('put', '{"type":"m","text":"x"}')).code).toBe(0);
    const result = await run('metrics');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('# TYPE recordstore_operations_total counter');
    expect(result.stdout).toMatch(/^recordstore_table_size_bytes \d+/m);
    expect(result.stdout).toMatch(/^recordstore_database_connections \d+/m);
    expect(result.stdout).toMatch(/^recordstore_pool_connections\{pool="primary",state="max"\} 30$/m);
    expect(result.stdout).toMatch(
      /^recordstore_query_duration_seconds_count\{target="primary",kind="read"\} \d+/m,
    );
  });

  it('--json wraps the text with the health status', async () => {
    const doc = parseJson<{ backend: string; health: string; metrics: string }>(
      await run('metrics', '--json'),
    );
    expect(doc).toMatchObject({ backend: 'postgresql', health: 'healthy' });
    expect(doc.metrics).toContain('recordstore_table_rows');
  });

  it('a backend without metrics is refused with exit code 2', async () => {
    const result = await run('metrics', '--storage', 'lite');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /the sqlite backend does not offer the "metrics" capability.*recordstore stats/,
    );
  });
});
