import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  copyRecords,
  createBackup,
  createStorage,
  MemoryStorageBackend,
  type RecordInput,
  restoreBackup,
  type StorageBackend,
} from '../src/index.js';
import { memoryBackendWithBulkImport } from './helpers/bulk-memory-backend.js';

/**
 * copyRecords, restoreBackup and the bulk path's optional prepareLoad: asked for on an empty target only,
 * finished once after the last batch (of the copy's full pass: before the catch-up pass), and finished also
 * when a batch fails.
 */

/** The memory driver offering a bulk path with prepareLoad, logging what is called, in order. */
async function loadingTarget(options: { failAtBatch?: number } = {}) {
  const events: string[] = [];
  let batch = 0;
  const backend = memoryBackendWithBulkImport('memory-load', (driver) => ({
    importRows: async (rows, opts) => {
      batch++;
      if (batch === options.failAtBatch) throw new Error(`batch ${batch} refused`);
      events.push(`import ${rows.length}`);
      await driver.rows.upsertRows(rows, opts);
    },
    prepareLoad: async () => {
      events.push('prepare');
      return { finish: async () => void events.push('finish') };
    },
  }));
  const store = await createStorage({ class: backend });
  return { store, events };
}

async function source(count: number): Promise<StorageBackend> {
  const s = new MemoryStorageBackend();
  await s.connect();
  const records: RecordInput[] = Array.from({ length: count }, (_, n) => ({
    id: `r-${String(n).padStart(4, '0')}`,
    created_at: new Date(Date.UTC(2024, 0, 1) + n),
    updated_at: new Date(Date.UTC(2024, 0, 1) + n),
    n,
  }));
  await s.saveMany(records, { preserveTimestamps: true });
  return s;
}

describe('copyRecords with a target that can prepare a load', () => {
  it('prepares an empty target once, before the first batch, and finishes after the last', async () => {
    const { store, events } = await loadingTarget();
    const report = await copyRecords({ from: await source(250), to: store, batchSize: 100 });
    expect(report.written).toBe(250);
    expect(events).toEqual(['prepare', 'import 100', 'import 100', 'import 50', 'finish']);
    expect(await store.count()).toBe(250);
  });

  it('does not prepare a target that already holds records', async () => {
    const { store, events } = await loadingTarget();
    await store.save({ id: 'already-here' });
    await copyRecords({ from: await source(150), to: store, batchSize: 100 });
    expect(events).not.toContain('prepare');
    expect(events).not.toContain('finish');
    expect(await store.count()).toBe(151);
  });

  it('finishes the load when a batch fails, and reports the batch error', async () => {
    const { store, events } = await loadingTarget({ failAtBatch: 2 });
    await expect(copyRecords({ from: await source(250), to: store, batchSize: 100 })).rejects.toThrow(
      /batch 2 refused/,
    );
    expect(events[0]).toBe('prepare');
    expect(events.filter((e) => e === 'finish')).toHaveLength(1);
    expect(events.at(-1)).toBe('finish');
  });

  it('offers prepareLoad on the record-level importer only when the driver has it', async () => {
    const { store } = await loadingTarget();
    expect(typeof store.capability('bulkImport')?.prepareLoad).toBe('function');
    const plain = new MemoryStorageBackend();
    await plain.connect();
    expect(plain.capability('bulkImport')).toBeUndefined();
  });
});

describe('restoreBackup with a target that can prepare a load', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rs-prepare-load-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prepares an empty target (or one it replaces) and finishes after the last batch', async () => {
    const { file } = await createBackup(await source(120), dir, { prefix: 'empty' });
    const { store, events } = await loadingTarget();
    await restoreBackup(file, store, { batchSize: 50 });
    expect(events).toEqual(['prepare', 'import 50', 'import 50', 'import 20', 'finish']);

    const replaced = await loadingTarget();
    await replaced.store.save({ id: 'old' });
    await restoreBackup(file, replaced.store, { mode: 'replace', batchSize: 100 });
    expect(replaced.events).toEqual(['prepare', 'import 100', 'import 20', 'finish']);
    expect(await replaced.store.load('old')).toBeNull();
  });

  it('does not prepare a merge into records, and finishes a failed restore', async () => {
    const { file } = await createBackup(await source(120), dir, { prefix: 'merge' });
    const merged = await loadingTarget();
    await merged.store.save({ id: 'kept' });
    await restoreBackup(file, merged.store, { mode: 'merge', batchSize: 100 });
    expect(merged.events).toEqual(['import 100', 'import 20']);

    const failing = await loadingTarget({ failAtBatch: 2 });
    await expect(restoreBackup(file, failing.store, { batchSize: 50 })).rejects.toThrow(/batch 2 refused/);
    expect(failing.events).toEqual(['prepare', 'import 50', 'finish']);
  });
});
