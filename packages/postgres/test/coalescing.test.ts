import { afterEach, describe, expect, it } from 'vitest';
import type { PostgreSQLStorageBackend } from '../src/index.js';
import type { PostgresConfigInput } from '../src/postgres-config.js';
import { backendOn, statementsOf, useSuiteDatabase } from './helpers.js';

/**
 * Coalescing on a real server, counted by the server: the store's fixed statements are named prepared
 * statements, and PostgreSQL counts every execution of each in `pg_prepared_statements` (generic plus
 * custom plans) of the session that prepared it. With one pooled connection, that session is the
 * store's only one, and the counting query itself (unnamed) is not counted.
 */

const db = useSuiteDatabase();
const open: PostgreSQLStorageBackend[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close().catch(() => {})));
});

async function store(config: PostgresConfigInput = {}): Promise<PostgreSQLStorageBackend> {
  // One connection: without coalescing, 50 concurrent loads are 50 statements on it, one after another.
  const s = backendOn(db.url, { connection_pool_size: 1, connection_pool_max_overflow: 0, ...config });
  open.push(s);
  await s.connect();
  return s;
}

const ids = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('coalescing on PostgreSQL (statements counted by the server)', () => {
  it('50 concurrent load(id) run as 1 statement (id = ANY); with coalesce: false as 50', async () => {
    for (const coalesce of [true, false]) {
      const s = await store({ coalesce });
      const keys = ids(50, `load_${coalesce}_`);
      await s.saveMany(keys.map((id, i) => ({ id, i })));
      let loaded: unknown[] = [];
      const { total, ran } = await statementsOf(s, async () => {
        loaded = await Promise.all(keys.map((id) => s.load(id)));
      });
      expect(loaded.map((r) => (r as { i: number }).i)).toEqual(keys.map((_, i) => i));
      expect(ran).toHaveLength(1);
      if (coalesce) {
        expect(total).toBe(1);
        expect(ran[0]!.statement).toMatch(/WHERE id = ANY\(\$1::text\[\]\)$/);
      } else {
        expect(total).toBe(50);
        expect(ran[0]!.statement).toMatch(/WHERE id = \$1$/);
      }
    }
  });

  it('concurrent exists and delete run as one statement per kind, each caller getting its own answer', async () => {
    const s = await store();
    const keys = ids(20, 'ed_');
    await s.saveMany(keys.map((id) => ({ id })));
    let answers: boolean[] = [];
    const { total, ran } = await statementsOf(s, async () => {
      answers = await Promise.all([
        ...keys.map((id) => s.exists(id)),
        s.exists('missing'),
        // Issued after the reads: the reads' batch is sent first, then this one.
        ...keys.slice(0, 10).map((id) => s.delete(id)),
        s.delete('ed_0'),
      ]);
    });
    expect(total).toBe(2);
    expect(ran.map((r) => r.statement.split(' ')[0]).sort()).toEqual(['DELETE', 'SELECT']);
    expect(answers.slice(0, 21)).toEqual([...Array(20).fill(true), false]);
    expect(answers.slice(21, 31)).toEqual(Array(10).fill(true));
    expect(answers[31]).toBe(false);
    const left = (await s.list()).map((r) => r.id).filter((id) => id.startsWith('ed_'));
    expect(left.sort()).toEqual(keys.slice(10).sort());
  });

  it('deletes of different actors are not mixed: the audit log names each caller', async () => {
    const s = await store({ audit_enabled: true, audit_actor: 'service' });
    await s.saveMany(ids(4, 'actor_').map((id) => ({ id })));
    const results = await Promise.all([
      s.runAs('alice', () => s.delete('actor_0')),
      s.runAs('bob', () => s.delete('actor_1')),
      s.runAs('alice', () => s.delete('actor_2')),
      s.delete('actor_3'),
    ]);
    expect(results).toEqual([true, true, true, true]);
    const log = await s.auditLog({ limit: 100 });
    const actors = Object.fromEntries(
      log
        .filter((e) => e.operation === 'DELETE' && e.recordId.startsWith('actor_'))
        .map((e) => [e.recordId, e.actor]),
    );
    expect(actors).toEqual({ actor_0: 'alice', actor_1: 'bob', actor_2: 'alice', actor_3: 'service' });
  });
});
