import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  copyRecords,
  createBackup,
  isStorageError,
  type Logger,
  listBackups,
  MemoryStorageBackend,
  manifestPathOf,
  pruneBackups,
  readCopyWatermark,
  restoreBackup,
  verifyBackup,
  verifyCopy,
} from '../src/index.js';
import {
  openPostgres,
  openSqlite,
  realisticRecords,
  seed,
  usePostgres,
  useTempDir,
} from './helpers/transfer.js';

const tmp = useTempDir('rs-backup-');
const pg = usePostgres();

async function sqliteWith(name: string, count: number) {
  const store = await openSqlite(join(tmp.path, `${name}.db`));
  await seed(store, realisticRecords(count));
  return store;
}

/** Rewrites a backup's decompressed lines and recompresses it (a "valid gzip, wrong content" file). */
function rewriteLines(file: string, edit: (lines: string[]) => string[]): void {
  const lines = gunzipSync(readFileSync(file)).toString('utf8').split('\n');
  writeFileSync(file, gzipSync(edit(lines).join('\n')));
}

describe('createBackup(backend, dir) then restoreBackup(file, backend)', () => {
  it('restores an SQLite backup into PostgreSQL with id, timestamps, expiry and metadata exact', async () => {
    const source = await sqliteWith('roundtrip', 2500);
    const dir = join(tmp.path, 'roundtrip');
    const backup = await createBackup(source, dir, { batchSize: 300 });
    expect(backup.manifest).toMatchObject({
      format: 'recordstore-backup',
      format_version: 1,
      source_backend: 'sqlite',
      record_count: 2500,
    });
    expect(backup.manifest.schema_version).not.toBeNull();
    expect(backup.manifest.records_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(existsSync(backup.manifestFile)).toBe(true);
    // Only the finished file and its manifest: no temporary left behind.
    expect(readdirSync(dir).sort()).toEqual([basename(backup.file), basename(backup.manifestFile)].sort());

    // A target with a default TTL must still give no expiry to records that had none.
    const target = await openPostgres(pg.server!, { ttl_enabled: true, default_ttl_seconds: 60 });
    const result = await restoreBackup(backup.file, target, { batchSize: 700 });
    expect(result.restored).toBe(2500);
    expect(await target.count()).toBe(2500);
    const check = await verifyCopy({ from: source, to: target });
    expect(check).toMatchObject({ ok: true, matched: 2500, sourceCount: 2500, targetCount: 2500 });
    const sample = await target.load('rec-0000003');
    expect(sample).toMatchObject({
      id: 'rec-0000003',
      created_at: new Date(Date.UTC(2025, 0, 1) + 3000),
      updated_at: new Date(Date.UTC(2025, 0, 1) + 3000 + 3 * 60_000),
      metadata: { source: 'web', model: 'gpt-x', attempt: 3 },
      content: 'Message 3: héllo wörld 👋 — 你好',
    });
    expect(sample).not.toHaveProperty('expires_at');
    expect((await target.load('rec-0000001'))?.expires_at).toEqual(new Date(Date.UTC(2099, 0, 1) + 1));
  });

  it('restores a PostgreSQL backup into SQLite and a memory store (any backend to any backend)', async () => {
    const source = await openPostgres(pg.server!);
    await seed(source, realisticRecords(400));
    const { file } = await createBackup(source, join(tmp.path, 'from-pg'));
    const sqlite = await openSqlite(join(tmp.path, 'from-pg.db'));
    await restoreBackup(file, sqlite);
    const memory = new MemoryStorageBackend();
    await memory.connect();
    await restoreBackup(file, memory);
    expect((await verifyCopy({ from: source, to: sqlite })).ok).toBe(true);
    expect((await verifyCopy({ from: source, to: memory })).ok).toBe(true);
  });

  it('backs up an empty store and restores it as empty', async () => {
    const empty = new MemoryStorageBackend();
    await empty.connect();
    const { file, manifest } = await createBackup(empty, join(tmp.path, 'empty'));
    expect(manifest.record_count).toBe(0);
    expect((await verifyBackup(file)).ok).toBe(true);
    const target = new MemoryStorageBackend();
    await target.connect();
    expect((await restoreBackup(file, target)).restored).toBe(0);
  });

  it('keeps a record whose data imitates the end marker a record', async () => {
    const store = new MemoryStorageBackend();
    await store.connect();
    await store.save({ id: 'x', format: 'recordstore-backup-end', record_count: 0, records_sha256: 'f' });
    // An own "__proto__" key (as JSON.parse makes it) is data and must survive as data.
    await store.save(JSON.parse('{"id":"y","__proto__":{"polluted":true},"a":1}'));
    const { file } = await createBackup(store, join(tmp.path, 'imitation'));
    expect(await verifyBackup(file)).toMatchObject({ ok: true, recordCount: 2 });
    const target = new MemoryStorageBackend();
    await target.connect();
    await restoreBackup(file, target);
    expect((await verifyCopy({ from: store, to: target })).ok).toBe(true);
    const y = await target.load('y');
    expect(Object.getOwnPropertyDescriptor(y, '__proto__')?.value).toEqual({ polluted: true });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reports progress with done, total and rate', async () => {
    const source = await sqliteWith('progress', 1200);
    const seen: { phase: string; done: number; total: number | null }[] = [];
    const { file } = await createBackup(source, join(tmp.path, 'progress'), {
      batchSize: 500,
      onProgress: (p) => seen.push(p),
    });
    expect(seen.map((p) => p.done)).toEqual([500, 1000, 1200]);
    expect(seen.every((p) => p.phase === 'backup' && p.total === 1200)).toBe(true);
    const restoreSeen: string[] = [];
    const target = new MemoryStorageBackend();
    await target.connect();
    await restoreBackup(file, target, { onProgress: (p) => restoreSeen.push(p.phase) });
    expect(restoreSeen).toContain('verify-backup');
    expect(restoreSeen.at(-1)).toBe('restore');
  });
});

describe('restoreBackup(file, backend, { mode })', () => {
  async function fixtures(name: string) {
    const source = new MemoryStorageBackend();
    await source.connect();
    await source.saveMany(
      [
        { id: 'a', v: 'backup' },
        { id: 'b', v: 'backup' },
      ],
      { preserveTimestamps: true },
    );
    const { file } = await createBackup(source, join(tmp.path, name));
    const target = await openSqlite(join(tmp.path, `${name}.db`));
    await target.saveMany([
      { id: 'b', v: 'target' },
      { id: 'c', v: 'target' },
    ]);
    return { file, target };
  }

  it('refuses a non-empty target by default, touching nothing', async () => {
    const { file, target } = await fixtures('mode-default');
    const error = await restoreBackup(file, target).catch((e: unknown) => e);
    expect(isStorageError(error, 'conflict')).toBe(true);
    expect((error as Error).message).toMatch(/holds 2 records.*"merge".*"replace"/);
    expect((await target.list({}, { orderBy: 'id' })).map((r) => [r.id, r.v])).toEqual([
      ['b', 'target'],
      ['c', 'target'],
    ]);
  });

  it('merge upserts the backup over the target and keeps the rest', async () => {
    const { file, target } = await fixtures('mode-merge');
    const result = await restoreBackup(file, target, { mode: 'merge' });
    expect(result).toMatchObject({ restored: 2, deleted: 0 });
    expect((await target.list({}, { orderBy: 'id' })).map((r) => [r.id, r.v])).toEqual([
      ['a', 'backup'],
      ['b', 'backup'],
      ['c', 'target'],
    ]);
  });

  it('replace leaves exactly the backup', async () => {
    const { file, target } = await fixtures('mode-replace');
    const result = await restoreBackup(file, target, { mode: 'replace' });
    expect(result).toMatchObject({ restored: 2, deleted: 2 });
    expect((await target.list({}, { orderBy: 'id' })).map((r) => [r.id, r.v])).toEqual([
      ['a', 'backup'],
      ['b', 'backup'],
    ]);
  });

  it('refuses an unknown mode', async () => {
    const { file, target } = await fixtures('mode-bad');
    await expect(restoreBackup(file, target, { mode: 'overwrite' as never })).rejects.toThrow(
      /mode must be one of/,
    );
  });
});

describe('verifyBackup(file) and damaged files', () => {
  // Each case damages a fresh copy of one good backup; restore with `replace` into a non-empty store must
  // refuse before deleting anything.
  const cases: [string, (file: string) => void, RegExp][] = [
    [
      'truncated compressed file',
      (f) => writeFileSync(f, readFileSync(f).subarray(0, Math.floor(statSync(f).size * 0.6))),
      /truncated or corrupted/,
    ],
    [
      'a flipped byte in the compressed data',
      (f) => {
        const bytes = readFileSync(f);
        bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
        writeFileSync(f, bytes);
      },
      /truncated or corrupted|not valid JSON|not a record|SHA-256/,
    ],
    [
      'a valid gzip whose records stop before the end marker',
      (f) => rewriteLines(f, (lines) => lines.slice(0, 200).concat([''])),
      /no end marker|the file is truncated/,
    ],
    [
      'a record changed inside a valid gzip',
      (f) =>
        rewriteLines(f, (lines) => lines.map((l, i) => (i === 5 ? l.replace('"tokens":', '"tokens":1') : l))),
      /SHA-256 of the record lines does not match/,
    ],
    [
      'a record removed inside a valid gzip',
      (f) => rewriteLines(f, (lines) => lines.filter((_, i) => i !== 7)),
      /end marker says 300 records but the file holds 299/,
    ],
    ['a non-gzip file', (f) => writeFileSync(f, 'hello\n'), /truncated or corrupted/],
    [
      'a sidecar manifest that belongs to another file',
      (f) => {
        const m = manifestPathOf(f);
        writeFileSync(
          m,
          JSON.stringify({ ...JSON.parse(readFileSync(m, 'utf8')), file_sha256: '0'.repeat(64) }),
        );
      },
      /differs from its sidecar manifest/,
    ],
  ];

  it.each(cases)(
    'detects %s and restore refuses before touching the target',
    async (name, damage, problem) => {
      const source = await sqliteWith(`damage-${cases.findIndex((c) => c[0] === name)}`, 300);
      const dir = join(tmp.path, `damaged-${cases.findIndex((c) => c[0] === name)}`);
      const { file } = await createBackup(source, dir);
      expect((await verifyBackup(file)).ok).toBe(true);
      damage(file);
      const verification = await verifyBackup(file);
      expect(verification.ok).toBe(false);
      expect(verification.problem).toMatch(problem);

      const target = await openSqlite(join(dir, 'target.db'));
      await target.saveMany([{ id: 'keep-me', v: 1 }]);
      const error = await restoreBackup(file, target, { mode: 'replace' }).catch((e: unknown) => e);
      expect(isStorageError(error, 'validation')).toBe(true);
      expect((error as Error).message).toMatch(/is damaged: .*Nothing was restored/);
      expect((await target.list()).map((r) => r.id)).toEqual(['keep-me']);
    },
  );

  it('reports a missing file', async () => {
    expect((await verifyBackup(join(tmp.path, 'nope.ndjson.gz'))).problem).toMatch(/does not exist/);
  });
});

describe('listBackups(dir) and pruneBackups(dir, { retentionDays, maxFiles })', () => {
  it('lists newest first and prunes by age and count, never the newest', async () => {
    const store = new MemoryStorageBackend();
    await store.connect();
    await store.save({ id: 'one' });
    const dir = join(tmp.path, 'prune');
    const day = 86_400_000;
    const now = Date.UTC(2030, 5, 30);
    for (const ageDays of [40, 20, 10, 3, 2, 1]) {
      await createBackup(store, dir, { now: new Date(now - ageDays * day) });
    }
    // A foreign file and an old crashed temporary share the folder.
    writeFileSync(join(dir, 'notes.txt'), 'keep');
    const listed = await listBackups(dir);
    expect(listed).toHaveLength(6);
    expect(listed.map((b) => Math.round((now - b.createdAt.getTime()) / day))).toEqual([1, 2, 3, 10, 20, 40]);
    expect(listed[0]!.manifest?.record_count).toBe(1);

    const byAge = await pruneBackups(dir, { retentionDays: 15, now: new Date(now) });
    expect(byAge.deleted).toHaveLength(2);
    expect(await listBackups(dir)).toHaveLength(4);
    const byCount = await pruneBackups(dir, { maxFiles: 2, now: new Date(now) });
    expect(byCount.deleted.map((f) => basename(f))).toEqual(listed.slice(2, 4).map((b) => b.name));
    expect((await listBackups(dir)).map((b) => b.name)).toEqual(listed.slice(0, 2).map((b) => b.name));
    // Manifests went with their files; the foreign file stayed.
    expect(readdirSync(dir).filter((n) => n.endsWith('.manifest.json'))).toHaveLength(2);
    expect(existsSync(join(dir, 'notes.txt'))).toBe(true);
    // The newest survives even a retention it exceeds.
    const far = await pruneBackups(dir, {
      retentionDays: 0.001,
      maxFiles: 1,
      now: new Date(now + 100 * day),
    });
    expect(far.kept).toHaveLength(1);
  });

  it('lists a missing folder as empty', async () => {
    expect(await listBackups(join(tmp.path, 'missing'))).toEqual([]);
  });
});

describe('scheduled backups (backup_enabled) while the store is open', () => {
  it('takes backups on the interval, prunes to max_backup_files, and stops on close()', async () => {
    const dir = join(tmp.path, 'scheduled');
    const store = await openSqlite(join(tmp.path, 'scheduled.db'), {
      backup_enabled: true,
      backup_interval_hours: 0.5 / 3600, // every 0.5 s
      backup_retention_days: 30,
      max_backup_files: 2,
      backup_path: dir,
    });
    await store.saveMany(realisticRecords(50));
    const deadline = Date.now() + 15_000;
    const taken = new Set<string>();
    while (taken.size < 4 && Date.now() < deadline) {
      for (const b of await listBackups(dir)) taken.add(b.name);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(taken.size).toBeGreaterThanOrEqual(4);
    const health = await store.healthCheck();
    expect(health.details.backups).toMatchObject({ path: dir });
    await store.close();
    const left = await listBackups(dir);
    expect(left.length).toBeLessThanOrEqual(2);
    for (const b of left) expect((await verifyBackup(b.file)).ok).toBe(true);
    const names = readdirSync(dir);
    await new Promise((r) => setTimeout(r, 1200));
    expect(readdirSync(dir)).toEqual(names);
    expect(names.some((n) => n.includes('.tmp-'))).toBe(false);
  });

  it('logs a failing backup through the backend logger and keeps the store working', async () => {
    const blocker = join(tmp.path, 'not-a-folder');
    writeFileSync(blocker, 'a file where the backup folder should be');
    const logged: string[] = [];
    const logger: Logger = {
      debug() {},
      info() {},
      warn() {},
      error: (_obj, msg) => logged.push(msg ?? ''),
    };
    const store = new MemoryStorageBackend(
      { backup_enabled: true, backup_interval_hours: 1, backup_path: join(blocker, 'sub') },
      { logger },
    );
    await store.connect();
    const deadline = Date.now() + 5000;
    while (logged.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(logged[0]).toMatch(/scheduled backup failed/);
    await store.save({ id: 'still-works' });
    expect(await store.count()).toBe(1);
    await store.close();
  });

  it('refuses backup_interval_hours: 0 with backups on', () => {
    expect(() => new MemoryStorageBackend({ backup_enabled: true, backup_interval_hours: 0 })).toThrow(
      /backup_interval_hours must be greater than 0/,
    );
  });

  it('never keeps a process alive: an app that forgets close() still exits', async () => {
    const script = fileURLToPath(new URL('./fixtures/transfer-open-store.mjs', import.meta.url));
    const dir = join(tmp.path, 'exit');
    const started = Date.now();
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, [script, join(tmp.path, 'exit.db'), dir], { stdio: 'inherit' });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('the process did not exit: a timer keeps it alive'));
      }, 20_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(20_000);
    // The first backup (no earlier one in the folder) was taken while the store was open.
    expect((await listBackups(dir)).length).toBeGreaterThanOrEqual(1);
  });
});

describe('backups of a copy target', () => {
  it('hold the copied records only: the copy watermark stays in the meta storage', async () => {
    const source = new MemoryStorageBackend();
    await source.connect();
    await source.saveMany([{ id: 'a' }, { id: 'b' }]);
    const store = new MemoryStorageBackend();
    await store.connect();
    await copyRecords({ from: source, to: store, sourceKey: 'src' });
    const { file, manifest } = await createBackup(store, join(tmp.path, 'wm'));
    expect(manifest.record_count).toBe(2);
    const target = new MemoryStorageBackend();
    await target.connect();
    await restoreBackup(file, target);
    expect((await target.list({}, { orderBy: 'id' })).map((r) => r.id)).toEqual(['a', 'b']);
    // The restored store holds no copy state: the watermark was never a record.
    expect(await readCopyWatermark(target, 'src')).toBeNull();
  });
});
