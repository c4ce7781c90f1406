import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ProvisionedPostgres, provisionPostgres } from '@recordstore/testkit/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentSessionRecords, seedSqlite } from './fixtures/agent-sessions.js';
import { BIN, parseJson, requireBuild, runCliProcess, tempDir } from './helpers.js';

interface CopyJson {
  mode: 'full' | 'incremental';
  resumed: boolean;
  written: number;
  fullPass: number;
  incrementalPass: number;
  watermark: { status: string; key: string };
  verification?: { ok: boolean; sourceCount: number; targetCount: number; matched: number };
}
interface Listed {
  records: Record<string, unknown>[];
}

const SMALL = 3000;
const BIG = 40_000;

/**
 * The deployment story of issue 5, end to end, through real `recordstore` processes: an SQLite store of
 * agent sessions is copied to PostgreSQL and verified; a bigger copy is SIGKILLed half way and resumed
 * (nothing twice, nothing lost); an incremental copy after updates and inserts copies exactly those; and a
 * backup goes SQLite -> PostgreSQL -> SQLite, verified against the original at each step.
 */
describe('SQLite to PostgreSQL, end to end through the CLI', () => {
  const tmp = tempDir('recordstore-e2e-');
  let server: ProvisionedPostgres;
  let pgSmall: string;
  let pgBig: string;
  let pgRestore: string;
  const small = agentSessionRecords(SMALL, { seed: 1, prefix: 'small' });

  beforeAll(async () => {
    requireBuild();
    server = await provisionPostgres();
    [pgSmall, pgBig, pgRestore] = await Promise.all([
      server.createDatabase(),
      server.createDatabase(),
      server.createDatabase(),
    ]);
    await seedSqlite(join(tmp.dir, 'small.db'), small);
    await seedSqlite(join(tmp.dir, 'big.db'), agentSessionRecords(BIG, { seed: 2, prefix: 'big' }));
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    tmp.cleanup();
  });

  const run = (args: string[], env: Record<string, string> = {}) =>
    runCliProcess(args, { cwd: tmp.dir, env: { NO_COLOR: '1', ...env } });
  /** A one-store config file, so record commands (`count`, `list`, `put`) can address a store. */
  const configFor = (spec: string) => {
    const file = join(tmp.dir, `store-${Math.random().toString(36).slice(2)}.yaml`);
    const block = spec.startsWith('sqlite:')
      ? `class: sqlite\n    config:\n      path: ${spec.slice('sqlite:'.length)}`
      : `class: postgresql\n    config:\n      url: "${spec}"`;
    writeFileSync(file, `storage_types:\n  s:\n    ${block}\n`);
    return file;
  };

  it(`copies ${SMALL} agent-session records from SQLite to PostgreSQL with --verify`, async () => {
    const result = await run(['copy', '--from', 'sqlite:./small.db', '--to', pgSmall, '--verify', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = parseJson<CopyJson>(result);
    expect(report).toMatchObject({ mode: 'full', resumed: false, fullPass: SMALL });
    expect(report.verification).toMatchObject({
      ok: true,
      sourceCount: SMALL,
      targetCount: SMALL,
      matched: SMALL,
    });

    // Spot check what verify hashed: a record with metadata and one with an expiry read back identically.
    const withMetadata = small.find((r) => r.metadata)!;
    const withExpiry = small.find((r) => r.expires_at)!;
    for (const record of [withMetadata, withExpiry]) {
      const fromSqlite = JSON.parse(
        (await run(['get', record.id!, '-c', configFor('sqlite:./small.db')])).stdout,
      );
      const fromPostgres = JSON.parse((await run(['get', record.id!, '-c', configFor(pgSmall)])).stdout);
      expect(fromPostgres).toEqual(fromSqlite);
      expect(fromPostgres.created_at).toBe((record.created_at as Date).toISOString());
    }
  });

  it(`a copy of ${BIG} records SIGKILLed half way resumes: nothing copied twice, nothing lost`, async () => {
    const killedAt = await copyAndKill([
      'copy',
      '--from',
      'sqlite:./big.db',
      '--to',
      pgBig,
      '--batch-size',
      '500',
    ]);
    expect(killedAt).toBeGreaterThan(0);

    // What the killed run left: whole batches, and its `running` watermark in the meta storage, never
    // among the records.
    const pgConfig = configFor(pgBig);
    const marks = parseJson<Listed>(
      await run(['list', '--json', '-c', pgConfig, '--filter', '{"type":"recordstore.copy_watermark"}']),
    );
    expect(marks.records).toHaveLength(0);
    const copiedBefore = parseJson<{ count: number }>(await run(['count', '--json', '-c', pgConfig])).count;
    expect(copiedBefore).toBeGreaterThan(0);
    expect(copiedBefore).toBeLessThan(BIG);
    expect(copiedBefore % 500).toBe(0); // only whole batches committed

    const resumed = await run([
      'copy',
      '--from',
      'sqlite:./big.db',
      '--to',
      pgBig,
      '--batch-size',
      '500',
      '--verify',
      '--json',
    ]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const report = parseJson<CopyJson>(resumed);
    expect(report).toMatchObject({ mode: 'full', resumed: true });
    // The id pass continued after the last committed batch: it wrote exactly the records still missing.
    expect(report.fullPass).toBe(BIG - copiedBefore);
    expect(report.verification).toMatchObject({ ok: true, sourceCount: BIG, targetCount: BIG, matched: BIG });
    expect(report.watermark.status).toBe('complete');
  }, 180_000);

  it('an incremental copy after updates and inserts copies exactly those records', async () => {
    const updated = small
      .slice(500, 525)
      .map(({ created_at: _c, updated_at: _u, ...r }) => ({ ...r, content: 'edited after the copy' }));
    const inserted = Array.from({ length: 10 }, (_, i) => ({
      id: `late-${i}`,
      type: 'message',
      session_id: 'sess-late',
      role: 'user',
      content: `written after the first copy ${i}`,
      metadata: { model: 'gpt-4o', tokens: i },
    }));
    const put = await runCliProcess(['put', '-', '-c', configFor('sqlite:./small.db')], {
      cwd: tmp.dir,
      input: JSON.stringify([...updated, ...inserted]),
    });
    expect(put.code, put.stderr).toBe(0);

    const result = await run([
      'copy',
      '--from',
      'sqlite:./small.db',
      '--to',
      pgSmall,
      '--incremental',
      '--verify',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const report = parseJson<CopyJson>(result);
    expect(report).toMatchObject({ mode: 'incremental', fullPass: 0, incrementalPass: 35, written: 35 });
    expect(report.verification).toMatchObject({ ok: true, sourceCount: SMALL + 10, targetCount: SMALL + 10 });
    const edited = JSON.parse((await run(['get', small[510]!.id!, '-c', configFor(pgSmall)])).stdout);
    expect(edited).toMatchObject({
      content: 'edited after the copy',
      created_at: (small[510]!.created_at as Date).toISOString(),
    });
  });

  it('a backup round-trips between backends: SQLite -> PostgreSQL -> SQLite, verified each time', async () => {
    const sqliteBackup = parseJson<{
      file: string;
      manifest: { record_count: number; source_backend: string };
    }>(await run(['backup', 'create', '--from', 'sqlite:./small.db', '--dir', './backups', '--json']));
    expect(sqliteBackup.manifest).toMatchObject({ record_count: SMALL + 10, source_backend: 'sqlite' });

    const restored = await run(['backup', 'restore', sqliteBackup.file, '--to', pgRestore, '--json']);
    expect(restored.code, restored.stderr).toBe(0);
    expect(parseJson(restored)).toMatchObject({ restored: SMALL + 10 });
    const intoPostgres = await run([
      'copy',
      '--verify-only',
      '--from',
      'sqlite:./small.db',
      '--to',
      pgRestore,
      '--json',
    ]);
    expect(intoPostgres.code).toBe(0);
    expect(parseJson(intoPostgres)).toMatchObject({ verification: { ok: true, targetCount: SMALL + 10 } });

    const pgBackup = parseJson<{ file: string; manifest: { record_count: number; source_backend: string } }>(
      await run(['backup', 'create', '--from', pgRestore, '--dir', './backups', '--json']),
    );
    expect(pgBackup.manifest).toMatchObject({ record_count: SMALL + 10, source_backend: 'postgresql' });
    expect((await run(['backup', 'restore', pgBackup.file, '--to', 'sqlite:./roundtrip.db'])).code).toBe(0);
    const back = await run([
      'copy',
      '--verify-only',
      '--from',
      'sqlite:./small.db',
      '--to',
      'sqlite:./roundtrip.db',
    ]);
    expect(back.code, back.stdout).toBe(0);
    expect(back.stdout).toContain(`verify: identical: source ${(SMALL + 10).toLocaleString('en-US')}`);

    // Restoring again into the now non-empty PostgreSQL store is refused (exit 5) and changes nothing.
    const again = await run(['backup', 'restore', sqliteBackup.file, '--to', pgRestore]);
    expect(again.code).toBe(5);
  });

  /**
   * Runs a copy with progress lines every 100 ms, SIGKILLs it once it reports a quarter of the records
   * copied, and resolves to the count it reported last.
   */
  function copyAndKill(args: string[]): Promise<number> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], {
        cwd: tmp.dir,
        env: { ...process.env, NO_COLOR: '1', RECORDSTORE_PROGRESS_INTERVAL_MS: '100' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      let killedAt = 0;
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        for (const match of chunk.matchAll(/^copying: ([\d,]+)\//gm)) {
          const done = Number(match[1]!.replaceAll(',', ''));
          if (killedAt === 0 && done >= BIG / 4) {
            killedAt = done;
            child.kill('SIGKILL');
          }
        }
      });
      child.on('error', reject);
      child.on('close', (code, signal) => {
        if (signal === 'SIGKILL' && killedAt > 0 && killedAt < BIG) resolve(killedAt);
        else
          reject(new Error(`the copy was not killed half way (exit ${code}, signal ${signal}):\n${stderr}`));
      });
    });
  }
});
