import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type CopyWatermark,
  copyRecords,
  createBackup,
  defineBackend,
  isStorageError,
  MemoryDriver,
  MemoryStorageBackend,
  memoryConfigSchema,
  type RecordInput,
  readCopyWatermark,
  type StorageBackend,
  StorageRuntime,
  watermarkKey,
} from '../src/index.js';

/**
 * Copy state kept in the target's `meta` capability, never among its records; a full copy that writes each
 * record once plus what changed while it ran; targets without meta storage.
 */

const tmp = mkdtempSync(join(tmpdir(), 'rs-copy-meta-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const OLD = Date.UTC(2024, 0, 1);

function records(count: number): RecordInput[] {
  return Array.from({ length: count }, (_, n) => ({
    id: `r-${String(n).padStart(4, '0')}`,
    type: n % 2 === 0 ? 'message' : 'event',
    session_id: `s-${n % 7}`,
    created_at: new Date(OLD + n * 1000),
    updated_at: new Date(OLD + n * 1000 + 500),
    n,
    ...(n % 3 === 0 ? { metadata: { source: 'web' } } : {}),
  }));
}

async function memoryWith(count: number): Promise<MemoryStorageBackend> {
  const store = new MemoryStorageBackend();
  await store.connect();
  if (count > 0) await store.saveMany(records(count), { preserveTimestamps: true });
  return store;
}

/** A memory driver that offers no capability at all: a third-party backend without meta storage (named `memory`). */
class NoMetaDriver extends MemoryDriver {
  override readonly offers = {};
}
const noMetaBackend = defineBackend({
  name: 'nometa',
  configSchema: memoryConfigSchema,
  createDriver: (_config, context) => new NoMetaDriver(context.settings),
});

async function noMetaStore(): Promise<StorageBackend> {
  const store = new StorageRuntime(noMetaBackend);
  await store.connect();
  return store;
}

async function collect(store: StorageBackend): Promise<string[]> {
  const ids: string[] = [];
  for await (const record of store.stream()) ids.push(record.id);
  return ids;
}

describe('copyRecords keeps its watermark in the target meta capability', () => {
  it('list, count, stream, backups and verify see the copied records only', async () => {
    const source = await memoryWith(250);
    const target = await memoryWith(0);
    const report = await copyRecords({
      from: source,
      to: target,
      sourceKey: 'src',
      batchSize: 100,
      verify: true,
    });
    expect(report).toMatchObject({ mode: 'full', resumable: true, written: 250, fullPass: 250 });
    expect(report.verification).toMatchObject({ ok: true, sourceCount: 250, targetCount: 250 });
    expect(await target.count()).toBe(250);
    expect(await target.list({}, { limit: 1000 })).toHaveLength(250);
    expect(await collect(target)).toHaveLength(250);
    expect(await target.count({ id: { $like: '%copy%' } })).toBe(0);
    const backup = await createBackup(target, join(tmp, 'after-copy'));
    expect(backup.manifest.record_count).toBe(250);

    // The state is a value of the meta capability, under a key derived from the source key.
    const stored = await target.capability('meta')?.get(watermarkKey('src'));
    expect(JSON.parse(stored ?? 'null')).toMatchObject({ source: 'src', status: 'complete' });
    expect(await readCopyWatermark(target, 'src')).toMatchObject({
      key: watermarkKey('src'),
      status: 'complete',
      phase: 'incremental',
    });
  });

  it('a full copy into an empty target writes each record once, plus what changed while it ran', async () => {
    const source = await memoryWith(300);
    const target = await memoryWith(0);
    let changed = false;
    // The source as the copy sees it: after the first page is read, one record of that page changes.
    const from = {
      name: source.name,
      count: (filter) => source.count(filter),
      list: async (filter, options) => {
        const page = await source.list(filter, options);
        if (!changed && page.length > 0) {
          changed = true;
          await source.update('r-0001', { edited: true });
        }
        return page;
      },
    } as Pick<StorageBackend, 'name' | 'count' | 'list'> as StorageBackend;
    let saved = 0;
    const originalSaveMany = target.saveMany.bind(target);
    target.saveMany = async (batch, options) => {
      saved += batch.length;
      return originalSaveMany(batch, options);
    };
    const report = await copyRecords({ from, to: target, sourceKey: 'busy', batchSize: 100 });
    // 300 by id, then the catch-up finds the one record changed during the copy and writes it again.
    expect(report).toMatchObject({ fullPass: 300, incrementalPass: 1, written: 301, unchanged: 0 });
    expect(saved).toBe(301);
    expect((await target.load('r-0001'))?.edited).toBe(true);
  });

  it('writes two batches of the full pass at once; a failed batch stops the copy with the watermark before it', async () => {
    const source = await memoryWith(1000);
    const target = await memoryWith(0);
    let inFlight = 0;
    let most = 0;
    let started = 0;
    const originalSaveMany = target.saveMany.bind(target);
    target.saveMany = async (batch, options) => {
      const n = ++started;
      inFlight++;
      most = Math.max(most, inFlight);
      try {
        // Later batches finish first: the watermark must still advance in id order.
        await new Promise((resolve) => setTimeout(resolve, n % 2 === 1 ? 30 : 5));
        if (n === 5) throw new Error('batch 5 refused');
        return await originalSaveMany(batch, options);
      } finally {
        inFlight--;
      }
    };
    const error = await copyRecords({ from: source, to: target, sourceKey: 'pipe', batchSize: 100 }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toContain('batch 5 refused');
    expect(most).toBe(2);
    // Batches 1-4 are covered by the watermark; batch 6 (in flight beside 5) may have landed, nothing later.
    const mark = await readCopyWatermark(target, 'pipe');
    expect(mark).toMatchObject({ status: 'running', phase: 'full', fullAfterId: 'r-0399' });
    expect(started).toBe(6);
    expect(await target.count()).toBe(500);
    // The resumed run writes what is missing and finds batch 6 already there.
    target.saveMany = originalSaveMany;
    const report = await copyRecords({ from: source, to: target, sourceKey: 'pipe', batchSize: 100 });
    expect(report).toMatchObject({ resumed: true, fullPass: 500, unchanged: 100 });
    expect(await target.count()).toBe(1000);
  });

  it('a run whose watermark trails the records by a batch writes nothing twice', async () => {
    const source = await memoryWith(300);
    const target = await memoryWith(0);
    await copyRecords({ from: source, to: target, sourceKey: 'k', batchSize: 100 });
    // As if killed after writing the second batch but before storing its watermark.
    const meta = target.capability('meta')!;
    const mark = (await readCopyWatermark(target, 'k')) as CopyWatermark;
    await meta.set(
      mark.key,
      JSON.stringify({
        source: 'k',
        phase: 'full',
        status: 'running',
        fullAfterId: 'r-0099',
        fullStartedAt: Date.now(),
        positionUpdatedAt: null,
        positionId: null,
        completedAt: null,
      }),
    );
    const report = await copyRecords({
      from: source,
      to: target,
      sourceKey: 'k',
      batchSize: 100,
      verify: true,
    });
    expect(report).toMatchObject({ resumed: true, mode: 'full', written: 0, unchanged: 200 });
    expect(report.verification?.ok).toBe(true);
  });

  it('restart: true ignores an interrupted run and starts over', async () => {
    const source = await memoryWith(50);
    const target = await memoryWith(0);
    await copyRecords({ from: source, to: target, sourceKey: 'k' });
    const report = await copyRecords({ from: source, to: target, sourceKey: 'k', restart: true });
    expect(report).toMatchObject({ resumed: false, mode: 'full', written: 0, unchanged: 50 });
  });
});

describe('copyRecords into a target without the meta capability', () => {
  it('plain copies work and keep no state', async () => {
    const source = await memoryWith(120);
    const target = await noMetaStore();
    const report = await copyRecords({ from: source, to: target, batchSize: 50, verify: true });
    expect(report).toMatchObject({ resumable: false, resumed: false, mode: 'full', written: 120 });
    expect(report.verification?.ok).toBe(true);
    expect(await target.count()).toBe(120);
    expect(await readCopyWatermark(target, source.name)).toBeNull();
    // Run again: nothing to resume, a full pass that finds everything in place.
    const again = await copyRecords({ from: source, to: target });
    expect(again).toMatchObject({ resumed: false, written: 0, unchanged: 120 });
  });

  it('incremental copies are refused with an unsupported error naming the capability', async () => {
    const source = await memoryWith(10);
    const target = await noMetaStore();
    const error = await copyRecords({ from: source, to: target, incremental: true }).catch((e: unknown) => e);
    expect(isStorageError(error)).toBe(true);
    expect(error).toMatchObject({ kind: 'unsupported', backend: 'memory' });
    expect((error as Error).message).toMatch(
      /copy --incremental.*the memory backend does not offer the "meta" capability/,
    );
    expect(await target.count()).toBe(0);
  });
});

describe('the memory backend meta capability', () => {
  it('get, set and delete values beside the records, never among them', async () => {
    const store = await memoryWith(3);
    const meta = store.capability('meta')!;
    expect(await meta.get('a')).toBeNull();
    await meta.set('a', 'one');
    await meta.set('a', 'two');
    expect(await meta.get('a')).toBe('two');
    expect(await store.count()).toBe(3);
    expect(await meta.delete('a')).toBe(true);
    expect(await meta.delete('a')).toBe(false);
    expect(await meta.get('a')).toBeNull();
  });
});
