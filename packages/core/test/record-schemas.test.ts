// Runtime validation of records by `type` with Standard Schemas (zod, and a hand-written one), on the
// memory backend and on SQLite files: a record failing its schema is refused with a RecordValidationError
// naming the path, and nothing of the call is stored (save, saveMany, update, transactions).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SQLiteStorageBackend } from '../../sqlite/dist/index.js';
import {
  createStorage,
  createStorageFromConfig,
  isStorageError,
  MemoryStorageBackend,
  parseConfigText,
  type RecordInputOf,
  type RecordSchemas,
  RecordValidationError,
  type StandardSchemaV1,
  type StorageBackend,
  StorageError,
} from '../src/index.js';
import { memoryBackendWithBulkImport } from './helpers/bulk-memory-backend.js';
import { useTempDir } from './helpers/transfer.js';

interface MessageRecord {
  type: 'message';
  content: string;
  user: { id: number; name: string };
  tags: string[];
}
interface ToolCallRecord {
  type: 'tool_call';
  tool: string;
  args: { items: string[] };
}
interface NoteRecord {
  type: 'note';
  text: string;
}
type AgentRecord = MessageRecord | ToolCallRecord | NoteRecord;

const MessageSchema = z.object({
  type: z.literal('message'),
  content: z.string().min(1),
  user: z.object({ id: z.number().int(), name: z.string() }),
  tags: z.array(z.string()),
});

/** A Standard Schema written by hand, as a library without zod would: path segments as objects and numbers. */
const ToolCallSchema: StandardSchemaV1<unknown, ToolCallRecord> = {
  '~standard': {
    version: 1,
    vendor: 'hand-written',
    validate(value) {
      const record = value as { tool?: unknown; args?: { items?: unknown } };
      const issues: StandardSchemaV1.Issue[] = [];
      if (typeof record.tool !== 'string') issues.push({ message: 'tool must be a string', path: ['tool'] });
      const items = record.args?.items;
      if (!Array.isArray(items)) {
        issues.push({ message: 'args.items must be a list', path: [{ key: 'args' }, { key: 'items' }] });
      } else {
        items.forEach((item, i) => {
          if (typeof item !== 'string') {
            issues.push({ message: 'must be a string', path: [{ key: 'args' }, 'items', i] });
          }
        });
      }
      return issues.length > 0 ? { issues } : { value: value as ToolCallRecord };
    },
  },
};

/** An asynchronous Standard Schema (validate returns a promise): a note's text must not be empty. */
const NoteSchema: StandardSchemaV1<unknown, NoteRecord> = {
  '~standard': {
    version: 1,
    vendor: 'hand-written-async',
    validate: async (value) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      const text = (value as { text?: unknown }).text;
      return typeof text === 'string' && text.length > 0
        ? { value: value as NoteRecord }
        : { issues: [{ message: 'text must be a non-empty string', path: ['text'] }] };
    },
  },
};

const schemas: RecordSchemas<AgentRecord> = {
  message: MessageSchema,
  tool_call: ToolCallSchema,
  note: NoteSchema,
};

const goodMessage: MessageRecord & { session_id: string } = {
  type: 'message',
  content: 'hi',
  user: { id: 1, name: 'Ada' },
  tags: ['a'],
  session_id: 's1',
};

async function refusal(promise: Promise<unknown>): Promise<RecordValidationError> {
  const error = await promise.then(
    () => {
      throw new Error('expected the call to be refused');
    },
    (e: unknown) => e,
  );
  expect(isStorageError(error, 'validation')).toBe(true);
  expect(error).toBeInstanceOf(StorageError);
  expect(error).toBeInstanceOf(RecordValidationError);
  return error as RecordValidationError;
}

const temp = useTempDir('rs-schemas-');
/** The built SQLite backend by file path, as a config's `class:` names a backend outside the registry. */
const SQLITE_REF = JSON.stringify(
  `${fileURLToPath(new URL('../../sqlite/dist/index.js', import.meta.url))}#SQLiteStorageBackend`,
);
const opened: StorageBackend<AgentRecord>[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});

const backends: Array<{ name: string; open: (file: string) => Promise<StorageBackend<AgentRecord>> }> = [
  {
    name: 'memory',
    open: async () => {
      const store = await createStorage<AgentRecord>(
        { class: 'memory', config: { batch_size: 2 } },
        { schemas },
      );
      opened.push(store);
      return store;
    },
  },
  {
    name: 'sqlite',
    open: async (file) => {
      const store = await createStorage<AgentRecord>(
        { class: SQLiteStorageBackend, config: { path: join(temp.path, file), batch_size: 2 } },
        { schemas },
      );
      opened.push(store);
      return store;
    },
  },
];

describe.each(backends)('record schemas on $name', ({ name, open }) => {
  it('stores records that pass their schema, as given, and records of types without one unchecked', async () => {
    const store = await open(`${name}-pass.db`);
    const id = await store.save(goodMessage);
    await store.save({ type: 'tool_call', tool: 'grep', args: { items: ['x', 'y'] } });
    await store.save({ type: 'note', text: 'remember' });
    // No schema for this type, and none for records without a type: stored unchecked.
    const untyped = store as StorageBackend;
    await untyped.save({ type: 'event', anything: 1 });
    await untyped.save({ free: true });
    expect(await store.count()).toBe(5);
    // Schemas check, they do not transform: the record stored is the one given (reserved keys kept).
    expect(await store.load(id)).toMatchObject(goodMessage);
  });

  it('refuses a save failing its schema with the path and message, storing nothing', async () => {
    const store = await open(`${name}-save.db`);
    const bad = { ...goodMessage, id: 'm-bad', user: { id: 1.5, name: 'Ada' } };
    const error = await refusal(store.save(bad));
    expect(error.path).toBe('user.id');
    expect(error.recordType).toBe('message');
    expect(error.index).toBeUndefined();
    expect(error.issues).toEqual([{ path: 'user.id', message: expect.stringMatching(/int/i) }]);
    expect(error.message).toMatch(
      /record of type "message" fails its schema: user\.id: .*Nothing was stored/,
    );
    expect(error.toJSON()).toMatchObject({ kind: 'validation', path: 'user.id', recordType: 'message' });
    expect(await store.load('m-bad')).toBeNull();
    expect(await store.count()).toBe(0);

    const several = await refusal(
      (store as StorageBackend).save({ type: 'message', content: '', user: {}, tags: [3] }),
    );
    expect(several.issues.map((issue) => issue.path).sort()).toEqual([
      'content',
      'tags[0]',
      'user.id',
      'user.name',
    ]);
    expect(several.message).toMatch(/\(and 1 more\)/);
  });

  it('reports hand-written and asynchronous schemas the same way', async () => {
    const store = await open(`${name}-hand.db`);
    const tool = await refusal(
      store.save({ type: 'tool_call', tool: 'grep', args: { items: ['x', 7 as never] } }),
    );
    expect(tool.path).toBe('args.items[1]');
    expect(tool.message).toContain('args.items[1]: must be a string');
    const note = await refusal(store.save({ type: 'note', text: '' }));
    expect(note.path).toBe('text');
    expect(note.message).toContain('text must be a non-empty string');
    expect(await store.count()).toBe(0);
  });

  it('refuses a whole saveMany when one record fails, small batch or several batches', async () => {
    const store = await open(`${name}-many.db`);
    const batch: RecordInputOf<AgentRecord>[] = [
      goodMessage,
      { type: 'note', text: 'one' },
      { type: 'tool_call', tool: 'grep', args: { items: [] } },
      { ...goodMessage, content: 42 as never },
      { type: 'note', text: 'two' },
    ];
    // batch_size is 2: five records are written in three statements inside one transaction.
    const many = await refusal(store.saveMany(batch));
    expect(many.path).toBe('records[3].content');
    expect(many.index).toBe(3);
    expect(many.message).toMatch(/^records\[3\]: record of type "message" fails its schema: content: /);
    expect(await store.count()).toBe(0);
    // The asynchronous schema's failure is reported for the earliest failing record.
    const early = await refusal(
      store.saveMany([
        { type: 'note', text: '' },
        { ...goodMessage, tags: 'x' as never },
      ]),
    );
    expect(early.path).toBe('records[0].text');
    const small = await refusal(store.saveMany([goodMessage, { type: 'note', text: '' }]));
    expect(small.path).toBe('records[1].text');
    expect(await store.count()).toBe(0);
    expect(await store.saveMany([...batch.slice(0, 3), ...batch.slice(4)])).toHaveLength(4);
    expect(await store.count()).toBe(4);
  });

  it('refuses inside a transaction, and the failed transaction leaves nothing', async () => {
    const store = await open(`${name}-tx.db`);
    const error = await refusal(
      store.transaction(async (tx) => {
        await tx.save({ ...goodMessage, id: 'kept-only-if-committed' });
        await tx.saveMany([
          { type: 'note', text: 'fine' },
          { type: 'tool_call', tool: 3 as never, args: { items: [] } },
        ]);
      }),
    );
    expect(error.path).toBe('records[1].tool');
    expect(await store.count()).toBe(0);
    // Caught inside the callback, the refusal stores nothing of that call; the rest commits.
    await store.transaction(async (tx) => {
      await tx.save({ ...goodMessage, id: 'committed' });
      const inner = await refusal(tx.save({ type: 'note', text: '' }));
      expect(inner.path).toBe('text');
    });
    expect((await store.list()).map((r) => r.id)).toEqual(['committed']);
  });

  it('checks the merged record on update and keeps the stored one when it fails', async () => {
    const store = await open(`${name}-update.db`);
    await store.save({ ...goodMessage, id: 'm1' });
    const error = await refusal(store.update('m1', { content: '' }));
    expect(error.path).toBe('content');
    expect((await store.load('m1'))?.type === 'message' && (await store.load('m1'))).toMatchObject({
      content: 'hi',
    });
    expect(await store.update('m1', { content: 'changed' })).toBe(true);
    expect(await store.load('m1')).toMatchObject({ content: 'changed' });
  });
});

describe('record schemas: persistence and options', () => {
  it('leaves nothing in the SQLite file after refused writes (a new store on the file finds none)', async () => {
    const path = join(temp.path, 'reopen.db');
    const first = await createStorage<AgentRecord>(
      { class: SQLiteStorageBackend, config: { path } },
      { schemas },
    );
    await refusal(first.saveMany([goodMessage, { ...goodMessage, user: { id: 'x' as never, name: 'A' } }]));
    await refusal(first.save({ type: 'note', text: '' }));
    await first.save({ type: 'note', text: 'only this' });
    await first.close();
    const second = await createStorage({ class: SQLiteStorageBackend, config: { path } });
    expect((await second.list()).map((r) => r.text)).toEqual(['only this']);
    await second.close();
  });

  it('takes schemas and the record type through createStorageFromConfig (a YAML config)', async () => {
    const path = join(temp.path, 'from-config.db');
    const config = parseConfigText(
      `default: main\nstorage_types:\n  main:\n    class: ${SQLITE_REF}\n    config: { path: ${JSON.stringify(path)} }\n`,
      { env: {} },
    );
    const store = await createStorageFromConfig<AgentRecord>(config, undefined, {
      schemas,
      baseDir: temp.path,
    });
    opened.push(store);
    const error = await refusal(store.save({ type: 'tool_call', tool: 'x', args: { items: 'x' as never } }));
    expect(error.path).toBe('args.items');
    expect(await store.count()).toBe(0);
  });

  it('takes schemas on the backend constructors too', async () => {
    const store = new MemoryStorageBackend<AgentRecord>({}, { schemas: { message: MessageSchema } });
    await store.connect();
    await refusal(store.save({ ...goodMessage, tags: [1 as never] }));
    expect(await store.count()).toBe(0);
    await store.close();
  });

  it('checks every batch of a bulk import before the driver writes it', async () => {
    // The memory driver offering the bulk path (as PostgreSQL's COPY does), writing through its own rows.
    const written: number[] = [];
    const importing = memoryBackendWithBulkImport('memory-import', (driver) => ({
      importRows: async (rows, options) => {
        written.push(rows.length);
        await driver.rows.upsertRows(rows, options);
      },
    }));
    const store = await createStorage<AgentRecord>({ class: importing }, { schemas });
    const importer = store.capability('bulkImport');
    if (!importer) throw new Error('the test backend must offer bulkImport');
    const records: RecordInputOf<AgentRecord>[] = [
      goodMessage,
      { type: 'note', text: 'ok' },
      { type: 'note', text: '' },
      goodMessage,
    ];
    const error = await refusal(importer.importRecords(records, { batchSize: 2 }));
    expect(error.path).toBe('records[2].text');
    // The first batch passed and was written; the failing batch wrote nothing.
    expect(written).toEqual([2]);
    expect(await store.count()).toBe(2);
    await store.close();
  });

  it('refuses a schemas option that is not made of Standard Schemas, naming the key', async () => {
    const notSchema = { parse: () => true } as never;
    const error = await createStorage({ class: 'memory' }, { schemas: { message: notSchema } }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isStorageError(error, 'config')).toBe(true);
    expect((error as StorageError).path).toBe('schemas.message');
    expect((error as StorageError).message).toMatch(/schemas\.message is not a Standard Schema/);
    expect(() => new MemoryStorageBackend({}, { schemas: 'zod' as never })).toThrow(
      /schemas must be an object/,
    );
  });
});
