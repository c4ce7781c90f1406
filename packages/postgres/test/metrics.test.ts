import { isStorageError, type Logger } from '@recordstore/core';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgreSQLStorageBackend } from '../src/index.js';
import type { PostgresConfigInput } from '../src/postgres-config.js';
import { useSuiteDatabase } from './helpers.js';

const db = useSuiteDatabase();
const open: PostgreSQLStorageBackend[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close().catch(() => {})));
  await db.sql('TRUNCATE storage_records');
});

interface Entry {
  level: string;
  obj: Record<string, unknown>;
  msg: string | undefined;
}

/** A pino-compatible logger that keeps what it is given. */
function memoryLogger(): Logger & { entries: Entry[] } {
  const entries: Entry[] = [];
  const at =
    (level: string) =>
    (obj: object, msg?: string): void => {
      entries.push({ level, obj: obj as Record<string, unknown>, msg });
    };
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

async function connected(config: PostgresConfigInput, logger?: Logger): Promise<PostgreSQLStorageBackend> {
  const store = new PostgreSQLStorageBackend(
    { url: db.url, connection_pool_size: 2, ...config },
    logger ? { logger } : {},
  );
  open.push(store);
  await store.connect();
  return store;
}

function sample(text: string, name: string, labels: string): number | undefined {
  const escaped = labels.replace(/[{}+.()[\]\\^$|?*]/g, (c) => `\\${c}`);
  const match = new RegExp(`^${name}${escaped} (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
}

const SECRET = 'TOP-SECRET-VALUE-4711';

describe('metrics', () => {
  it('metrics are off by default: no registry, metrics() says how to turn them on', async () => {
    const store = await connected({});
    expect(store.metricsRegistry).toBeNull();
    const error = await store.metrics().catch((e: unknown) => e);
    expect(isStorageError(error) && error.kind).toBe('config');
    expect((error as Error).message).toMatch(/metrics_enabled: true/);
  });

  it('explain_analyze_enabled without metrics_enabled is refused', () => {
    expect(() => new PostgreSQLStorageBackend({ explain_analyze_enabled: true })).toThrow(
      /set metrics_enabled: true/,
    );
  });

  it('counts operations by outcome, times them, and reports pool gauges in Prometheus format', async () => {
    const store = await connected({ metrics_enabled: true });
    const id = await store.save({ type: 't', text: 'a' });
    await store.save({ type: 't', text: 'b' });
    await store.load(id);
    await store.list({ type: 't' });
    await expect(store.load('')).rejects.toMatchObject({ kind: 'validation' });
    const text = await store.metrics();
    expect(text).toContain('# TYPE recordstore_operations_total counter');
    expect(text).toContain('# TYPE recordstore_operation_duration_seconds histogram');
    expect(sample(text, 'recordstore_operations_total', '{operation="save",outcome="ok"}')).toBe(2);
    expect(sample(text, 'recordstore_operations_total', '{operation="load",outcome="ok"}')).toBe(1);
    expect(sample(text, 'recordstore_operations_total', '{operation="load",outcome="validation"}')).toBe(1);
    expect(sample(text, 'recordstore_operation_duration_seconds_count', '{operation="save"}')).toBe(2);
    expect(
      sample(text, 'recordstore_operation_duration_seconds_bucket', '{le="+Inf",operation="list"}'),
    ).toBe(1);
    expect(sample(text, 'recordstore_operation_duration_seconds_sum', '{operation="list"}')).toBeGreaterThan(
      0,
    );
    // Statements by role and kind: 2 upserts and 2 reads (load, list) reached the primary.
    expect(sample(text, 'recordstore_query_duration_seconds_count', '{target="primary",kind="write"}')).toBe(
      2,
    );
    expect(sample(text, 'recordstore_query_duration_seconds_count', '{target="primary",kind="read"}')).toBe(
      2,
    );
    expect(sample(text, 'recordstore_pool_connections', '{pool="primary",state="max"}')).toBe(22);
    expect(sample(text, 'recordstore_pool_connections', '{pool="primary",state="total"}')).toBeGreaterThan(0);
    // The registry is prom-client's: the application can serve it with its content type.
    expect(store.metricsRegistry?.contentType).toMatch(/^text\/plain/);
  });

  it('server-side figures of the last health check are exposed as gauges', async () => {
    const store = await connected({ metrics_enabled: true });
    await store.saveMany([{ text: 'a' }, { text: 'b' }]);
    await db.sql('ANALYZE storage_records');
    const health = await store.healthCheck();
    const text = await store.metrics();
    expect(sample(text, 'recordstore_table_size_bytes', '')).toBeGreaterThan(0);
    expect(sample(text, 'recordstore_database_size_bytes', '')).toBeGreaterThan(0);
    expect(sample(text, 'recordstore_database_connections', '')).toBeGreaterThan(0);
    // The gauges carry the health check's figures (pg_stat counters lag, so compare, do not predict).
    expect(sample(text, 'recordstore_table_rows', '{state="live"}')).toBe(health.details.liveRows);
    expect(sample(text, 'recordstore_table_size_bytes', '')).toBe(health.details.tableSizeBytes);
  });

  it('two stores keep separate registries', async () => {
    const a = await connected({ metrics_enabled: true });
    const b = await connected({ metrics_enabled: true });
    await a.save({ text: 'x' });
    expect(sample(await a.metrics(), 'recordstore_operations_total', '{operation="save",outcome="ok"}')).toBe(
      1,
    );
    expect(sample(await b.metrics(), 'recordstore_operations_total', '{operation="save",outcome="ok"}')).toBe(
      undefined,
    );
  });
});

describe('slow query log', () => {
  it('logs statements over the threshold with their SQL and parameter count, never the values', async () => {
    const logger = memoryLogger();
    const store = await connected({ metrics_enabled: true, slow_query_threshold_ms: 0 }, logger);
    const id = await store.save({ type: 'secret', secret: SECRET, session_id: SECRET });
    await store.list({ 'data.secret': SECRET, session_id: SECRET });
    await store.load(id);
    await store.close();
    const slow = logger.entries.filter((e) => e.msg === 'recordstore: slow query');
    expect(slow.length).toBeGreaterThanOrEqual(3);
    for (const entry of slow) {
      expect(entry.level).toBe('warn');
      expect(JSON.stringify(entry)).not.toContain(SECRET);
      expect(JSON.stringify(entry)).not.toContain(id);
      expect(entry.obj).toMatchObject({ backend: 'postgresql', target: 'primary', thresholdMs: 0 });
      expect(typeof entry.obj.durationMs).toBe('number');
      expect(entry.obj.params).toEqual(
        Array.from({ length: (entry.obj.params as unknown[]).length }, () => '[redacted]'),
      );
    }
    const write = slow.find((e) => /INSERT INTO storage_records/.test(String(e.obj.sql)));
    expect(write?.obj).toMatchObject({ kind: 'write' });
    expect((write?.obj.params as unknown[] | undefined)?.length).toBeGreaterThan(5);
    expect(write?.obj.plan).toBeUndefined();
    const text = await new PostgreSQLStorageBackend({ metrics_enabled: true }).metricsRegistry?.metrics();
    expect(text).toContain('recordstore_slow_queries_total');
  });

  it('statements under the threshold are not logged', async () => {
    const logger = memoryLogger();
    const store = await connected({ metrics_enabled: true, slow_query_threshold_ms: 60_000 }, logger);
    await store.save({ text: 'fast' });
    await store.list();
    expect(logger.entries.filter((e) => e.msg === 'recordstore: slow query')).toEqual([]);
    expect(
      sample(await store.metrics(), 'recordstore_slow_queries_total', '{target="primary",kind="read"}'),
    ).toBe(undefined);
  });

  it('explain_analyze_enabled attaches the plan of slow reads only; writes are never re-run', async () => {
    const logger = memoryLogger();
    const store = await connected(
      { metrics_enabled: true, slow_query_threshold_ms: 0, explain_analyze_enabled: true },
      logger,
    );
    const id = await store.save({ type: 'plan', n: 1 });
    await store.list({ type: 'plan', n: { $gt: 0 } });
    await store.update(id, { n: 2 }); // a locking read (FOR UPDATE) in a transaction, then a write
    await store.close(); // waits for the EXPLAIN re-runs
    const slow = logger.entries.filter((e) => e.msg === 'recordstore: slow query');
    const list = slow.find((e) => /^SELECT .* FROM storage_records WHERE/.test(String(e.obj.sql)));
    expect(list?.obj.kind).toBe('read');
    const plan = list?.obj.plan as { Plan: { 'Node Type': string; 'Actual Rows': number } }[];
    expect(Array.isArray(plan)).toBe(true);
    expect(plan[0]?.Plan['Node Type']).toBeTypeOf('string');
    expect(JSON.stringify(plan)).toContain('Actual Rows');
    for (const entry of slow) {
      if (entry.obj.kind === 'write' || /FOR UPDATE/.test(String(entry.obj.sql))) {
        expect(entry.obj.plan).toBeUndefined();
      }
    }
    expect(slow.some((e) => e.obj.kind === 'write')).toBe(true);
    const { rows } = await db.sql<{ n: number }>(
      "SELECT (data->>'n')::int AS n FROM storage_records WHERE id = $1",
      [id],
    );
    expect(rows[0]?.n).toBe(2);
  });
});
