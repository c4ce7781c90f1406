import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PostgreSQLStorageBackend } from '../../postgres/dist/index.js';
import { SQLiteStorageBackend } from '../../sqlite/dist/index.js';
import {
  type BackendClass,
  copyRecords,
  MemoryStorageBackend,
  parseStoreSpec,
  readCopyWatermark,
  registerBackend,
  storeKey,
  type TransferProgress,
  verifyCopy,
} from '../src/index.js';
import {
  openPostgres,
  openPostgresUrl,
  openSqlite,
  realisticRecords,
  seed,
  usePostgres,
  useTempDir,
} from './helpers/transfer.js';

const tmp = useTempDir('rs-copy-');
const pg = usePostgres();
const CORE_DIR = fileURLToPath(new URL('..', import.meta.url));

// Core has no dependency on its backends: register the built ones, as an application would, so that
// parseStoreSpec and storeKey find their inline and identity capabilities.
registerBackend('sqlite', SQLiteStorageBackend as unknown as BackendClass);
registerBackend('postgresql', PostgreSQLStorageBackend as unknown as BackendClass, {
  aliases: ['postgres', 'pg', 'PostgreSQLStorageBackend'],
});

async function sqliteSource(name: string, count: number) {
  const path = join(tmp.path, `${name}.db`);
  const store = await openSqlite(path);
  await seed(store, realisticRecords(count));
  return { path, store, key: await storeKey({ class: 'sqlite', config: { path } }) };
}

describe('copyRecords({ from, to, verify })', () => {
  it('copies SQLite into PostgreSQL, preserving every record exactly, and verifies it', async () => {
    const source = await sqliteSource('to-pg', 3000);
    const target = await openPostgres(pg.server!);
    const progress: TransferProgress[] = [];
    const report = await copyRecords({
      from: source.store,
      to: target,
      sourceKey: source.key,
      batchSize: 500,
      verify: true,
      onProgress: (p) => progress.push(p),
    });
    expect(report).toMatchObject({
      mode: 'full',
      resumed: false,
      fullPass: 3000,
      incrementalPass: 0,
      batches: 6,
    });
    expect(report.verification).toMatchObject({
      ok: true,
      sourceCount: 3000,
      targetCount: 3000,
      matched: 3000,
      missing: { count: 0 },
      extra: { count: 0 },
      mismatched: { count: 0 },
    });
    const copyProgress = progress.filter((p) => p.phase === 'copy');
    expect(copyProgress.at(-1)).toMatchObject({ done: 3000, total: 3000 });
    expect(copyProgress.every((p) => p.ratePerSecond >= 0 && p.elapsedMs >= 0)).toBe(true);
    expect(progress.some((p) => p.phase === 'verify-copy' && p.done === 3000)).toBe(true);

    // Exactly preserved, field by field, on a record with metadata and expiry.
    const original = await source.store.load('rec-0000009');
    expect(await target.load('rec-0000009')).toEqual(original);
    expect(original?.expires_at).toEqual(new Date(Date.UTC(2099, 0, 1) + 9));

    // The watermark lives in the target's meta storage: the records are the source's, no more.
    expect(await target.count()).toBe(3000);
    expect(report.resumable).toBe(true);
    const mark = await readCopyWatermark(target, source.key);
    expect(mark).toMatchObject({ status: 'complete', phase: 'incremental', source: source.key });
    expect(mark?.position).not.toBeNull();
  });

  it('is idempotent: a second full copy reads everything, writes nothing and duplicates nothing', async () => {
    const source = await sqliteSource('twice', 800);
    const target = await openSqlite(join(tmp.path, 'twice-target.db'));
    const first = await copyRecords({
      from: source.store,
      to: target,
      sourceKey: source.key,
      batchSize: 300,
    });
    // Into an empty target: each record written once, nothing compared.
    expect(first).toMatchObject({ fullPass: 800, incrementalPass: 0, unchanged: 0, written: 800 });
    const again = await copyRecords({ from: source.store, to: target, sourceKey: source.key, verify: true });
    expect(again).toMatchObject({ mode: 'full', resumed: false, fullPass: 0, written: 0, unchanged: 800 });
    expect(again.verification?.ok).toBe(true);
    expect(await target.count()).toBe(800);
  });

  it('copies through to a third store without carrying the watermark along', async () => {
    const source = await sqliteSource('chain', 120);
    const middle = await openSqlite(join(tmp.path, 'chain-middle.db'));
    const last = new MemoryStorageBackend();
    await last.connect();
    await copyRecords({ from: source.store, to: middle, sourceKey: source.key });
    const report = await copyRecords({ from: middle, to: last, verify: true });
    expect(report.fullPass).toBe(120);
    expect(report.verification?.ok).toBe(true);
    expect(await last.count()).toBe(120);
    expect(await readCopyWatermark(last, middle.name)).toMatchObject({ status: 'complete' });
    expect(await readCopyWatermark(last, source.key)).toBeNull();
  });
});

describe('copyRecords({ incremental: true })', () => {
  it('copies only what changed since the last run; deletions are not propagated', async () => {
    const source = await sqliteSource('incremental', 1000);
    const target = await openSqlite(join(tmp.path, 'incremental-target.db'));
    const first = await copyRecords({
      from: source.store,
      to: target,
      sourceKey: source.key,
      incremental: true,
    });
    expect(first).toMatchObject({ mode: 'full', fullPass: 1000, incrementalPass: 0 });

    const nothing = await copyRecords({
      from: source.store,
      to: target,
      sourceKey: source.key,
      incremental: true,
      lookbackMs: 0,
    });
    expect(nothing).toMatchObject({ mode: 'incremental', written: 0 });

    // Changes: 3 updates, 2 new records, 1 deletion.
    await source.store.update('rec-0000010', { content: 'edited 10' });
    await source.store.update('rec-0000500', { metadata: { edited: true } });
    await source.store.update('rec-0000999', { tokens: -1 });
    await source.store.saveMany([
      { id: 'new-1', content: 'fresh' },
      { id: 'new-2', expires_at: new Date(Date.UTC(2099, 5, 1)) },
    ]);
    await source.store.delete('rec-0000020');

    const second = await copyRecords({
      from: source.store,
      to: target,
      sourceKey: source.key,
      incremental: true,
      lookbackMs: 0,
      verify: true,
    });
    expect(second).toMatchObject({
      mode: 'incremental',
      resumed: false,
      fullPass: 0,
      incrementalPass: 5,
      written: 5,
    });
    expect((await target.load('rec-0000010'))?.content).toBe('edited 10');
    expect((await target.load('rec-0000500'))?.metadata).toEqual({ edited: true });
    expect(await target.load('new-2')).toEqual(await source.store.load('new-2'));
    // The deleted record is still in the target: verification says so precisely.
    expect(second.verification).toMatchObject({
      ok: false,
      missing: { count: 0 },
      mismatched: { count: 0 },
      extra: { count: 1, sample: ['rec-0000020'] },
    });

    // The default lookback re-reads the last minute's changes, finds them in the target, writes nothing.
    const lookback = await copyRecords({
      from: source.store,
      to: target,
      sourceKey: source.key,
      incremental: true,
    });
    expect(lookback).toMatchObject({ mode: 'incremental', written: 0, unchanged: 5 });
  });

  it('still sees later changes after copying a record stamped in the future', async () => {
    const source = new MemoryStorageBackend();
    await source.connect();
    await source.saveMany(
      [
        { id: 'future', created_at: '2099-01-01T00:00:00Z', updated_at: '2099-01-01T00:00:00Z' },
        { id: 'plain', v: 1 },
      ],
      { preserveTimestamps: true },
    );
    const target = new MemoryStorageBackend();
    await target.connect();
    await copyRecords({ from: source, to: target, incremental: true, lookbackMs: 0 });
    await source.update('plain', { v: 2 });
    const report = await copyRecords({ from: source, to: target, incremental: true, lookbackMs: 0 });
    expect((await target.load('plain'))?.v).toBe(2);
    // The future record is re-read on each run (not written again), never allowed to hide changes.
    expect(report).toMatchObject({ written: 1, unchanged: 1 });
  });

  it('keeps one watermark per source in the same target', async () => {
    const a = await sqliteSource('multi-a', 30);
    const b = new MemoryStorageBackend();
    await b.connect();
    await b.saveMany([{ id: 'from-b-1' }, { id: 'from-b-2' }]);
    const target = new MemoryStorageBackend();
    await target.connect();
    await copyRecords({ from: a.store, to: target, sourceKey: a.key });
    await copyRecords({ from: b, to: target, sourceKey: 'memory:b' });
    expect(await readCopyWatermark(target, a.key)).toMatchObject({ status: 'complete', source: a.key });
    expect(await readCopyWatermark(target, 'memory:b')).toMatchObject({ status: 'complete' });
    expect(await target.count()).toBe(32);
  });
});

describe('verifyCopy({ from, to })', () => {
  it('names missing, extra and altered records', async () => {
    const source = await sqliteSource('verify', 200);
    const target = await openSqlite(join(tmp.path, 'verify-target.db'));
    await copyRecords({ from: source.store, to: target, sourceKey: source.key });
    await target.delete('rec-0000005');
    await target.save({ id: 'zz-only-in-target' });
    // Same content, one timestamp off by one millisecond: a difference.
    const altered = (await source.store.load('rec-0000007'))!;
    await target.save(
      { ...altered, updated_at: new Date(altered.updated_at.getTime() + 1) },
      { preserveTimestamps: true },
    );
    const result = await verifyCopy({ from: source.store, to: target, batchSize: 37 });
    expect(result).toMatchObject({
      ok: false,
      sourceCount: 200,
      targetCount: 200,
      matched: 198,
      missing: { count: 1, sample: ['rec-0000005'] },
      extra: { count: 1, sample: ['zz-only-in-target'] },
      mismatched: { count: 1, sample: ['rec-0000007'] },
    });
  });
});

/** Runs the copy in a child process and SIGKILLs it once `killAfter` records are reported done. */
function copyInChildAndKill(from: string, to: string, batchSize: number, killAfter: number) {
  return new Promise<{ killed: boolean; lastDone: number }>((done, fail) => {
    const script = join(CORE_DIR, 'test/fixtures/transfer-copy-child.mjs');
    const child = spawn(process.execPath, [script, from, to, String(batchSize)], {
      cwd: CORE_DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lastDone = 0;
    let killed = false;
    let stderr = '';
    let buffer = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const match = /^progress copy (\d+)/.exec(line);
        if (match) lastDone = Number(match[1]);
        if (!killed && lastDone >= killAfter) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') done({ killed, lastDone });
      else fail(new Error(`the copy finished before it could be killed (code ${code}): ${stderr}`));
    });
  });
}

describe('a copy killed half way (SIGKILL) and run again', () => {
  it('resumes from the watermark in the target: nothing copied twice, nothing lost', async () => {
    const total = 40_000;
    const source = await sqliteSource('killed', total);
    const url = await pg.server!.createDatabase();
    const { killed, lastDone } = await copyInChildAndKill(`sqlite:${source.path}`, url, 500, 12_000);
    expect(killed).toBe(true);

    const target = await openPostgresUrl(url);
    try {
      const before = await target.count();
      // Killed in the middle: some batches landed, not all.
      expect(before).toBeGreaterThanOrEqual(lastDone);
      expect(before).toBeLessThan(total);
      expect(before % 500).toBe(0);
      const mark = await readCopyWatermark(target, source.key);
      expect(mark).toMatchObject({ status: 'running', phase: 'full' });

      const sourceKey = await storeKey(
        (await parseStoreSpec(`sqlite:${source.path}`)) as { class: string; config: Record<string, unknown> },
      );
      expect(sourceKey).toBe(source.key);
      const report = await copyRecords({
        from: source.store,
        to: target,
        sourceKey,
        batchSize: 500,
        verify: true,
      });
      expect(report.resumed).toBe(true);
      // The resumed pass writes exactly what the killed one had not committed: batches that landed before
      // the watermark covered them (two are written at once) are found in the target and not written again.
      expect(report.fullPass).toBe(total - before);
      expect(report.unchanged).toBeLessThanOrEqual(1000);
      expect(report.verification).toMatchObject({
        ok: true,
        sourceCount: total,
        targetCount: total,
        matched: total,
      });
      expect(await target.count()).toBe(total);
      expect((await readCopyWatermark(target, source.key))?.status).toBe('complete');
    } finally {
      await target.close();
    }
  }, 120_000);
});

describe('parseStoreSpec(text) and storeKey(spec)', () => {
  it.each([
    ['sqlite:./x.db', { kind: 'inline', class: 'sqlite', config: { path: './x.db' } }],
    ['sqlite:///abs/x.db', { kind: 'inline', class: 'sqlite', config: { path: '/abs/x.db' } }],
    ['sqlite::memory:', { kind: 'inline', class: 'sqlite', config: { path: ':memory:' } }],
    [
      'postgres://app:pw@db:5432/prod',
      { kind: 'inline', class: 'postgresql', config: { url: 'postgres://app:pw@db:5432/prod' } },
    ],
    [
      'postgresql://db/prod',
      { kind: 'inline', class: 'postgresql', config: { url: 'postgresql://db/prod' } },
    ],
    ['memory:', { kind: 'inline', class: 'memory', config: {} }],
    ['memory:{"batch_size":5}', { kind: 'inline', class: 'memory', config: { batch_size: 5 } }],
    ['MemoryStorageBackend:{}', { kind: 'inline', class: 'memory', config: {} }],
    ['production', { kind: 'named', name: 'production' }],
  ])('parseStoreSpec(%j)', async (text, expected) => {
    expect(await parseStoreSpec(text)).toEqual(expected);
  });

  it('refuses empty and unreadable forms, listing the inline forms the registered backends offer', async () => {
    const empty = await parseStoreSpec('').catch((error: Error) => error.message);
    expect(empty).toMatch(/^A store must be given inline as <scheme>:<location> \(.*\) or as the name/);
    for (const form of ['sqlite:', 'postgres:', 'memory:']) expect(empty).toContain(form);
    await expect(parseStoreSpec('sqlite:')).rejects.toThrow(/names no file/);
    await expect(parseStoreSpec('mysql://root:secret@x/db')).rejects.toThrow(
      /no registered backend claims "mysql:"/,
    );
    await expect(parseStoreSpec('mysql://root:secret@x/db')).rejects.not.toThrow(/secret/);
    await expect(parseStoreSpec('memory:{"batch_size":')).rejects.toThrow(/is not valid JSON/);
    await expect(parseStoreSpec('memory:{}x')).rejects.toThrow(/is not valid JSON/);
    await expect(parseStoreSpec('nosuch:{"a":1}')).rejects.toThrow(/Unknown storage class "nosuch"/);
  });

  it('gives one key per store from the backend identity, without credentials', async () => {
    expect(await storeKey({ class: 'sqlite', config: { path: './x.db' } })).toBe(`sqlite:${resolve('x.db')}`);
    expect(await storeKey({ class: 'sqlite', config: { path: resolve('x.db') } })).toBe(
      `sqlite:${resolve('x.db')}`,
    );
    const key = await storeKey({
      class: 'postgresql',
      config: { url: 'postgres://app:s3cret@db:6432/prod' },
    });
    expect(key).toBe('postgresql://db:6432/prod?schema=public');
  });

  it('without an identity capability: the class name and a digest of the config without tuning keys', async () => {
    const key = await storeKey({ class: 'memory', config: {} });
    expect(key).toMatch(/^memory:[0-9a-f]{16}$/);
    // Tuning keys (TTL, batch size, ...) do not move the data: same key.
    expect(await storeKey({ class: 'memory', config: { batch_size: 7, compression_enabled: true } })).toBe(
      key,
    );
  });
});
