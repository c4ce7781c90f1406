import { createRequire } from 'node:module';
import { type Checkpoint, emptyCheckpoint, uuid6 } from '@langchain/langgraph-checkpoint';
import { registerSQLiteFunctions } from '@recordstore/sqlite';
import { RecordStoreSaver } from '../src/index.js';
import { useBackend } from './helpers/backends.js';

// better-sqlite3 as @recordstore/sqlite loads it: the same module, so its statements can be observed.
const requireFromSqlite = createRequire(createRequire(import.meta.url).resolve('@recordstore/sqlite'));
/** The part of better-sqlite3's API used here (this package has no dependency of its own on it). */
interface SqliteStatement {
  all(...args: unknown[]): unknown[];
  get(...args: unknown[]): unknown;
  pluck(): SqliteStatement;
}
interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  close(): void;
}
const Database = requireFromSqlite('better-sqlite3') as new (
  path: string,
  options?: { readonly?: boolean },
) => SqliteDatabase;

interface Executed {
  sql: string;
  args: unknown[];
}

/**
 * Records every statement the store executes while `fn` runs (the SQL text and its parameters), by
 * wrapping better-sqlite3's statement methods; restored afterwards.
 */
async function executed(fn: () => Promise<unknown>): Promise<Executed[]> {
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<string, unknown>;
  probe.close();
  const seen: Executed[] = [];
  const originals = new Map<string, unknown>();
  for (const method of ['all', 'get', 'run', 'iterate']) {
    const original = proto[method] as (...args: unknown[]) => unknown;
    originals.set(method, original);
    proto[method] = function (this: { source: string }, ...args: unknown[]) {
      seen.push({ sql: this.source, args });
      return original.apply(this, args);
    };
  }
  try {
    await fn();
  } finally {
    for (const [method, original] of originals) proto[method] = original;
  }
  return seen;
}

const THREAD_LENGTH = 300;

/**
 * The saver's queries on SQLite are served by the primary key (checkpoint id ranges, blob ids, pending
 * write id ranges) or the thread index, never by the type index (every record of a type in the store)
 * followed by a sort: reading the latest checkpoint of a long thread must not cost the thread's length.
 * Asserted on a file without statistics, the state every store starts in.
 */
describe('RecordStoreSaver on sqlite: query plans', () => {
  const open = useBackend('sqlite');

  /** EXPLAIN QUERY PLAN of each filtered statement on the records table, on a read-only connection. */
  function plans(statements: Executed[]): { sql: string; plan: string }[] {
    const db = new Database(open.backend.location!, { readonly: true });
    try {
      registerSQLiteFunctions(db as Parameters<typeof registerSQLiteFunctions>[0]);
      expect(
        db.prepare('SELECT count(*) FROM sqlite_schema WHERE name = ?').pluck().get('sqlite_stat1'),
      ).toBe(0);
      return statements
        .filter((s) => /^(SELECT|DELETE FROM) .*"storage_records" AS r WHERE/.test(s.sql))
        .map((s) => ({
          sql: s.sql,
          plan: (db.prepare(`EXPLAIN QUERY PLAN ${s.sql}`).all(...s.args) as { detail: string }[])
            .map((r) => r.detail)
            .join('\n'),
        }));
    } finally {
      db.close();
    }
  }

  function expectIndexed(found: { sql: string; plan: string }[], sorts: 'never' | 'allowed') {
    expect(found.length).toBeGreaterThan(0);
    for (const { sql, plan } of found) {
      const context = `${sql.slice(0, 400)}\n--- plan ---\n${plan}`;
      expect(plan, context).toMatch(
        /USING INDEX (sqlite_autoindex_storage_records_1 \(id[=>]|storage_records_thread_created_idx \(thread_id=\?\))/,
      );
      expect(plan, context).not.toMatch(/type_created_idx|^SCAN r\b/m);
      if (sorts === 'never') expect(plan, context).not.toMatch(/TEMP B-TREE/);
    }
  }

  let saver: RecordStoreSaver;
  const latest = new Map<string, string>();

  beforeAll(async () => {
    saver = new RecordStoreSaver(open.store);
    for (const thread of ['a', 'b', 'c']) {
      let config = { configurable: { thread_id: thread, checkpoint_ns: '' } } as Parameters<
        typeof saver.put
      >[0];
      let previous: Checkpoint = emptyCheckpoint();
      for (let step = 0; step < THREAD_LENGTH; step++) {
        const checkpoint: Checkpoint = {
          ...previous,
          id: uuid6(step),
          channel_values: { step, fixed: 'kept once' },
          channel_versions: { step: step + 1, fixed: 1 },
        };
        config = await saver.put(
          config,
          checkpoint,
          { source: 'loop', step, parents: {} },
          step === 0 ? { step: 1, fixed: 1 } : { step: step + 1 },
        );
        await saver.putWrites(config, [['step', step]], `task-${step}`);
        previous = checkpoint;
      }
      latest.set(thread, previous.id);
    }
  });

  it('getTuple (latest): the checkpoint id range, newest first, then blob ids and one write range, no sort', async () => {
    let tuple: Awaited<ReturnType<typeof saver.getTuple>>;
    const statements = await executed(async () => {
      tuple = await saver.getTuple({ configurable: { thread_id: 'b', checkpoint_ns: '' } });
    });
    expect(tuple!.checkpoint.id).toBe(latest.get('b'));
    expect(tuple!.checkpoint.channel_values).toEqual({ step: THREAD_LENGTH - 1, fixed: 'kept once' });
    expect(tuple!.pendingWrites).toEqual([[`task-${THREAD_LENGTH - 1}`, 'step', THREAD_LENGTH - 1]]);
    const found = plans(statements);
    expect(found.length).toBe(3);
    expectIndexed(found, 'never');
  });

  it('list (thread and namespace, 150): primary key ranges; only the OR of write ranges is sorted', async () => {
    const statements = await executed(async () => {
      const steps: unknown[] = [];
      for await (const t of saver.list(
        { configurable: { thread_id: 'a', checkpoint_ns: '' } },
        { limit: 150 },
      )) {
        steps.push(t.metadata?.step);
      }
      expect(steps).toEqual(Array.from({ length: 150 }, (_, i) => THREAD_LENGTH - 1 - i));
    });
    const found = plans(statements);
    expectIndexed(found, 'allowed');
    expect(found.filter((f) => /TEMP B-TREE/.test(f.plan)).every((f) => /MULTI-INDEX OR/.test(f.plan))).toBe(
      true,
    );
  });

  it('list (thread only) and deleteThread: the thread index', async () => {
    const statements = await executed(async () => {
      const got: string[] = [];
      for await (const t of saver.list({ configurable: { thread_id: 'c' } }, { limit: 5 })) {
        got.push(t.checkpoint.id);
      }
      expect(got[0]).toBe(latest.get('c'));
      expect(got.length).toBe(5);
      await saver.deleteThread('c');
    });
    expectIndexed(plans(statements), 'allowed');
    expect(await saver.getTuple({ configurable: { thread_id: 'c', checkpoint_ns: '' } })).toBeUndefined();
    expect(await open.store.count({ thread_id: 'c' })).toBe(0);
    expect(await open.store.count({ thread_id: 'a' })).toBeGreaterThan(THREAD_LENGTH);
  });
});
