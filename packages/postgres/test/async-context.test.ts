import { AsyncLocalStorage } from 'node:async_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { PostgreSQLStorageBackend } from '../src/index.js';
import { backendOn, observingQueries, useSuiteDatabase } from './helpers.js';

/**
 * Statements are sent from the async context of the call that made them, which is what tracing
 * instrumentation of pg (and the store's own actor scope) reads. With one pooled connection, concurrent
 * calls queue for it, and pg-pool hands the connection over from the context of whichever call released it.
 */

const db = useSuiteDatabase();
const open: PostgreSQLStorageBackend[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close().catch(() => {})));
});

describe('async context of statements (PostgreSQL)', () => {
  it('every statement runs in the async context of its caller, also when calls queue for the connection', async () => {
    const s = backendOn(db.url, {
      connection_pool_size: 1,
      connection_pool_max_overflow: 0,
      coalesce: false,
    });
    open.push(s);
    await s.connect();
    const ids = Array.from({ length: 20 }, (_, i) => `ctx_${i}`);
    await s.saveMany(ids.map((id) => ({ id })));
    const caller = new AsyncLocalStorage<string>();
    const sent: { id: unknown; caller: string | undefined }[] = [];
    const loaded = await observingQueries(
      (args) => {
        const config = args[0] as { values?: unknown[] } | string;
        const first = typeof config === 'string' ? undefined : config?.values?.[0];
        if (typeof first === 'string' && first.startsWith('ctx_'))
          sent.push({ id: first, caller: caller.getStore() });
      },
      () => Promise.all(ids.map((id) => caller.run(id, () => s.load(id)))),
    );
    expect(loaded.map((r) => r?.id)).toEqual(ids);
    expect(sent).toHaveLength(ids.length);
    for (const statement of sent) expect(statement.caller).toBe(statement.id);
  });
});
