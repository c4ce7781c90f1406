import {
  InMemoryStore,
  type Item,
  type Operation,
  type OperationResults,
} from '@langchain/langgraph-checkpoint';
import fc from 'fast-check';

/**
 * Random operation sequences for the differential test of RecordStoreStore against LangGraph's
 * InMemoryStore. Labels are lowercase letters and digits, where InMemoryStore's `localeCompare` order of
 * joined namespaces and our label-by-label code point order agree.
 */

const LABELS = ['a', 'b', 'a1'];
const KEYS = ['k1', 'k2', 'k.3', 'k:4'];
const SCALARS = ['red', 'blue', '5', '', 0, 1, 2.5, -1, true, false, null] as const;
const FIELDS = ['color', 'n', 'flag', 'tags', 'missing'];

const namespace = fc.oneof(
  { arbitrary: fc.array(fc.constantFrom(...LABELS), { minLength: 1, maxLength: 2 }), weight: 4 },
  { arbitrary: fc.array(fc.constantFrom(...LABELS), { minLength: 3, maxLength: 3 }), weight: 1 },
);
const scalar = fc.constantFrom(...SCALARS);
const value = fc.record(
  {
    color: scalar,
    n: scalar,
    flag: fc.boolean(),
    tags: fc.array(fc.constantFrom('red', 'x', 5), { maxLength: 2 }),
    nested: fc.record({ d: scalar }),
  },
  { requiredKeys: [] },
);

const operatorValue = fc.oneof(
  scalar,
  fc.constant({}),
  fc.record({ $eq: scalar }),
  fc.record({ $ne: scalar }),
  fc.record({ $gt: scalar }),
  fc.record({ $gte: scalar, $lt: scalar }),
  fc.record({ $lte: scalar }),
  fc.record({ $in: fc.array(scalar, { maxLength: 3 }) }),
  fc.record({ $nin: fc.array(scalar, { maxLength: 3 }) }),
);
const filter = fc.option(fc.dictionary(fc.constantFrom(...FIELDS), operatorValue, { maxKeys: 2 }), {
  nil: undefined,
  freq: 3,
});
const pathCondition = fc.array(fc.constantFrom(...LABELS, '*'), { maxLength: 2 });

/** One step of a sequence. */
export type Command =
  | { kind: 'put'; namespace: string[]; key: string; value: Record<string, unknown> }
  | { kind: 'delete'; namespace: string[]; key: string }
  | { kind: 'get'; namespace: string[]; key: string }
  | {
      kind: 'search';
      prefix: string[];
      filter: Record<string, unknown> | undefined;
      limit: number;
      offset: number;
    }
  | {
      kind: 'listNamespaces';
      prefix: string[] | undefined;
      suffix: string[] | undefined;
      maxDepth: number | undefined;
      limit: number;
      offset: number;
    }
  | { kind: 'batch'; ops: Operation[] };

const put = fc.record({ kind: fc.constant('put' as const), namespace, key: fc.constantFrom(...KEYS), value });
const del = fc.record({ kind: fc.constant('delete' as const), namespace, key: fc.constantFrom(...KEYS) });
const get = fc.record({ kind: fc.constant('get' as const), namespace, key: fc.constantFrom(...KEYS) });
const search = fc.record({
  kind: fc.constant('search' as const),
  prefix: fc.array(fc.constantFrom(...LABELS), { maxLength: 1 }),
  filter,
  limit: fc.integer({ min: 1, max: 12 }),
  offset: fc.integer({ min: 0, max: 4 }),
});
const listNamespaces = fc.record({
  kind: fc.constant('listNamespaces' as const),
  prefix: fc.option(pathCondition, { nil: undefined }),
  suffix: fc.option(pathCondition, { nil: undefined }),
  maxDepth: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
  limit: fc.integer({ min: 1, max: 10 }),
  offset: fc.integer({ min: 0, max: 3 }),
});
const batchOp: fc.Arbitrary<Operation> = fc.oneof(
  put.map(({ namespace, key, value }) => ({ namespace, key, value })),
  del.map(({ namespace, key }) => ({ namespace, key, value: null })),
  get.map(({ namespace, key }) => ({ namespace, key })),
  search.map(({ prefix, filter }) => ({ namespacePrefix: prefix, filter, limit: 1000, offset: 0 })),
);
const batch = fc.record({
  kind: fc.constant('batch' as const),
  ops: fc.array(batchOp, { minLength: 1, maxLength: 4 }),
});

/** A sequence of operations, writes weighted so that reads find data. */
export const commands: fc.Arbitrary<Command[]> = fc.array(
  fc.oneof(
    { arbitrary: put, weight: 5 },
    { arbitrary: del, weight: 2 },
    { arbitrary: get, weight: 2 },
    { arbitrary: search, weight: 3 },
    { arbitrary: listNamespaces, weight: 2 },
    { arbitrary: batch, weight: 1 },
  ),
  { minLength: 5, maxLength: 40, size: 'medium' },
);

/**
 * InMemoryStore as the reference, with two adjustments that only undo artifacts of keeping live objects
 * in a Map:
 * - it returns its stored item objects and a later put in the same batch mutates them, so a get in a
 *   batch would show the batch's own write; reads are copied before the batch's writes apply (its
 *   documented order: reads see the state before the batch);
 * - it keeps a namespace's (empty) map after the last item is deleted and lists it forever; the
 *   database-backed stores (PostgresStore, ours) list the namespaces that hold items.
 */
export class ReferenceStore extends InMemoryStore {
  override async batch<Op extends readonly Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    const isWrite = (op: Operation) => 'value' in op;
    const reads = structuredClone(await super.batch(operations.filter((op) => !isWrite(op))));
    const writes = operations.filter(isWrite);
    if (writes.length > 0) await super.batch(writes);
    const data = (this as unknown as { data: Map<string, Map<string, Item>> }).data;
    for (const [ns, items] of data) if (items.size === 0) data.delete(ns);
    let next = 0;
    return operations.map((op) => (isWrite(op) ? null : reads[next++])) as OperationResults<Op>;
  }
}

/** What two items must share (timestamps differ between stores). */
export function comparable(item: Item | null | undefined) {
  return item === null || item === undefined
    ? null
    : { namespace: item.namespace, key: item.key, value: item.value };
}

/** Items as a set: sorted by namespace and key. */
export function asSet(items: readonly Item[]) {
  return items
    .map(comparable)
    .sort((a, b) =>
      JSON.stringify([a?.namespace, a?.key]).localeCompare(JSON.stringify([b?.namespace, b?.key])),
    );
}
