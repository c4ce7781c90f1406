import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentSessionRecords, seedSqlite } from './fixtures/agent-sessions.js';
import { BIN, parseJson, requireBuild, runCliProcess, tempDir } from './helpers.js';

interface CreateJson {
  file: string;
  manifestFile: string;
  manifest: { record_count: number; source_backend: string; schema_version: number; records_sha256: string };
}
interface ListJson {
  dir: string;
  backups: { file: string; name: string; records: number | null; sourceBackend: string | null }[];
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the escape character is the point.
const COLOUR = /\u001b\[3\dm/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the escape character is the point.
const CYAN_BAR = /\u001b\[36m\u2588+/;

// Backups of real SQLite files through the real executable.
describe('recordstore backup', () => {
  const tmp = tempDir();
  const run = (args: string[], env: Record<string, string> = {}) =>
    runCliProcess(args, { cwd: tmp.dir, env: { NO_COLOR: '1', ...env } });
  const records = agentSessionRecords(1200, { seed: 7 });
  let first: CreateJson;

  beforeAll(async () => {
    requireBuild();
    // The embedded default store (./data/recordstore.db), with a backup_path from a config file.
    await seedSqlite(join(tmp.dir, 'app.db'), records);
    writeFileSync(
      join(tmp.dir, 'recordstore.yaml'),
      'storage_types:\n  app:\n    class: sqlite\n    config:\n      path: ./app.db\n      backup_path: ./nightly\n      max_backup_files: 2\n',
    );
  }, 60_000);
  afterAll(tmp.cleanup);

  it('create writes a backup into the config backup_path, with a manifest and progress lines on stderr', async () => {
    const result = await run(['backup', 'create']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(join(tmp.dir, 'nightly'));
    expect(result.stdout).toMatch(/records: 1,200/);
    // Not a terminal: plain progress lines, not a bar.
    expect(result.stderr).toMatch(/^backing up: 1,200\/1,200 \(100%\), [\d,]+ records\/s/m);
    expect(result.stderr).not.toContain('\u2588');

    const json = await run(['backup', 'create', '--json']);
    expect(json.code).toBe(0);
    expect(json.stderr).toBe(''); // --json: no progress output at all
    first = parseJson<CreateJson>(json);
    expect(first.manifest).toMatchObject({ record_count: 1200, source_backend: 'sqlite', schema_version: 3 });
    expect(existsSync(first.file) && existsSync(first.manifestFile)).toBe(true);
  });

  it('list shows the backups newest first, from their manifests', async () => {
    const list = parseJson<ListJson>(await run(['backup', 'list', '--json']));
    expect(list.dir).toBe(join(tmp.dir, 'nightly'));
    expect(list.backups).toHaveLength(2);
    expect(list.backups[0]).toMatchObject({ file: first.file, records: 1200, sourceBackend: 'sqlite' });
    const human = await run(['backup', 'list']);
    expect(human.stdout).toContain('backups in');
    expect(human.stdout).toContain('1,200 records');
  });

  it('verify says intact (exit 0) and DAMAGED for a truncated or altered file (exit 4)', async () => {
    const ok = await run(['backup', 'verify', first.file, '--json']);
    expect(ok.code).toBe(0);
    expect(parseJson(ok)).toMatchObject({ ok: true, recordCount: 1200, problem: null });

    const bytes = readFileSync(first.file);
    const truncated = join(tmp.dir, 'truncated.ndjson.gz');
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const bad = await run(['backup', 'verify', truncated]);
    expect(bad.code).toBe(4);
    expect(bad.stdout).toContain('DAMAGED');
    expect(bad.stdout).toMatch(/truncated or corrupted/);

    const flipped = Buffer.from(bytes);
    const middle = Math.floor(flipped.length / 2);
    flipped[middle] = flipped[middle]! ^ 0xff;
    const altered = join(tmp.dir, 'altered.ndjson.gz');
    writeFileSync(altered, flipped);
    const badJson = await run(['backup', 'verify', altered, '--json']);
    expect(badJson.code).toBe(4);
    expect(parseJson<{ ok: boolean; problem: string }>(badJson).ok).toBe(false);
  });

  it('restore refuses a damaged file before touching the target (exit 4), and a non-empty target without --mode (exit 5)', async () => {
    const bytes = readFileSync(first.file);
    const truncated = join(tmp.dir, 'cut.ndjson.gz');
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 40));
    const damaged = await run(['backup', 'restore', truncated, '--to', 'sqlite:./fresh.db', '--json']);
    expect(damaged.code).toBe(4);
    expect(parseJson<{ error: { kind: string; message: string } }>(damaged).error.message).toContain(
      'Nothing was restored',
    );
    // The target was never written: counting it (which creates an empty file) finds nothing.
    expect(
      parseJson<{ count: number }>(await run(['count', '--json', '-c', writeConfig('fresh.db')])).count,
    ).toBe(0);

    const refused = await run(['backup', 'restore', first.file]); // into the selected store, app.db: not empty
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(
      /^recordstore: The target sqlite store holds 1200 records; nothing was restored/m,
    );
    expect(refused.stderr).toContain('--mode merge');
  });

  it('restore into an empty store, then merge and replace into a store that changed', async () => {
    const restored = await run(['backup', 'restore', first.file, '--to', 'sqlite:./restored.db', '--json']);
    expect(restored.code, restored.stderr).toBe(0);
    expect(parseJson(restored)).toMatchObject({ restored: 1200, deleted: 0, mode: 'fail-if-not-empty' });
    // The restored store is identical to the source: same ids, timestamps, metadata, expiry.
    const same = await run([
      'copy',
      '--verify-only',
      '--from',
      'app',
      '--to',
      'sqlite:./restored.db',
      '--json',
    ]);
    expect(same.code).toBe(0);
    expect(parseJson(same)).toMatchObject({
      verification: { ok: true, sourceCount: 1200, targetCount: 1200 },
    });

    // A record added after the backup: merge keeps it, replace removes it.
    const cfg = writeConfig('restored.db');
    expect((await run(['put', '{"id":"added-later","type":"note"}', '-c', cfg])).code).toBe(0);
    const merged = await run([
      'backup',
      'restore',
      first.file,
      '--to',
      'sqlite:./restored.db',
      '--mode',
      'merge',
      '--json',
    ]);
    expect(parseJson(merged)).toMatchObject({ restored: 1200, deleted: 0, mode: 'merge' });
    expect(parseJson<{ count: number }>(await run(['count', '--json', '-c', cfg])).count).toBe(1201);
    const replaced = await run([
      'backup',
      'restore',
      first.file,
      '--to',
      'sqlite:./restored.db',
      '--mode',
      'replace',
      '--json',
    ]);
    expect(parseJson(replaced)).toMatchObject({ restored: 1200, deleted: 1201, mode: 'replace' });
    expect((await run(['get', 'added-later', '-c', cfg])).code).toBe(3);

    const badMode = await run(['backup', 'restore', first.file, '--mode', 'overwrite']);
    expect(badMode.code).toBe(2);
  });

  it('prune keeps max_backup_files (from the config) and never the newest; --retention-days removes old ones', async () => {
    const extra = parseJson<CreateJson>(await run(['backup', 'create', '--json']));
    expect(readdirSync(join(tmp.dir, 'nightly')).filter((f) => f.endsWith('.ndjson.gz'))).toHaveLength(3);
    const pruned = parseJson<{ deleted: string[]; kept: string[]; maxFiles: number }>(
      await run(['backup', 'prune', '--json']),
    );
    expect(pruned.maxFiles).toBe(2);
    expect(pruned.deleted).toHaveLength(1);
    expect(pruned.kept).toContain(extra.file);
    expect(existsSync(pruned.deleted[0]!.replace('.ndjson.gz', '.manifest.json'))).toBe(false);

    // Age the remaining older one by 40 days (the manifest's created_at is what counts, so rewrite it).
    const older = pruned.kept.find((f) => f !== extra.file)!;
    const manifestPath = older.replace('.ndjson.gz', '.manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { created_at: string };
    manifest.created_at = new Date(Date.now() - 40 * 86_400_000).toISOString();
    writeFileSync(manifestPath, JSON.stringify(manifest));
    utimesSync(older, new Date(), new Date());
    const aged = parseJson<{ deleted: string[]; kept: string[] }>(
      await run(['backup', 'prune', '--retention-days', '30', '--json']),
    );
    expect(aged.deleted).toEqual([older]);
    expect(aged.kept).toEqual([extra.file]);
    const human = await run(['backup', 'prune', '--retention-days', '0', '--max-files', '1']);
    expect(human.stdout).toContain('deleted 0, kept 1');
  });

  it('backup create --from and --dir back up another store into another folder', async () => {
    const result = parseJson<CreateJson>(
      await run(['backup', 'create', '--from', 'sqlite:./restored.db', '--dir', './elsewhere', '--json']),
    );
    expect(result.file.startsWith(join(tmp.dir, 'elsewhere'))).toBe(true);
    expect(result.manifest.record_count).toBe(1200);
    const missing = await run(['backup', 'verify', './nope.ndjson.gz']);
    expect(missing.code).toBe(4);
  });

  // util-linux `script` gives the process a pseudo-terminal, as an operator's shell would.
  it.skipIf(spawnSync('script', ['--version']).status !== 0)(
    'on a terminal: a progress bar with rate and ETA, coloured unless NO_COLOR; nothing with --json',
    () => {
      const onTerminal = (args: string, env: Record<string, string>) =>
        spawnSync(
          'script',
          ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} ${args}`, '/dev/null'],
          {
            cwd: tmp.dir,
            env: { ...process.env, TERM: 'xterm', ...env },
            encoding: 'utf8',
          },
        ).stdout;
      const plain = onTerminal('backup create --dir ./tty', { NO_COLOR: '1' });
      expect(plain).toMatch(/backing up\s+\u2588+ 100% \| 1,200\/1,200 \| [\d,]+ records\/s \| ETA 0s/);
      expect(plain).not.toMatch(COLOUR); // no colour codes (cursor control is fine)
      const coloured = onTerminal('backup create --dir ./tty', {});
      expect(coloured).toMatch(CYAN_BAR);
      const json = onTerminal('backup create --dir ./tty --json', {});
      expect(json).not.toContain('\u2588');
      expect(JSON.parse(json.replaceAll('\r', '')).manifest.record_count).toBe(1200);
    },
  );

  function writeConfig(db: string): string {
    const file = join(tmp.dir, `${db}.yaml`);
    writeFileSync(file, `storage_types:\n  s:\n    class: sqlite\n    config:\n      path: ./${db}\n`);
    return file;
  }
});
