import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  citusUnavailableReason,
  type ProvisionedPostgres,
  provisionPostgres,
} from '@recordstore/testkit/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentSessionRecords, seedSqlite } from './fixtures/agent-sessions.js';
import { parseJson, requireBuild, runCliProcess, tempDir } from './helpers.js';

/**
 * A Citus store through real `recordstore` processes: `config check` refuses what Citus cannot offer
 * without any server; on a throwaway cluster (a coordinator and 2 workers) `migrate up` distributes the
 * table, `copy --verify` moves records in and out, `stats` shows the shards per node and `backup` round-trips.
 */

const COUNT = 1500;
const CITUS_UNAVAILABLE = await citusUnavailableReason();

const run = (cwd: string, args: string[], env: Record<string, string> = {}) =>
  runCliProcess(args, { cwd, env: { NO_COLOR: '1', ...env } });

describe('recordstore config check on a distributed store (no server)', () => {
  const tmp = tempDir('recordstore-citus-check-');
  beforeAll(requireBuild);
  afterAll(tmp.cleanup);

  it('exits 2 naming each key Citus refuses, where it is in the file, and why', async () => {
    writeFileSync(
      join(tmp.dir, 'recordstore.yaml'),
      `default: cluster
storage_types:
  cluster:
    class: postgresql
    config:
      url: postgres://app@127.0.0.1:1/records
      distributed: citus
      tenant_id: acme
      replicas: [replica-1:5432]
`,
    );
    const result = await run(tmp.dir, ['config', 'check']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      'storage_types.cluster.config.tenant_id: postgresql: tenant_id, replicas cannot be used with distributed: citus:',
    );
    expect(result.stderr).toMatch(/- tenant_id: .*set_config.*Instead, give each tenant its own schema_name/);
    expect(result.stderr).toMatch(/- replicas: .*holds only metadata.*Instead, remove replicas/);
  });
});

describe.skipIf(CITUS_UNAVAILABLE !== undefined)('recordstore on a Citus cluster', () => {
  const tmp = tempDir('recordstore-citus-');
  let server: ProvisionedPostgres;
  let env: Record<string, string>;
  let workerPorts: number[];
  const records = agentSessionRecords(COUNT, { seed: 7, prefix: 'citus' });

  beforeAll(async () => {
    requireBuild();
    server = await provisionPostgres({ citus: { workers: 2 } });
    env = { CITUS_URL: await server.createDatabase() };
    workerPorts = (server.citus?.workerUrls ?? []).map((url) => Number(new URL(url).port));
    await seedSqlite(join(tmp.dir, 'source.db'), records);
    // auto_migrate off: `migrate up` is what creates and distributes the schema.
    writeFileSync(
      join(tmp.dir, 'recordstore.yaml'),
      `default: cluster
storage_types:
  cluster:
    class: postgresql
    config:
      url: "\${CITUS_URL}"
      distributed: citus
      shard_count: 4
      auto_migrate: false
`,
    );
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    tmp.cleanup();
  }, 60_000);

  it('migrate up distributes; copy --verify fills it; stats shows records and shards per node', async () => {
    const migrated = await run(tmp.dir, ['migrate', 'up', '--json'], env);
    expect(migrated.code).toBe(0);
    const report = parseJson<{ changed: string[]; pending: number; details: { settings?: string[] } }>(
      migrated,
    );
    expect(report.changed.length).toBeGreaterThan(0);
    expect(report.pending).toBe(0);
    expect(report.details.settings).toContain(
      'distributed: storage_records distributed with Citus (4 shards)',
    );

    const copied = await run(
      tmp.dir,
      ['copy', '--from', 'sqlite:./source.db', '--to', 'cluster', '--verify', '--json'],
      env,
    );
    expect(copied.stderr).toBe('');
    expect(copied.code).toBe(0);
    expect(parseJson(copied)).toMatchObject({
      written: COUNT,
      verification: { ok: true, sourceCount: COUNT, targetCount: COUNT, matched: COUNT },
    });

    const stats = parseJson<{
      records: number;
      sizeBytes: number;
      details: { shardsPerNode: { node: string; role: string; shards: number; reachable: boolean }[] };
    }>(await run(tmp.dir, ['stats', '--json'], env));
    expect(stats.records).toBe(COUNT);
    expect(stats.sizeBytes).toBeGreaterThan(0);
    expect(stats.details.shardsPerNode.map((n) => [n.role, n.shards, n.reachable])).toEqual([
      ['coordinator', 0, true],
      ['worker', 2, true],
      ['worker', 2, true],
    ]);
    const human = await run(tmp.dir, ['stats'], env);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`records: ${COUNT}\\n`));
    expect(human.stdout).toContain('shardsPerNode:');
    for (const port of workerPorts) {
      expect(human.stdout).toMatch(
        new RegExp(`- node: [^,]+:${port}, role: worker, shards: 2, reachable: true`),
      );
    }

    const health = await run(tmp.dir, ['health'], env);
    expect(health.code).toBe(0);
    expect(health.stdout).toMatch(/postgresql: healthy/);
    expect(health.stdout).toMatch(/nodes:\n\s+- host: [^\n]+role: coordinator, reachable: true/);
  }, 300_000);

  it('copy --verify out of the cluster, and a backup of it restored into SQLite, equal the source', async () => {
    const out = await run(
      tmp.dir,
      ['copy', '--from', 'cluster', '--to', 'sqlite:./out.db', '--verify', '--json'],
      env,
    );
    expect(out.code).toBe(0);
    expect(parseJson(out)).toMatchObject({ written: COUNT, verification: { ok: true, matched: COUNT } });

    const backup = parseJson<{ file: string }>(
      await run(tmp.dir, ['backup', 'create', '--from', 'cluster', '--dir', './backups', '--json'], env),
    );
    const restored = await run(
      tmp.dir,
      ['backup', 'restore', backup.file, '--to', 'sqlite:./restored.db', '--json'],
      env,
    );
    expect(restored.code).toBe(0);
    expect(parseJson(restored)).toMatchObject({ restored: COUNT });
    // The restored file equals the original SQLite store, record for record (ids, timestamps, content).
    const check = await run(
      tmp.dir,
      ['copy', '--from', 'sqlite:./source.db', '--to', 'sqlite:./restored.db', '--verify', '--json'],
      env,
    );
    expect(check.code).toBe(0);
    expect(parseJson(check)).toMatchObject({ written: 0, verification: { ok: true, matched: COUNT } });
  }, 300_000);
});
