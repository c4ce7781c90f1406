import { randomBytes } from 'node:crypto';
import {
  type BackendCapabilities,
  type Clock,
  ManualClock,
  type StorageBackend,
  type StorageErrorKind,
  type StoredRecord,
} from '@recordstore/core';
import { expect } from 'vitest';
import type { ConformanceOptions } from './types.js';

/** The instant every test's clock starts at, unless it says otherwise. */
export const START = Date.UTC(2030, 0, 1, 12, 0, 0);

/** What a test asks of {@link Harness.open}. */
export interface OpenOptions {
  config?: Record<string, unknown>;
  clock?: Clock;
  /** Reuse a store (close and reopen); default a fresh one. */
  storeKey?: string;
}

/** An opened store together with what it was opened with. */
export interface OpenedStore {
  store: StorageBackend;
  clock: ManualClock;
  storeKey: string;
  capabilities: BackendCapabilities;
}

/**
 * Opens stores for the tests of one suite and closes and discards them after each test, so every test
 * starts from an empty store and a test that fails half way leaks nothing into the next.
 */
export class Harness {
  readonly options: ConformanceOptions;
  #open: StorageBackend[] = [];
  #keys = new Set<string>();

  constructor(options: ConformanceOptions) {
    this.options = options;
  }

  /** A key naming a new, empty store. */
  newStoreKey(): string {
    return `cs_${randomBytes(8).toString('hex')}`;
  }

  /** Creates a backend through the factory WITHOUT connecting it; it is closed after the test. */
  async create(
    options: OpenOptions = {},
  ): Promise<{ store: StorageBackend; storeKey: string; clock: Clock }> {
    const storeKey = options.storeKey ?? this.newStoreKey();
    const clock = options.clock ?? new ManualClock(START);
    // Keep the cleanup timer out of the way: tests call cleanupExpired() themselves.
    const config = { cleanup_interval_seconds: 0, ...options.config };
    this.#keys.add(storeKey);
    const store = await this.options.createBackend({ config, clock, storeKey });
    this.#open.push(store);
    return { store, storeKey, clock };
  }

  /** Creates and connects a backend on a fresh store (or the store named by `storeKey`). */
  async open(options: OpenOptions & { clock?: ManualClock } = {}): Promise<OpenedStore> {
    const clock = options.clock ?? new ManualClock(START);
    const { store, storeKey } = await this.create({ ...options, clock });
    await store.connect();
    return { store, clock, storeKey, capabilities: this.capabilitiesOf(store) };
  }

  /** The backend's capabilities with the suite's overrides applied. */
  capabilitiesOf(store: StorageBackend): BackendCapabilities {
    return { ...store.capabilities, ...this.options.capabilities };
  }

  /** Runs of each property-based test. */
  get propertyRuns(): number {
    const fromEnv = Number(process.env.RECORDSTORE_PROPERTY_RUNS);
    if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
    return this.options.propertyRuns ?? 100;
  }

  /** Closes every store the test opened, then lets the factory discard them. */
  async teardown(): Promise<void> {
    const open = this.#open.splice(0);
    const keys = [...this.#keys];
    this.#keys.clear();
    const failures: unknown[] = [];
    for (const store of open.reverse()) {
      await store.close().catch((error: unknown) => failures.push(error));
    }
    for (const key of keys) {
      try {
        await this.options.cleanup?.(key);
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) {
      throw new AggregateError(failures, `${this.options.name}: closing or cleaning up a store failed`);
    }
  }
}

/** The ids of records, in order. */
export function idsOf(records: readonly { id: string }[]): string[] {
  return records.map((r) => r.id);
}

/** The ids of records, sorted (for set comparisons). */
export function sortedIds(records: readonly { id: string }[]): string[] {
  return idsOf(records).sort();
}

/** Everything a store holds that a caller can see, to prove a failed call changed nothing. */
export async function snapshot(store: StorageBackend): Promise<{ count: number; records: StoredRecord[] }> {
  return {
    count: await store.count(),
    records: await store.list({}, { orderBy: 'id' }),
  };
}

/** Freezes an object and everything reachable from it, so any write to it throws. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
  }
  return value;
}

interface StorageErrorLike extends Error {
  kind: StorageErrorKind;
  path?: string;
}

/**
 * Awaits a call that must fail with a StorageError of `kind` whose message names `culprit`. Checks the
 * error by shape rather than `instanceof`, so an adapter bundling its own copy of core still passes.
 */
export async function expectStorageError(
  call: Promise<unknown> | (() => unknown),
  kind: StorageErrorKind,
  culprit?: string | RegExp,
): Promise<StorageErrorLike> {
  let error: unknown;
  let resolved = false;
  try {
    await (typeof call === 'function' ? call() : call);
    resolved = true;
  } catch (e) {
    error = e;
  }
  if (resolved) throw new Error(`expected a StorageError of kind '${kind}', but the call succeeded`);
  expect(error, `expected a StorageError, got ${String(error)}`).toBeInstanceOf(Error);
  const e = error as StorageErrorLike;
  expect(e.name, `expected a StorageError, got ${e.name}: ${e.message}`).toBe('StorageError');
  expect(e.kind, `wrong kind for: ${e.message}`).toBe(kind);
  if (culprit !== undefined) {
    if (typeof culprit === 'string') expect(e.message).toContain(culprit);
    else expect(e.message).toMatch(culprit);
  }
  return e;
}

/** Drains an async iterable into an array. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Shows a filter compactly in a test name. */
export function show(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    // JSON already escapes C0 controls; U+FFFF is invisible in a test name.
    if (typeof v === 'string') return v.replaceAll('\uffff', '\\uffff');
    if (typeof v === 'bigint') return `${v}n`;
    if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
    return v;
  });
}
