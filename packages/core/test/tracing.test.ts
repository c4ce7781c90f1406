import { join } from 'node:path';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { SQLiteStorageBackend } from '../../sqlite/dist/index.js';
import {
  copyRecords,
  createBackup,
  createStorage,
  globalTracer,
  isStorageError,
  restoreBackup,
  type SpanTracer,
  type StorageBackend,
} from '../src/index.js';
import { useTempDir } from './helpers/transfer.js';

/**
 * OpenTelemetry spans, read back through the SDK's in-memory exporter: one span per store operation,
 * transaction, backup, restore and copy, with the database semantic-convention attributes, and error
 * status plus `error.type` on failures. Runs on the reference (memory) backend and on a real SQLite file.
 */

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('recordstore-test') as unknown as SpanTracer;
const dir = useTempDir('rs-tracing-');
const open: StorageBackend[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  exporter.reset();
});

/** SpanKind.CLIENT and SpanStatusCode.ERROR of the API. */
const CLIENT = 2;
const ERROR = 2;

const backends: {
  name: string;
  system: string;
  collection: string | undefined;
  open(traced: boolean): Promise<StorageBackend>;
}[] = [
  {
    name: 'memory',
    system: 'memory',
    collection: undefined,
    open: (traced) => createStorage({ class: 'memory' }, traced ? { tracer } : {}),
  },
  {
    name: 'sqlite',
    system: 'sqlite',
    collection: 'records_t',
    open: async (traced) => {
      const store = new SQLiteStorageBackend(
        { path: join(dir.path, `t-${Math.random().toString(36).slice(2)}.db`), table_name: 'records_t' },
        traced ? { tracer: tracer as never } : {},
      ) as unknown as StorageBackend;
      await store.connect();
      return store;
    },
  },
];

function spans(): ReadableSpan[] {
  return exporter.getFinishedSpans();
}

describe.each(backends)('spans on $name', (backend) => {
  async function store(traced = true): Promise<StorageBackend> {
    const s = await backend.open(traced);
    open.push(s);
    exporter.reset();
    return s;
  }

  it('one span per operation, with the database attributes', async () => {
    const s = await store();
    await s.save({ id: 'a', type: 'note', data: { n: 1 } });
    await s.load('a');
    await s.exists('a');
    await s.update('a', { data: { n: 2 } });
    await s.list({ type: 'note' });
    await s.count();
    await s.saveMany([{ id: 'b' }, { id: 'c' }]);
    const streamed: string[] = [];
    for await (const r of s.stream(undefined, { batchSize: 1 })) streamed.push(r.id);
    expect(streamed.sort()).toEqual(['a', 'b', 'c']);
    await s.transaction(async (tx) => {
      await tx.save({ id: 'd' });
      await tx.load('d');
    });
    await s.delete('d');
    await s.deleteMany(['b', 'c']);

    const operations = spans().map((span) => span.attributes['db.operation.name']);
    expect(operations).toEqual([
      'save',
      'load',
      'exists',
      'update',
      'list',
      'count',
      'saveMany',
      'stream',
      'transaction',
      'delete',
      'deleteMany',
    ]);
    for (const span of spans()) {
      const operation = span.attributes['db.operation.name'] as string;
      expect(span.kind).toBe(CLIENT);
      expect(span.name).toBe(backend.collection ? `${operation} ${backend.collection}` : operation);
      expect(span.attributes['db.system.name']).toBe(backend.system);
      expect(span.attributes['db.collection.name']).toBe(backend.collection);
      expect(span.status.code).not.toBe(ERROR);
      expect(span.attributes['error.type']).toBeUndefined();
    }
    if (backend.name === 'sqlite') {
      // The store's credential-free identity: the absolute path of its file.
      expect(spans()[0]!.attributes['db.namespace']).toMatch(/^sqlite:\/.*\.db$/);
    }
  });

  it('a failing operation gives an error span with error.type', async () => {
    const s = await store();
    const error = await s.load('').catch((e: unknown) => e);
    expect(isStorageError(error, 'validation')).toBe(true);
    const failed = await s
      .transaction(async () => {
        throw new TypeError('boom');
      })
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(Error);
    const [load, transaction] = spans();
    expect(load!.attributes['db.operation.name']).toBe('load');
    expect(load!.status.code).toBe(ERROR);
    expect(load!.attributes['error.type']).toBe('validation');
    expect(load!.events.some((e) => e.name === 'exception')).toBe(true);
    expect(transaction!.attributes['db.operation.name']).toBe('transaction');
    expect(transaction!.status.code).toBe(ERROR);
    expect(transaction!.attributes['error.type']).toBeTruthy();
  });

  it('a stream that fails ends its one span with the error', async () => {
    const s = await store();
    await s.saveMany([{ id: 'x1' }, { id: 'x2' }, { id: 'x3' }]);
    exporter.reset();
    const controller = new AbortController();
    const seen: string[] = [];
    const error = await (async () => {
      for await (const r of s.stream(undefined, { batchSize: 1, signal: controller.signal })) {
        seen.push(r.id);
        controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(seen).toHaveLength(1);
    expect(isStorageError(error, 'aborted')).toBe(true);
    expect(spans()).toHaveLength(1);
    expect(spans()[0]!.attributes['error.type']).toBe('aborted');
  });

  it('backup, restore and copy run in one span each', async () => {
    const source = await store();
    await source.saveMany([{ id: 'r1' }, { id: 'r2' }]);
    const target = await store();
    const copyTarget = await store();
    exporter.reset();
    const backup = await createBackup(source, join(dir.path, `b-${backend.name}`));
    await restoreBackup(backup.file, target);
    await copyRecords({ from: source, to: copyTarget });
    const top = spans().filter((span) =>
      ['backup', 'restore', 'copy'].includes(span.attributes['db.operation.name'] as string),
    );
    expect(top.map((span) => span.attributes['db.operation.name'])).toEqual(['backup', 'restore', 'copy']);
    for (const span of top) expect(span.attributes['db.system.name']).toBe(backend.system);
    expect(await copyTarget.count()).toBe(2);
  });

  it('no tracer: no spans and no tracing capability', async () => {
    const s = await store(false);
    await s.save({ id: 'q' });
    expect(s.capability('tracing')).toBeUndefined();
    expect(spans()).toHaveLength(0);
  });
});

describe('globalTracer', () => {
  it('returns the API tracer when @opentelemetry/api is installed (a no-op one without an SDK)', async () => {
    const global = await globalTracer();
    expect(global).toBeDefined();
    const store = await createStorage({ class: 'memory' }, { tracer: global! });
    open.push(store);
    await store.save({ id: 'g' });
    // No SDK registered globally: nothing reaches this file's exporter, and nothing breaks.
    expect(spans()).toHaveLength(0);
    expect((await store.load('g'))?.id).toBe('g');
  });
});
