// Typed records: the record type flows through the API and filters are checked against it. The type
// assertions (expectTypeOf, @ts-expect-error) are checked by `tsc` (`pnpm --filter @recordstore/core run
// typecheck`, which includes this folder): a wrong field or operand that compiled would fail CI there as an
// unused @ts-expect-error. The runtime tests run the same typed calls on the memory backend.
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import {
  createStorage,
  type Filter,
  MemoryStorageBackend,
  type RecordInput,
  type RecordInputOf,
  type RecordSchemas,
  type StorageBackend,
  type StorageOperations,
  type StoredRecord,
  type StoredRecordOf,
} from '../src/index.js';

interface MessageRecord {
  type: 'message';
  content: string;
  tokens?: number;
  tags: string[];
  user: { id: number; name: string; address?: { city: string; geo: { lat: number } } };
  metadata?: { source: 'web' | 'cli' };
}

interface ToolCallRecord {
  type: 'tool_call';
  session_id: string;
  tool: string;
  ok: boolean;
  args: Record<string, unknown>;
}

type AgentRecord = MessageRecord | ToolCallRecord;

const message: RecordInputOf<AgentRecord> = {
  type: 'message',
  content: 'hello',
  tokens: 3,
  tags: ['greeting', 'en'],
  user: { id: 7, name: 'Ada', address: { city: 'Paris', geo: { lat: 48.8 } } },
  metadata: { source: 'web' },
  session_id: 's1',
};

const opened: StorageBackend[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});

async function agentStore(): Promise<StorageBackend<AgentRecord>> {
  const store = await createStorage<AgentRecord>({ class: 'memory' });
  opened.push(store);
  return store;
}

describe('typed records: types', () => {
  it('types save, load, list, stream, getBySession and transaction by the record type', async () => {
    const store = await agentStore();
    expectTypeOf(store).toEqualTypeOf<StorageBackend<AgentRecord>>();
    expectTypeOf(store.save).parameter(0).toEqualTypeOf<RecordInputOf<AgentRecord>>();
    expectTypeOf(store.saveMany).parameter(0).toEqualTypeOf<readonly RecordInputOf<AgentRecord>[]>();
    expectTypeOf(store.load).returns.resolves.toEqualTypeOf<StoredRecordOf<AgentRecord> | null>();
    expectTypeOf(store.list).returns.resolves.toEqualTypeOf<StoredRecordOf<AgentRecord>[]>();
    expectTypeOf(store.getBySession).returns.resolves.toEqualTypeOf<StoredRecordOf<AgentRecord>[]>();
    expectTypeOf(store.getByThread).returns.resolves.toEqualTypeOf<StoredRecordOf<AgentRecord>[]>();
    expectTypeOf(store.stream).returns.toEqualTypeOf<AsyncIterable<StoredRecordOf<AgentRecord>>>();
    expectTypeOf(store.list).parameter(0).toEqualTypeOf<Filter<AgentRecord> | undefined>();
    expectTypeOf(store.transaction<number>)
      .parameter(0)
      .toEqualTypeOf<(tx: StorageOperations<AgentRecord>) => Promise<number>>();

    const id = await store.save(message);
    const loaded = await store.load(id);
    expect(loaded?.type).toBe('message');
    if (loaded?.type === 'message') {
      // Narrowed by the discriminant: the message's own fields, and the stored columns as Dates.
      expectTypeOf(loaded.content).toEqualTypeOf<string>();
      expectTypeOf(loaded.user.address).toEqualTypeOf<{ city: string; geo: { lat: number } } | undefined>();
      expectTypeOf(loaded.id).toEqualTypeOf<string>();
      expectTypeOf(loaded.created_at).toEqualTypeOf<Date>();
      expectTypeOf(loaded.expires_at).toEqualTypeOf<Date | undefined>();
      expectTypeOf(loaded.session_id).toEqualTypeOf<string | undefined>();
      expect(loaded.content).toBe('hello');
      expect(loaded.created_at).toBeInstanceOf(Date);
    }
    for await (const record of store.stream({ type: 'message' })) {
      expectTypeOf(record).toEqualTypeOf<StoredRecordOf<AgentRecord>>();
      expect(record.id).toBe(id);
    }
    const inTx = await store.transaction(async (tx) => {
      expectTypeOf(tx).toEqualTypeOf<StorageOperations<AgentRecord>>();
      await tx.save({ type: 'tool_call', session_id: 's1', tool: 'grep', ok: true, args: { q: 'x' } });
      return tx.getBySession('s1');
    });
    expectTypeOf(inTx).toEqualTypeOf<StoredRecordOf<AgentRecord>[]>();
    expect(inTx.map((r) => r.type).sort()).toEqual(['message', 'tool_call']);
  });

  it('refuses records that do not match the record type', async () => {
    const store = await agentStore();
    // A tool call's session_id is declared required: it stays required on save.
    const call = { type: 'tool_call', session_id: 's', tool: 't', ok: false, args: {} } as const;
    expectTypeOf(call).toMatchTypeOf<RecordInputOf<AgentRecord>>();
    // @ts-expect-error content must be a string
    const badContent: RecordInputOf<AgentRecord> = { ...message, content: 42 };
    // @ts-expect-error user.id must be a number
    const badNested: RecordInputOf<AgentRecord> = { ...message, user: { id: '7', name: 'Ada' } };
    // @ts-expect-error 'mesage' is not a record type
    const badType: RecordInputOf<AgentRecord> = { ...message, type: 'mesage' };
    // @ts-expect-error a tool call without its required session_id
    const missing: RecordInputOf<AgentRecord> = { type: 'tool_call', tool: 't', ok: true, args: {} };
    // @ts-expect-error the update changes one record type's fields with the right types
    const badPatch: Parameters<typeof store.update>[1] = { tokens: 'many' };
    void [badContent, badNested, badType, missing, badPatch];
    // The generated keys are optional and take any timestamp form.
    await store.save({ ...message, id: 'm-1', created_at: '2026-01-01T00:00:00Z', expires_at: null });
    expect(await store.update('m-1', { tokens: 9 })).toBe(true);
    expect((await store.load('m-1'))?.created_at.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('checks filter keys and operands against the record type, nested paths included', async () => {
    const store = await agentStore();
    await store.saveMany([
      message,
      { ...message, content: 'bye', tokens: 12, user: { id: 8, name: 'Bob' }, tags: ['farewell'] },
      { type: 'tool_call', session_id: 's2', tool: 'grep', ok: true, args: { pattern: 'x' } },
    ]);
    const good: Filter<AgentRecord>[] = [
      { type: 'message', content: { $like: 'hel%' } },
      { tokens: { $gte: 1, $lt: 10 } },
      { 'user.id': 7 },
      { 'user.id': { $in: [7, 9] } },
      { 'user.address.city': 'Paris' },
      { 'user.address.geo.lat': { $gt: 48 } },
      { user: { id: 7, name: { $ilike: 'ADA' } } },
      { tags: 'en' },
      { tags: { $nin: ['spam'] } },
      { 'metadata.source': 'web' },
      { created_at: { $gte: new Date(0) }, updated_at: { $lt: '2999-01-01T00:00:00Z' } },
      { id: { $ne: 'x' }, thread_id: null },
      { $or: [{ tool: 'grep' }, { ok: false }], 'args.pattern': 'x' },
      { $not: { 'user.address': { $exists: true } } },
      { $and: [{ type: { $in: ['message', 'tool_call'] } }, { content: { $exists: true } }] },
    ];
    const counts = await Promise.all(good.map((filter) => store.count(filter)));
    expect(counts).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 3, 2, 3, 3, 1, 2, 2]);

    const wrong: Filter<AgentRecord>[] = [
      // @ts-expect-error no such field
      { contnt: 'hello' },
      // @ts-expect-error content holds strings
      { content: 5 },
      // @ts-expect-error user.id holds numbers
      { 'user.id': '7' },
      // @ts-expect-error no such nested field
      { 'user.idd': 7 },
      // @ts-expect-error two levels deep: city holds strings
      { 'user.address.city': { $in: [75] } },
      // @ts-expect-error three levels deep: lat holds numbers
      { 'user.address.geo.lat': { $gt: 'north' } },
      // @ts-expect-error a nested scope names the object's fields
      { user: { idd: 7 } },
      // @ts-expect-error 'mesage' is not a record type
      { type: 'mesage' },
      // @ts-expect-error ranges do not apply to booleans
      { ok: { $gt: true } },
      // @ts-expect-error $like applies to strings
      { tokens: { $like: '1%' } },
      // @ts-expect-error $in takes a list
      { tokens: { $in: 3 } },
      // @ts-expect-error $exists takes a boolean
      { tokens: { $exists: 'yes' } },
      // @ts-expect-error an array field compares with its elements
      { tags: ['en'] },
      // @ts-expect-error id is never null
      { id: null },
      // @ts-expect-error timestamps compare with a Date, an ISO string or epoch ms
      { created_at: { $gt: true } },
      // @ts-expect-error filters inside $or are checked too
      { $or: [{ tool: 1 }] },
      // @ts-expect-error unknown operator
      { tokens: { $regex: '1' } },
    ];
    expect(wrong).toHaveLength(17);
    // A record type that declares its metadata has it checked too (in a union, a member that declares
    // none accepts any metadata key).
    // @ts-expect-error metadata.source is 'web' or 'cli' on messages
    const badMetadata: Filter<MessageRecord> = { 'metadata.source': 'mobile' };
    // @ts-expect-error four segments deep: still checked
    const tooDeep: Filter<MessageRecord> = { 'user.address.geo.lng': 2 };
    void [badMetadata, tooDeep];
    // @ts-expect-error list, stream, count and deleteMany take the typed filter
    await expect(store.list({ contnt: 'x' })).resolves.toEqual([]);
    // @ts-expect-error the same on a transaction's operations
    await store.transaction((tx) => tx.count({ 'user.id': 'x' }));
  });

  it('types the backend classes and the schemas option by the record type', async () => {
    const store = new MemoryStorageBackend<AgentRecord>({}, { schemas: {} });
    expectTypeOf(store.load).returns.resolves.toEqualTypeOf<StoredRecordOf<AgentRecord> | null>();
    expectTypeOf<keyof RecordSchemas<AgentRecord>>().toEqualTypeOf<'message' | 'tool_call'>();
    // @ts-expect-error a schema for a record type that does not exist
    const misspelt: RecordSchemas<AgentRecord> = { mesage: undefined };
    void misspelt;
    // A typed store goes wherever an untyped one is expected (copy, backup, the conformance suite).
    expectTypeOf(store).toMatchTypeOf<StorageBackend>();
    await store.connect();
    opened.push(store);
    expect(await store.save(message)).toMatch(/\S/);
  });

  it('leaves untyped stores as they were: any JSON object, any filter', async () => {
    const store = await createStorage({ class: 'memory' });
    opened.push(store);
    expectTypeOf(store).toEqualTypeOf<StorageBackend>();
    expectTypeOf(store.save).parameter(0).toEqualTypeOf<RecordInput>();
    expectTypeOf(store.load).returns.resolves.toEqualTypeOf<StoredRecord | null>();
    expectTypeOf<Filter>().toEqualTypeOf<{ [key: string]: unknown }>();
    expectTypeOf<Filter<Record<string, unknown>>>().toEqualTypeOf<Filter>();
    expectTypeOf<StoredRecordOf<StoredRecord>>().toEqualTypeOf<StoredRecord>();
    const id = await store.save({ anything: { goes: [1, 2] } });
    expect(await store.count({ 'anything.goes': 2, whatever: { $exists: false } })).toBe(1);
    expect((await store.load(id))?.anything).toEqual({ goes: [1, 2] });
  });
});
