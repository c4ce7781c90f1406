import { describe, expect, it } from 'vitest';
import { openStore } from './helpers.js';

/**
 * The `metrics` capability on SQLite (`metrics_enabled`): operation counts and latencies timed by the
 * runtime's meter, and the file's sizes, read back from the Prometheus text exposition.
 */

/** The value of one sample line of the exposition, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = (match[2] ?? '').split(',').filter(Boolean);
    if (wanted.every((w) => have.includes(w))) return Number(match[3]);
  }
  return undefined;
}

describe('SQLite metrics', () => {
  it('is absent unless metrics_enabled', async () => {
    const store = await openStore();
    expect(store.capability('metrics')).toBeUndefined();
  });

  it('counts and times every operation by outcome, and reports the file sizes', async () => {
    const store = await openStore({ metrics_enabled: true });
    const metrics = store.capability('metrics');
    expect(metrics?.meter).toBeDefined();
    await store.save({ id: 'a', data: { n: 1 } });
    await store.saveMany(Array.from({ length: 50 }, (_, i) => ({ id: `m${i}`, data: { i } })));
    await store.load('a');
    await store.load('missing');
    await store.list({ 'data.i': { $gte: 10 } });
    await expect(store.load('')).rejects.toMatchObject({ kind: 'validation' });

    const text = await metrics!.text();
    expect(text).toContain('# TYPE recordstore_operations_total counter');
    expect(sample(text, 'recordstore_operations_total', { operation: 'save', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'recordstore_operations_total', { operation: 'load', outcome: 'ok' })).toBe(2);
    expect(sample(text, 'recordstore_operations_total', { operation: 'load', outcome: 'validation' })).toBe(
      1,
    );
    expect(sample(text, 'recordstore_operations_total', { operation: 'saveMany', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'recordstore_operation_duration_seconds_count', { operation: 'load' })).toBe(3);
    expect(sample(text, 'recordstore_operation_duration_seconds_count', { operation: 'list' })).toBe(1);
    const size = sample(text, 'recordstore_database_size_bytes');
    expect(size).toBeGreaterThan(0);
    expect(sample(text, 'recordstore_database_free_bytes')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'recordstore_wal_size_bytes')).toBeGreaterThan(0);

    // A scrape reads fresh figures: the file grows with the records written since.
    await store.saveMany(
      Array.from({ length: 500 }, (_, i) => ({ id: `big${i}`, data: { pad: 'x'.repeat(400) } })),
    );
    const after = await metrics!.text();
    expect(
      (sample(after, 'recordstore_database_size_bytes') ?? 0) +
        (sample(after, 'recordstore_wal_size_bytes') ?? 0),
    ).toBeGreaterThan(size! + (sample(text, 'recordstore_wal_size_bytes') ?? 0));
  });

  it('two stores keep separate registries, and a closed store still renders', async () => {
    const one = await openStore({ metrics_enabled: true });
    const two = await openStore({ metrics_enabled: true });
    await one.save({ id: 'x' });
    const twoText = await two.capability('metrics')!.text();
    expect(
      sample(twoText, 'recordstore_operations_total', { operation: 'save', outcome: 'ok' }),
    ).toBeUndefined();
    await one.close();
    const closed = await one.capability('metrics')!.text();
    expect(sample(closed, 'recordstore_operations_total', { operation: 'save', outcome: 'ok' })).toBe(1);
    expect(sample(closed, 'recordstore_database_size_bytes')).toBeUndefined();
  });
});
