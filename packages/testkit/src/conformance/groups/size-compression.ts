import type { Filter, RecordInput } from '@recordstore/core';
import { describe, expect, it } from 'vitest';
import { collect, expectStorageError, type Harness, snapshot } from '../harness.js';

const MB = 1024 * 1024;

/** Big records with compressible and incompressible parts, and small ones that stay under the threshold. */
function corpus(): RecordInput[] {
  const records: RecordInput[] = [];
  for (let i = 0; i < 12; i++) {
    records.push({
      id: `big${i}`,
      type: i % 2 === 0 ? 'doc' : 'note',
      session_id: `s${i % 3}`,
      metadata: { source: i % 2 === 0 ? 'web' : 'cli', size: i * 100 },
      n: i,
      title: `Title ${i} 😀 中文`,
      body: `lorem ipsum ${i} `.repeat(200 + i * 50),
      tags: [`t${i % 4}`, 'common'],
      nested: {
        deep: { value: i * 1.5, flag: i % 3 === 0 },
        list: Array.from({ length: 50 }, (_, j) => j * i),
      },
    });
  }
  records.push({ id: 'small1', n: 100, title: 'tiny', tags: ['common'] });
  records.push({ id: 'small2', n: -1, title: 'Tiny', type: 'doc' });
  return records;
}

const FILTERS: Filter[] = [
  {},
  { n: { $gte: 5 } },
  { type: 'doc' },
  { 'metadata.source': 'web' },
  { title: { $like: 'Title 1%' } },
  { title: { $ilike: 'tiny' } },
  { body: { $like: '%ipsum 7 %' } },
  { tags: 't1' },
  { tags: 'common', n: { $lt: 6 } },
  { 'nested.deep.flag': true },
  { 'nested.deep.value': { $gt: 9 } },
  { $or: [{ session_id: 's1' }, { n: 100 }] },
  { $not: { 'nested.deep': { $exists: true } } },
];

/** Records near the size limits, and compression on and off giving identical results. */
export function sizeAndCompressionGroup(h: Harness): void {
  describe('size and compression', () => {
    it('save(record) of a 5 MB record round-trips exactly', async (ctx) => {
      const { store, capabilities } = await h.open();
      ctx.skip(capabilities.maxRecordBytes < 6 * MB, 'the backend accepts records under 6 MB only');
      const chunk = 'abcdefghij😀中文'.repeat(1024);
      const record = {
        id: 'five-mb',
        blob: chunk.repeat(Math.ceil((5 * MB) / (chunk.length * 2))).slice(0, (5 * MB) / 2),
        list: Array.from({ length: 10_000 }, (_, i) => ({ i, s: `item ${i}` })),
      };
      await store.save(record);
      const loaded = await store.load('five-mb');
      expect(loaded?.blob).toBe(record.blob);
      expect(loaded?.list).toEqual(record.list);
      expect(await store.count({ 'list.i': 5 })).toBe(0);
      expect(await store.count({ blob: { $like: 'abcdefghij%' } })).toBe(1);
    });

    it('save(record) above max_record_bytes is refused with kind validation and stores nothing', async () => {
      const { store } = await h.open({ config: { max_record_bytes: 1000 } });
      await store.save({ id: 'fits', text: 'x'.repeat(900) });
      const before = await snapshot(store);
      await expectStorageError(
        store.save({ id: 'big', text: 'x'.repeat(1001) }),
        'validation',
        'max_record_bytes',
      );
      await expectStorageError(
        store.save({ id: 'fits', text: 'x'.repeat(1001) }),
        'validation',
        'max_record_bytes',
      );
      await expectStorageError(
        store.saveMany([{ id: 'ok' }, { id: 'big', metadata: { text: 'y'.repeat(1001) } }]),
        'validation',
        'records[1]',
      );
      expect(await snapshot(store)).toEqual(before);
    });

    it('compression on and off give identical load/list/count/stream results, filters included', async () => {
      const plain = await h.open({ config: { compression_enabled: false } });
      const packed = await h.open({ config: { compression_enabled: true, compression_threshold: 64 } });
      const records = corpus();
      await plain.store.saveMany(records);
      await packed.store.saveMany(records);
      for (const record of records) {
        expect(await packed.store.load(record.id as string)).toEqual(
          await plain.store.load(record.id as string),
        );
      }
      for (const filter of FILTERS) {
        const expected = await plain.store.list(filter, { orderBy: 'id' });
        expect(await packed.store.list(filter, { orderBy: 'id' }), JSON.stringify(filter)).toEqual(expected);
        expect(await packed.store.count(filter)).toBe(expected.length);
      }
      expect(await collect(packed.store.stream({ type: 'doc' }, { batchSize: 2 }))).toEqual(
        await collect(plain.store.stream({ type: 'doc' }, { batchSize: 2 })),
      );
      // Updates of a compressed record read it back, merge and write it again.
      await packed.store.update('big3', { extra: 'yes', n: 33 });
      await plain.store.update('big3', { extra: 'yes', n: 33 });
      expect(await packed.store.load('big3')).toEqual(await plain.store.load('big3'));
      expect(await packed.store.count({ extra: 'yes', n: 33 })).toBe(1);
      expect(await packed.store.deleteMany({ 'metadata.source': 'cli' })).toBe(6);
    });

    it('save(record) with compression on round-trips records just under and over the threshold', async () => {
      const { store } = await h.open({ config: { compression_enabled: true, compression_threshold: 64 } });
      for (const size of [0, 40, 63, 64, 65, 200, 5000]) {
        const record = { id: `s${size}`, text: 'é'.repeat(size), n: size };
        await store.save(record);
        expect(await store.load(record.id)).toMatchObject(record);
        expect(await store.count({ text: record.text })).toBe(1);
      }
    });
  });
}
