import {
  type Filter,
  ManualClock,
  MemoryStorageBackend,
  type RecordInput,
  type StorageBackend,
} from '@recordstore/core';
import * as fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type Harness, idsOf, START, sortedIds } from '../harness.js';

/**
 * Fuzzing with malformed input: random filters and records built from operators, hostile keys and
 * hostile values, valid or not. Whatever comes in, a backend must answer as the in-memory reference
 * does (the same results, or a typed error of the same kind), never throw anything but a StorageError,
 * and never let a database syntax or name error out (SQLSTATE class 42 means SQL was built from input).
 */

/** Keys a filter or record may use: fields, reserved columns, operators, and keys meant to break SQL. */
const KEYS = [
  'n',
  's',
  'tags',
  'a.b',
  'metadata.m',
  'type',
  'id',
  'session_id',
  'created_at',
  'expires_at',
  '$and',
  '$or',
  '$not',
  '$in',
  '$nin',
  '$eq',
  '$ne',
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$like',
  '$ilike',
  '$exists',
  '$regex',
  '$where',
  "n'; DROP TABLE storage_records; --",
  'a"b',
  'a\\b',
  '%',
  '_',
  '..',
  '',
  ' ',
  'constructor',
  'toString',
  'a.0',
  '0',
  'ключ',
  '🔑',
  'a'.repeat(300),
];

const HOSTILE_STRINGS = [
  "'",
  "' OR '1'='1",
  "'; DELETE FROM storage_records; --",
  '$1',
  '?',
  '\\',
  '%',
  '_',
  '%_\\%',
  '"',
  '$$',
  '::jsonb',
  ')',
  '/*',
  '{"a":1}',
  'null',
  '\u00a0',
  '\uFFFF',
  '😀',
  'x'.repeat(5000),
];

const scalar = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.string({ maxLength: 8 }),
  fc.integer({ min: -5, max: 5 }),
  fc.double({ noNaN: false, noDefaultInfinity: false }),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.constantFrom(10n, Symbol('s'), () => 1, new Date(0), new Map()),
);

/** Values of any shape, valid as filter operands or not. */
const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('v'), { maxKeys: 3 }),
  ),
})).v;

/** A random, often malformed, filter: an object of hostile keys to hostile values, or no object at all. */
const fuzzFilter: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 4 }) },
  { weight: 1, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(value, { maxLength: 3 }) },
);

/** A random, often malformed, record. */
const fuzzRecord: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 5 }) },
  { weight: 1, arbitrary: scalar },
);

/** Sane records for the stores to hold while filters are thrown at them. */
const BASE: RecordInput[] = [
  { id: 'f1', n: 1, s: 'a', tags: ['x', 1], a: { b: 1 }, type: 't1', metadata: { m: 'q' } },
  { id: 'f2', n: 2.5, s: "' OR '1'='1", tags: [], a: { b: 'x' }, type: 't2' },
  { id: 'f3', n: -3, s: '%_\\%', a: null, session_id: 's1' },
  { id: 'f4', s: 'ключ', 'a.b': 4, '0': 'zero', "n'; DROP TABLE storage_records; --": 1 },
  { id: 'f5', n: null, tags: ['y'], metadata: { m: null } },
];

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

async function outcome(fn: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Fails when a rejection is not a StorageError, or shows that SQL was built from the input. */
function expectClean(what: string, result: Outcome): void {
  if (result.ok) return;
  const e = result.error as { name?: string; kind?: string; message?: string; code?: string };
  expect(e?.name, `${what}: untyped ${String(e?.name)}: ${String(e?.message)}`).toBe('StorageError');
  const message = String(e.message);
  expect(message, `${what}: a syntax error leaked`).not.toMatch(/syntax error|SQLITE_ERROR|SQLSTATE 42/i);
  expect(String(e.code ?? ''), `${what}: ${message}`).not.toMatch(/^42/);
  expect(e.kind, `${what}: ${message}`).not.toBe('internal');
}

function compare(what: string, expected: Outcome, actual: Outcome): void {
  expectClean(what, actual);
  if (expected.ok) {
    expect(actual, `${what}: the reference answered, the backend failed`).toMatchObject({ ok: true });
    expect((actual as { value: unknown }).value, what).toEqual(expected.value);
  } else {
    const want = (expected.error as { kind?: string }).kind;
    expect(actual.ok, `${what}: the reference refused (${String((expected.error as Error).message)})`).toBe(
      false,
    );
    expect((actual as { error: { kind?: string } }).error.kind, what).toBe(want);
  }
}

const label = (v: unknown) => {
  try {
    return (JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x)) ?? String(v)).slice(0, 200);
  } catch {
    return String(v);
  }
};

/** Cases run per backend, reported once at the end (the README quotes them). */
const counts = new Map<string, number>();

/** Random malformed filters and records against the reference: typed errors only, equal results. */
export function fuzzGroup(h: Harness): void {
  describe('fuzz (malformed filters and records, against the reference)', () => {
    const name = h.options.name;
    const count = (n = 1) => counts.set(name, (counts.get(name) ?? 0) + n);
    afterAll(() => {
      console.info(`[fuzz] ${name}: ${counts.get(name) ?? 0} fuzz cases run`);
    });

    it('list/count/deleteMany(random malformed filter) answer like the reference, with typed errors only', async () => {
      const clock = new ManualClock(START);
      const { store } = await h.open({ clock });
      const reference = new MemoryStorageBackend({}, { clock });
      await reference.connect();
      await store.saveMany(BASE);
      await reference.saveMany(BASE);
      try {
        await fc.assert(
          fc.asyncProperty(fc.array(fuzzFilter, { minLength: 1, maxLength: 4 }), async (filters) => {
            for (const f of filters) {
              const what = label(f);
              compare(
                `list(${what})`,
                await outcome(async () => sortedIds(await reference.list(f as Filter))),
                await outcome(async () => sortedIds(await store.list(f as Filter))),
              );
              compare(
                `count(${what})`,
                await outcome(() => reference.count(f as Filter)),
                await outcome(() => store.count(f as Filter)),
              );
              compare(
                `list(${what}, { orderBy: '-n' })`,
                await outcome(async () =>
                  idsOf(await reference.list(f as Filter, { orderBy: ['-type', 'id'] })),
                ),
                await outcome(async () => idsOf(await store.list(f as Filter, { orderBy: ['-type', 'id'] }))),
              );
              count(3);
            }
            // A destructive call too, inside a transaction that is rolled back, so the data stays.
            const f = filters[0];
            const rollback = new Error('rollback');
            const deleted = async (s: StorageBackend) => {
              let n: unknown;
              await s
                .transaction(async (tx) => {
                  n = await tx.deleteMany(f as Filter);
                  throw rollback;
                })
                .catch((error: unknown) => {
                  if (error !== rollback) throw error;
                });
              return n;
            };
            compare(
              `deleteMany(${label(f)})`,
              await outcome(() => deleted(reference)),
              await outcome(() => deleted(store)),
            );
            count();
            expect(await store.count()).toBe(BASE.length);
          }),
          { numRuns: h.propertyRuns },
        );
      } finally {
        await reference.close();
      }
    }, 180_000);

    it('save(random malformed record) stores what the reference stores and refuses what it refuses', async () => {
      const clock = new ManualClock(START);
      const { store } = await h.open({ clock });
      const reference = new MemoryStorageBackend({}, { clock });
      await reference.connect();
      try {
        await fc.assert(
          fc.asyncProperty(fc.array(fuzzRecord, { minLength: 1, maxLength: 4 }), async (records) => {
            // Records without an id get a fixed one: generated ids differ between two stores.
            const withIds = records.map((r, i) =>
              r !== null && typeof r === 'object' && !Array.isArray(r) && (r as { id?: unknown }).id == null
                ? { ...(r as object), id: `z${i}` }
                : r,
            );
            for (const withId of withIds) {
              const what = `save(${label(withId)})`;
              const expected = await outcome(() => reference.save(withId as RecordInput));
              const actual = await outcome(() => store.save(withId as RecordInput));
              compare(what, expected, actual);
              count();
              if (expected.ok && actual.ok) {
                const id = expected.value as string;
                expect(await store.load(id), `load after ${what}`).toEqual(await reference.load(id));
              }
            }
            compare(
              `saveMany(${records.length} random records)`,
              await outcome(() => reference.saveMany(withIds as RecordInput[])),
              await outcome(() => store.saveMany(withIds as RecordInput[])),
            );
            count();
            expect(sortedIds(await store.list())).toEqual(sortedIds(await reference.list()));
          }),
          { numRuns: h.propertyRuns },
        );
      } finally {
        await reference.close();
      }
    }, 180_000);
  });
}
