import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, requireBuild, runCliProcess, tempDir } from './helpers.js';

interface TourJson {
  ok: boolean;
  run: string;
  store: { backend: string; location: string | null; file: string | null };
  clearedFromEarlierRuns: number;
  written: { total: number; byType: Record<string, number>; sessions: string[] };
  queries: { title: string; count: number; ids: string[] }[];
  counts: { messages: number };
  expiry: {
    pastExpiryLoad: string;
    shortTtlBefore: boolean;
    shortTtlAfter: boolean;
    cacheCountAfter: number;
    cleanupExpiredRemoved: number;
  };
  stream: { records: number; batchSize: number };
  transaction: { rolledBack: boolean; draftFound: boolean; countBefore: number; countAfter: number };
  health: { status: string; details: Record<string, unknown> };
  stats: { records: number };
  failedChecks: string[];
}

describe('recordstore tour (the default command) on the embedded SQLite file', () => {
  const tmp = tempDir();
  beforeAll(requireBuild);
  afterAll(tmp.cleanup);

  it('runs with no command, writes ./data/recordstore.db and prints every section', async () => {
    const result = await runCliProcess([], { cwd: tmp.dir, env: { NO_COLOR: '1' } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(existsSync(join(tmp.dir, 'data', 'recordstore.db'))).toBe(true);
    for (const heading of [
      'recordstore tour',
      `store: sqlite at ${join(tmp.dir, 'data', 'recordstore.db')}`,
      '== 1. Writing two agent sessions',
      '== 2. Filtered queries',
      'Messages of the billing session, newest first (7)',
      '400 < metadata.tokens <= 2000',
      'role $in ["user", "tool"]',
      'content $like "%INV-2041%"',
      'metadata.model = "claude-haiku-4-5"',
      '== 3. Expiry',
      'load() -> missing',
      '== 4. Streaming a session',
      '== 5. A transaction that rolls back',
      'draft message absent',
      '== 6. Health and stats',
      'sqlite: healthy',
      'tour complete: every check passed',
    ]) {
      expect(result.stdout).toContain(heading);
    }
    expect(result.stdout).not.toContain('✗');
  });

  it('re-runs on the same file, clearing the records of the earlier run (--json summary)', async () => {
    const result = await runCliProcess(['tour', '--json'], { cwd: tmp.dir });
    expect(result.code).toBe(0);
    const summary = parseJson<TourJson>(result);
    expect(summary.ok).toBe(true);
    expect(summary.failedChecks).toEqual([]);
    expect(summary.store).toMatchObject({
      backend: 'sqlite',
      location: join(tmp.dir, 'data', 'recordstore.db'),
    });
    // 18 live records of the first run: 20 written, minus the two expired cache entries.
    expect(summary.clearedFromEarlierRuns).toBe(18);
    expect(summary.written).toMatchObject({
      total: 20,
      byType: { session: 2, thread: 2, message: 11, tool_call: 3, cache: 2 },
    });
    expect(summary.queries.map((q) => q.count)).toEqual([7, 3, 5, 3, 4]);
    expect(summary.counts.messages).toBe(11);
    expect(summary.expiry).toMatchObject({
      pastExpiryLoad: 'missing',
      shortTtlBefore: true,
      shortTtlAfter: false,
      cacheCountAfter: 0,
    });
    expect(summary.expiry.cleanupExpiredRemoved).toBeGreaterThanOrEqual(1);
    expect(summary.stream).toEqual(expect.objectContaining({ records: 11, batchSize: 4 }));
    expect(summary.transaction).toMatchObject({ rolledBack: true, draftFound: false });
    expect(summary.transaction.countAfter).toBe(summary.transaction.countBefore);
    expect(summary.health.status).toBe('healthy');
  });

  it('leaves its records in the file for other commands to query', async () => {
    const tour = parseJson<TourJson>(await runCliProcess(['tour', '--json'], { cwd: tmp.dir }));
    const session = tour.written.sessions[0]!;
    const list = await runCliProcess(
      ['list', '--json', '--filter', JSON.stringify({ session_id: session })],
      {
        cwd: tmp.dir,
      },
    );
    expect(list.code).toBe(0);
    const listed = parseJson<{ records: { session_id: string }[] }>(list);
    // Session, thread, 7 messages, 2 tool calls; the expired rate-limit entry is gone.
    expect(listed.records).toHaveLength(11);
    expect(listed.records.every((r) => r.session_id === session)).toBe(true);
  });

  it('runs on an empty store a --config file names, saying which store it writes to', async () => {
    const other = tempDir();
    try {
      const config = join(other.dir, 'tour.yaml');
      writeFileSync(config, storeConfig(join(other.dir, 'tour.db')));
      const result = await runCliProcess(['tour', '--config', config, '--json'], { cwd: tmp.dir });
      expect(result.code).toBe(0);
      expect(parseJson<TourJson>(result).store).toMatchObject({
        file: config,
        location: join(other.dir, 'tour.db'),
      });
      expect(existsSync(join(other.dir, 'tour.db'))).toBe(true);
      // Only earlier tour records in it: still no --yes needed.
      const human = await runCliProcess(['tour', '--config', config], {
        cwd: tmp.dir,
        env: { NO_COLOR: '1' },
      });
      expect(human.code).toBe(0);
      expect(human.stdout).toContain(`config: ${config}, storage "local"`);
    } finally {
      other.cleanup();
    }
  });
});

/** A config file with one SQLite storage type named `local`. */
function storeConfig(path: string): string {
  return `storage_types:\n  local:\n    class: sqlite\n    config:\n      path: ${path}\n`;
}

async function countOf(cwd: string, config: string): Promise<number> {
  const result = await runCliProcess(['count', '--json', '--config', config], { cwd });
  expect(result.code, result.stderr).toBe(0);
  return parseJson<{ count: number }>(result).count;
}

describe('recordstore without a command, with a config file', () => {
  const tmp = tempDir();
  beforeAll(requireBuild);
  afterAll(tmp.cleanup);

  it('--config <file>: prints help and a hint, and leaves the store unchanged', async () => {
    const config = join(tmp.dir, 'app.yaml');
    writeFileSync(config, storeConfig(join(tmp.dir, 'app.db')));
    const put = await runCliProcess(['put', '--config', config, '-'], {
      cwd: tmp.dir,
      input: JSON.stringify([{ id: 'mine-1' }, { id: 'mine-2' }]),
    });
    expect(put.code, put.stderr).toBe(0);
    const before = await countOf(tmp.dir, config);
    expect(before).toBe(2);

    const result = await runCliProcess(['--config', config], { cwd: tmp.dir, env: { NO_COLOR: '1' } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: recordstore');
    expect(result.stderr).toMatch(/no command given, and a config file is in use/);
    expect(result.stderr).toContain('recordstore tour');
    expect(result.stdout).not.toContain('recordstore tour\n');
    expect(await countOf(tmp.dir, config)).toBe(before);
  });

  it('./recordstore.yaml in the working directory: the same, and no embedded store is created', async () => {
    const dir = join(tmp.dir, 'project');
    mkdirSync(dir);
    writeFileSync(join(dir, 'recordstore.yaml'), storeConfig(join(dir, 'configured.db')));
    const result = await runCliProcess([], { cwd: dir, env: { NO_COLOR: '1' } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: recordstore');
    expect(existsSync(join(dir, 'configured.db'))).toBe(false);
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('tour on a configured store holding records of its own needs --yes, and names the store', async () => {
    const config = join(tmp.dir, 'app.yaml');
    const refused = await runCliProcess(['tour', '--config', config], { cwd: tmp.dir });
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain(`storage "local" of ${config} (sqlite at ${join(tmp.dir, 'app.db')})`);
    expect(refused.stderr).toMatch(/holds 2 record\(s\) that are not the tour's/);
    expect(refused.stderr).toContain('recordstore tour --yes');
    expect(await countOf(tmp.dir, config)).toBe(2);

    const accepted = await runCliProcess(['tour', '--yes', '--config', config, '--json'], { cwd: tmp.dir });
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(parseJson<TourJson>(accepted).ok).toBe(true);
    // The application's records are untouched; the tour's live ones are beside them.
    expect(await countOf(tmp.dir, config)).toBe(2 + 18);
  });
});
