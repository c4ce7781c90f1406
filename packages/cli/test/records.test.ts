import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, requireBuild, runCliProcess, tempDir } from './helpers.js';

describe('put / get / list / count / delete on the embedded store', () => {
  const tmp = tempDir();
  const run = (args: string[], input?: string) =>
    runCliProcess(args, { cwd: tmp.dir, ...(input === undefined ? {} : { input }) });
  beforeAll(requireBuild);
  afterAll(tmp.cleanup);

  it('round-trips a record: put prints the id, get returns it, delete removes it', async () => {
    const record = {
      type: 'message',
      session_id: 's1',
      role: 'user',
      content: 'héllo',
      metadata: { tokens: 12 },
    };
    const put = await run(['put', JSON.stringify(record)]);
    expect(put.code).toBe(0);
    const id = put.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    const get = await run(['get', id]);
    expect(get.code).toBe(0);
    expect(JSON.parse(get.stdout)).toMatchObject({ ...record, id });

    const list = await run(['list', '--json', '--filter', '{"session_id":"s1"}']);
    expect(parseJson<{ records: { id: string }[] }>(list).records.map((r) => r.id)).toEqual([id]);

    const del = await run(['delete', id]);
    expect(del.code).toBe(0);
    expect(del.stdout).toContain(`deleted ${id}`);
    expect((await run(['get', id])).code).toBe(3);
  });

  it('exits 3 for get and delete of an id that does not exist', async () => {
    const get = await run(['get', 'no-such-id']);
    expect(get.code).toBe(3);
    expect(get.stderr).toBe(
      'recordstore: no record with id "no-such-id" (it does not exist or has expired).\n',
    );
    const del = await run(['delete', 'no-such-id', '--json']);
    expect(del.code).toBe(3);
    expect(parseJson(del)).toEqual({
      error: { kind: 'not_found', message: 'no record with id "no-such-id" to delete.', path: 'id' },
    });
  });

  it('put - reads the record from stdin; an array is saved all or nothing', async () => {
    const one = await run(['put', '-', '--json'], '{"id":"from-stdin","type":"note"}');
    expect(parseJson(one)).toEqual({ id: 'from-stdin' });
    const many = await run(['put', '-', '--json'], '[{"id":"a1","type":"batch"},{"id":"a2","type":"batch"}]');
    expect(parseJson(many)).toEqual({ ids: ['a1', 'a2'] });
    // One bad record (an empty id) in the batch: nothing of it is stored.
    const bad = await run(['put', '[{"id":"b1","type":"batch"},{"id":"","type":"batch"}]']);
    expect(bad.code).toBe(2);
    expect((await run(['get', 'b1'])).code).toBe(3);
  });

  it('put --ttl writes a record that expires', async () => {
    const put = await run(['put', '{"id":"short","type":"cache"}', '--ttl', '0']);
    expect(put.code).toBe(0);
    expect((await run(['get', 'short'])).code).toBe(3);
  });

  it('list honours --limit, --offset and --order-by', async () => {
    for (const n of [1, 2, 3]) {
      await run([
        'put',
        JSON.stringify({ id: `ord-${n}`, type: 'ordered', created_at: `2024-01-0${n}T00:00:00Z` }),
      ]);
    }
    const ids = async (...args: string[]) =>
      parseJson<{ records: { id: string }[] }>(
        await run(['list', '--json', '--filter', '{"type":"ordered"}', ...args]),
      ).records.map((r) => r.id);
    expect(await ids()).toEqual(['ord-3', 'ord-2', 'ord-1']);
    expect(await ids('--order-by', 'created_at')).toEqual(['ord-1', 'ord-2', 'ord-3']);
    expect(await ids('--limit', '1', '--offset', '1')).toEqual(['ord-2']);
    const count = await run(['count', '--json', '--filter', '{"type":"ordered"}']);
    expect(parseJson(count)).toEqual({ count: 3 });
  });

  it('a bad filter exits 2 naming the culprit, and nothing stored changes', async () => {
    const before = parseJson<{ count: number }>(await run(['count', '--json'])).count;
    const unknownOp = await run(['list', '--filter', '{"metadata.tokens":{"$gtt":5}}']);
    expect(unknownOp.code).toBe(2);
    expect(unknownOp.stdout).toBe('');
    expect(unknownOp.stderr).toContain('$gtt');
    expect(unknownOp.stderr).toMatch(/^recordstore: /);

    const json = await run(['list', '--json', '--filter', '{"type":{"$in":"not-a-list"}}']);
    expect(json.code).toBe(2);
    const error = parseJson<{ error: { kind: string; message: string; path?: string } }>(json).error;
    expect(error.kind).toBe('validation');
    expect(error.message).toContain('$in');

    const notJson = await run(['list', '--filter', '{type: message}']);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('--filter is not valid JSON');

    const badOrder = await run(['list', '--order-by', 'content']);
    expect(badOrder.code).toBe(2);
    expect(badOrder.stderr).toContain('orderBy');

    expect(parseJson<{ count: number }>(await run(['count', '--json'])).count).toBe(before);
  });

  it('a bad filter is refused before any store is opened (no database file is created)', async () => {
    const empty = tempDir();
    try {
      const result = await runCliProcess(['list', '--filter', '{"$nope":1}'], { cwd: empty.dir });
      expect(result.code).toBe(2);
      expect(existsSync(join(empty.dir, 'data'))).toBe(false);
    } finally {
      empty.cleanup();
    }
  });

  it('put of something that is not a JSON object exits 2 and stores nothing', async () => {
    const before = parseJson<{ count: number }>(await run(['count', '--json'])).count;
    for (const bad of ['not json', '42', '"text"', 'null']) {
      const result = await run(['put', bad]);
      expect(result.code, bad).toBe(2);
      expect(result.stderr, bad).toMatch(/^recordstore: /);
    }
    expect(parseJson<{ count: number }>(await run(['count', '--json'])).count).toBe(before);
  });

  it('cleanup removes expired records and reports how many', async () => {
    await run(['put', JSON.stringify({ id: 'gone', type: 'cache', expires_at: '2000-01-01T00:00:00Z' })]);
    const cleanup = await run(['cleanup', '--json']);
    expect(cleanup.code).toBe(0);
    expect(parseJson<{ expiredRemoved: number }>(cleanup).expiredRemoved).toBeGreaterThanOrEqual(1);
    const old = await run(['cleanup', '--older-than-days', '36500', '--json']);
    expect(parseJson(old)).toMatchObject({ expiredRemoved: 0, olderThanDays: 36500, oldRemoved: 0 });
  });
});
