import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentSessionRecords, seedSqlite } from './fixtures/agent-sessions.js';
import { parseJson, requireBuild, runCliProcess, tempDir } from './helpers.js';

interface CopyJson {
  from: string;
  to: string;
  mode: 'full' | 'incremental';
  resumed: boolean;
  written: number;
  fullPass: number;
  incrementalPass: number;
  unchanged: number;
  resumable: boolean;
  watermark: { status: string; phase: string; key: string };
  verification?: {
    ok: boolean;
    sourceCount: number;
    targetCount: number;
    extra: { count: number; sample: string[] };
    missing: { count: number };
    mismatched: { count: number };
  };
}

// SQLite to SQLite through the real executable (PostgreSQL: copy.e2e.postgres.test.ts).
describe('recordstore copy', () => {
  const tmp = tempDir();
  const run = (args: string[], env: Record<string, string> = {}) =>
    runCliProcess(args, { cwd: tmp.dir, env: { NO_COLOR: '1', ...env } });
  const records = agentSessionRecords(2500, { seed: 11 });

  beforeAll(async () => {
    requireBuild();
    await seedSqlite(join(tmp.dir, 'source.db'), records);
    writeFileSync(
      join(tmp.dir, 'recordstore.yaml'),
      'default: src\nstorage_types:\n  src:\n    class: sqlite\n    config:\n      path: ./source.db\n  dst:\n    class: sqlite\n    config:\n      path: ./named-target.db\n',
    );
  }, 60_000);
  afterAll(tmp.cleanup);

  it('copies every record with --verify (exit 0), idempotently, printing progress lines', async () => {
    const result = await run([
      'copy',
      '--from',
      'sqlite:./source.db',
      '--to',
      'sqlite:./target.db',
      '--verify',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('verify: identical: source 2,500, target 2,500');
    expect(result.stderr).toMatch(/^copying: 2,500\/2,500 \(100%\)/m);
    expect(result.stderr).toMatch(/^verifying copy: 2,500\/2,500/m);

    const again = parseJson<CopyJson>(
      await run([
        'copy',
        '--from',
        'sqlite:./source.db',
        '--to',
        'sqlite:./target.db',
        '--verify',
        '--json',
        '--batch-size',
        '333',
      ]),
    );
    // Everything is in the target already: read and compared, nothing written again.
    expect(again).toMatchObject({ mode: 'full', resumed: false, fullPass: 0, written: 0, unchanged: 2500 });
    expect(again.verification).toMatchObject({ ok: true, sourceCount: 2500, targetCount: 2500 });
    expect(again.from).toBe(`sqlite:${join(tmp.dir, 'source.db')}`);
    // The target holds the records and nothing else: the watermark is in its meta storage.
    const count = parseJson<{ count: number }>(
      await run(['count', '--json', '--config', writeConfig('target.db')]),
    );
    expect(count.count).toBe(2500);
    expect(again.resumable).toBe(true);
  });

  it('--incremental copies exactly the records changed since the last run', async () => {
    // Update 7 existing records and add 5 (through the CLI: updated_at becomes now), then copy incrementally.
    const changed = records
      .slice(100, 107)
      .map((r) => ({ ...r, content: 'edited', created_at: undefined, updated_at: undefined }));
    const added = Array.from({ length: 5 }, (_, i) => ({
      id: `new-${i}`,
      type: 'message',
      session_id: 'sess-new',
      content: `n${i}`,
    }));
    const saved = await runCliProcess(['put', '-'], {
      cwd: tmp.dir,
      input: JSON.stringify([...changed, ...added]),
    });
    expect(saved.code, saved.stderr).toBe(0);

    const inc = parseJson<CopyJson>(
      await run([
        'copy',
        '--from',
        'sqlite:./source.db',
        '--to',
        'sqlite:./target.db',
        '--incremental',
        '--verify',
        '--json',
      ]),
    );
    expect(inc).toMatchObject({ mode: 'incremental', fullPass: 0, incrementalPass: 12, written: 12 });
    expect(inc.verification?.ok).toBe(true);
    const edited = JSON.parse(
      (await run(['get', records[100]!.id!, '--config', writeConfig('target.db')])).stdout,
    );
    expect(edited).toMatchObject({
      content: 'edited',
      created_at: (records[100]!.created_at as Date).toISOString(),
    });
  });

  it('a deletion is not propagated: --verify reports the extra record and exits 4', async () => {
    expect((await run(['delete', records[5]!.id!])).code).toBe(0);
    const result = await run([
      'copy',
      '--from',
      'src',
      '--to',
      'sqlite:./target.db',
      '--incremental',
      '--verify',
      '--json',
    ]);
    expect(result.code).toBe(4);
    const report = parseJson<CopyJson>(result);
    expect(report.verification).toMatchObject({ ok: false, extra: { count: 1, sample: [records[5]!.id] } });
    const only = await run(['copy', '--verify-only', '--from', 'src', '--to', 'sqlite:./target.db']);
    expect(only.code).toBe(4);
    expect(only.stdout).toContain('DIFFERENT');
    expect(only.stdout).toContain(`only in the target: 1: ${records[5]!.id}`);
  });

  it('named storage types work on both sides (--from src --to dst)', async () => {
    const result = parseJson<CopyJson>(
      await run(['copy', '--from', 'src', '--to', 'dst', '--verify', '--json']),
    );
    expect(result.verification).toMatchObject({ ok: true, sourceCount: 2504 });
    expect(result.to).toBe(`sqlite:${join(tmp.dir, 'named-target.db')}`);
  });

  it('refuses bad invocations with exit 2 before opening anything', async () => {
    const same = await run(['copy', '--from', 'sqlite:./source.db', '--to', 'src']);
    expect(same.code).toBe(2);
    expect(same.stderr).toContain('name the same store');
    const missing = await run(['copy', '--from', 'sqlite:./nope.db', '--to', 'sqlite:./t2.db']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('does not exist');
    const unknown = await run(['copy', '--from', 'nosuch', '--to', 'sqlite:./t2.db', '--json']);
    expect(unknown.code).toBe(2);
    expect(parseJson<{ error: { message: string } }>(unknown).error.message).toContain(
      'it defines: src, dst',
    );
    const noTo = await run(['copy', '--from', 'src']);
    expect(noTo.code).toBe(2);
    expect(noTo.stderr).toContain("required option '--to <store>'");
    const badUrl = await run(['copy', '--from', 'src', '--to', 'mysql://x']);
    expect(badUrl.code).toBe(2);
  });

  it('an unreachable PostgreSQL target fails with exit 1 and never prints its password', async () => {
    const result = await run([
      'copy',
      '--from',
      'src',
      '--to',
      'postgres://app:pw-s3cret-42@127.0.0.1:1/none',
      '--json',
      '--verbose',
    ]);
    expect(result.code).toBe(1);
    expect(parseJson<{ error: { kind: string } }>(result).error.kind).toBe('connection');
    expect(`${result.stdout}${result.stderr}`).not.toContain('pw-s3cret-42');
  });

  function writeConfig(db: string): string {
    const file = join(tmp.dir, `${db}.yaml`);
    writeFileSync(file, `storage_types:\n  s:\n    class: sqlite\n    config:\n      path: ./${db}\n`);
    return file;
  }
});
