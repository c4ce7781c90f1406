import type { Item, Operation, SearchItem } from '@langchain/langgraph-checkpoint';
import fc from 'fast-check';
import { RecordStoreStore } from '../src/index.js';
import { BACKENDS, useBackend } from './helpers/backends.js';
import { asSet, type Command, commands, comparable, ReferenceStore } from './helpers/store-model.js';

/** Runs per backend; RECORDSTORE_PROPERTY_RUNS overrides them, RECORDSTORE_PROPERTY_SEED replays a seed. */
const RUNS: Record<(typeof BACKENDS)[number], number> = { memory: 150, sqlite: 80, postgresql: 60 };
const runsFromEnv = Number(process.env.RECORDSTORE_PROPERTY_RUNS);
const seed = Number(process.env.RECORDSTORE_PROPERTY_SEED);
const ALL = 1_000_000;

function compareResult(op: Operation, actual: unknown, expected: unknown): void {
  if ('namespacePrefix' in op) {
    expect(asSet(actual as SearchItem[])).toEqual(asSet(expected as SearchItem[]));
  } else if ('key' in op && !('value' in op)) {
    expect(comparable(actual as Item | null)).toEqual(comparable(expected as Item | null));
  } else {
    expect(actual).toEqual(expected);
  }
}

async function step(ours: RecordStoreStore, reference: ReferenceStore, command: Command): Promise<void> {
  switch (command.kind) {
    case 'put':
      await ours.put(command.namespace, command.key, command.value);
      await reference.put(command.namespace, command.key, command.value);
      return;
    case 'delete':
      await ours.delete(command.namespace, command.key);
      await reference.delete(command.namespace, command.key);
      return;
    case 'get': {
      const item = await ours.get(command.namespace, command.key);
      expect(comparable(item)).toEqual(comparable(await reference.get(command.namespace, command.key)));
      if (item !== null) expect(item.createdAt.getTime()).toBeLessThanOrEqual(item.updatedAt.getTime());
      return;
    }
    case 'search': {
      const { prefix, filter, limit, offset } = command;
      const everything = await ours.search(prefix, { filter, limit: ALL });
      expect(asSet(everything)).toEqual(asSet(await reference.search(prefix, { filter, limit: ALL })));
      // Both stores order differently (InMemoryStore: insertion; ours: newest write first), so a page is
      // checked against our own full order and its size against the reference's page.
      const page = await ours.search(prefix, { filter, limit, offset });
      expect(page.map(comparable)).toEqual(everything.slice(offset, offset + limit).map(comparable));
      expect(page.length).toBe((await reference.search(prefix, { filter, limit, offset })).length);
      return;
    }
    case 'listNamespaces': {
      const options = {
        prefix: command.prefix,
        suffix: command.suffix,
        maxDepth: command.maxDepth,
        limit: command.limit,
        offset: command.offset,
      };
      expect(await ours.listNamespaces(options)).toEqual(await reference.listNamespaces(options));
      return;
    }
    case 'batch': {
      const actual = await ours.batch(command.ops);
      const expected = await reference.batch(command.ops);
      command.ops.forEach((op, i) => {
        compareResult(op, actual[i], expected[i]);
      });
      return;
    }
  }
}

describe.each(BACKENDS)('RecordStoreStore on %s, differentially against InMemoryStore', (backend) => {
  const open = useBackend(backend);
  let run = 0;

  it('agrees on random operation sequences (put, delete, get, search, listNamespaces, batch)', async () => {
    await fc.assert(
      fc.asyncProperty(commands, async (sequence) => {
        run += 1;
        const ours = new RecordStoreStore(open.store, { prefix: `diff${run}` });
        const reference = new ReferenceStore();
        for (const command of sequence) await step(ours, reference, command);
      }),
      {
        numRuns: Number.isInteger(runsFromEnv) && runsFromEnv > 0 ? runsFromEnv : RUNS[backend],
        ...(Number.isInteger(seed) ? { seed } : {}),
      },
    );
  }, 600_000);
});
