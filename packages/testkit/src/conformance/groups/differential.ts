import { ManualClock, MemoryStorageBackend, type StorageBackend } from '@recordstore/core';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { filter, listOptions, record, stringFilter, stringRecord, toRecords } from '../arbitraries.js';
import { collect, type Harness, idsOf, START, sortedIds } from '../harness.js';

// A guard against hangs, not a speed limit: 100 runs on a distributed cluster of a busy 2-core machine
// took over two minutes.
const PROPERTY_TIMEOUT_MS = 600_000;

type Outcome = { ok: true; value: unknown } | { ok: false; kind: string; message: string };

async function outcome(fn: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    const e = error as { kind?: string; name?: string; message?: string };
    return {
      ok: false,
      kind: e.name === 'StorageError' ? (e.kind ?? '?') : `untyped ${e.name}`,
      message: String(e.message),
    };
  }
}

/** Runs one query on both stores: the same results, or the same kind of typed error. */
async function same(
  what: string,
  reference: () => Promise<unknown>,
  tested: () => Promise<unknown>,
): Promise<void> {
  const expected = await outcome(reference);
  const actual = await outcome(tested);
  if (expected.ok) {
    expect(actual, `${what}: the reference answered, the backend failed`).toMatchObject({ ok: true });
    expect((actual as { value: unknown }).value, what).toEqual(expected.value);
  } else {
    expect(actual.ok, `${what}: the reference refused (${expected.message}), the backend answered`).toBe(
      false,
    );
    expect((actual as { kind: string }).kind, `${what}: ${(actual as { message: string }).message}`).toBe(
      expected.kind,
    );
  }
}

async function clear(store: StorageBackend): Promise<void> {
  await store.deleteMany({});
  await store.cleanupExpired();
}

/** Random records and random filters: the backend must answer exactly as the in-memory reference does. */
export function differentialGroup(h: Harness): void {
  describe('differential (property-based, against the reference)', () => {
    it(
      'list/count/stream(random filter, random order and window) equal the reference on random records',
      async () => {
        const clock = new ManualClock(START);
        const { store } = await h.open({ clock });
        const reference = new MemoryStorageBackend({}, { clock });
        await reference.connect();
        const seed = Number(process.env.RECORDSTORE_PROPERTY_SEED);
        try {
          await fc.assert(
            fc.asyncProperty(
              fc.array(record, { maxLength: 12 }),
              fc.array(fc.tuple(filter, listOptions), { minLength: 1, maxLength: 4 }),
              async (generated, queries) => {
                clock.set(START);
                await clear(store);
                await clear(reference);
                const records = toRecords(generated);
                await reference.saveMany(records);
                await store.saveMany(records);
                for (const [f, options] of queries) {
                  const label = JSON.stringify(f);
                  await same(
                    `list(${label})`,
                    async () => sortedIds(await reference.list(f)),
                    async () => sortedIds(await store.list(f)),
                  );
                  await same(
                    `count(${label})`,
                    () => reference.count(f),
                    () => store.count(f),
                  );
                  await same(
                    `list(${label}, ${JSON.stringify(options)})`,
                    async () => idsOf(await reference.list(f, options)),
                    async () => idsOf(await store.list(f, options)),
                  );
                }
                const [f] = queries[0]!;
                await same(
                  `stream(${JSON.stringify(f)}, { batchSize: 2 })`,
                  async () => idsOf(await collect(reference.stream(f, { batchSize: 2 }))),
                  async () => idsOf(await collect(store.stream(f, { batchSize: 2 }))),
                );
              },
            ),
            { numRuns: h.propertyRuns, ...(Number.isInteger(seed) ? { seed } : {}) },
          );
        } finally {
          await reference.close();
        }
      },
      PROPERTY_TIMEOUT_MS,
    );

    it(
      'list(string filter, { orderBy: type }) equals the reference on unicode edge cases',
      async () => {
        const clock = new ManualClock(START);
        const { store } = await h.open({ clock });
        const reference = new MemoryStorageBackend({}, { clock });
        await reference.connect();
        try {
          await fc.assert(
            fc.asyncProperty(
              fc.array(stringRecord, { minLength: 1, maxLength: 12 }),
              fc.array(stringFilter, { minLength: 1, maxLength: 6 }),
              async (generated, filters) => {
                await clear(store);
                await clear(reference);
                const records = generated.map((g, i) => ({
                  id: `r${String(i).padStart(2, '0')}`,
                  ...(g.s === null ? {} : { s: g.s }),
                  ...(g.type === null ? {} : { type: g.type }),
                }));
                await reference.saveMany(records);
                await store.saveMany(records);
                for (const f of filters) {
                  const label = JSON.stringify(f);
                  await same(
                    `list(${label})`,
                    async () => sortedIds(await reference.list(f)),
                    async () => sortedIds(await store.list(f)),
                  );
                }
                for (const orderBy of ['type', '-type']) {
                  await same(
                    `list({}, { orderBy: ${orderBy} })`,
                    async () => idsOf(await reference.list({}, { orderBy })),
                    async () => idsOf(await store.list({}, { orderBy })),
                  );
                }
              },
            ),
            { numRuns: h.propertyRuns },
          );
        } finally {
          await reference.close();
        }
      },
      PROPERTY_TIMEOUT_MS,
    );

    it(
      'load(id) of every random record equals the reference, data and reserved keys',
      async () => {
        const clock = new ManualClock(START);
        const { store } = await h.open({ clock });
        const reference = new MemoryStorageBackend({}, { clock });
        await reference.connect();
        try {
          await fc.assert(
            fc.asyncProperty(fc.array(record, { maxLength: 8 }), async (generated) => {
              await clear(store);
              await clear(reference);
              const records = toRecords(generated);
              await reference.saveMany(records);
              await store.saveMany(records);
              for (const r of records) {
                expect(await store.load(r.id as string)).toEqual(await reference.load(r.id as string));
              }
            }),
            { numRuns: Math.max(10, Math.ceil(h.propertyRuns / 4)) },
          );
        } finally {
          await reference.close();
        }
      },
      PROPERTY_TIMEOUT_MS,
    );
  });
}
