import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PreparedQuery, processSQLQueryIR } from '@pgtyped/runtime';
import { describe, expect, it } from 'vitest';
import { fixedStatement } from '../src/queries.js';

/** Every pgtyped query the package ships, by module and export name. */
async function allQueries(): Promise<Array<[string, PreparedQuery<unknown, unknown>]>> {
  const dir = join(import.meta.dirname, '../src/generated');
  const out: Array<[string, PreparedQuery<unknown, unknown>]> = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.queries.ts'))) {
    const mod = (await import(join(dir, file))) as Record<string, unknown>;
    for (const [name, value] of Object.entries(mod)) {
      if (value instanceof PreparedQuery) out.push([`${file}:${name}`, value]);
    }
  }
  return out;
}

describe('fixed statements (point operations without per-call SQL processing)', () => {
  it('send exactly the text and parameter order pgtyped would send', async () => {
    const queries = await allQueries();
    let fixed = 0;
    for (const [name, query] of queries) {
      const statement = fixedStatement(query);
      if (statement === null) continue;
      fixed++;
      // Distinct values per parameter, so a swapped order shows.
      const params = Object.fromEntries(statement.names.map((n, i) => [n, `value-${i}-${n}`]));
      const ir = (query as unknown as { queryIR: Parameters<typeof processSQLQueryIR>[0] }).queryIR;
      const expected = processSQLQueryIR(ir, params);
      expect(statement.text, name).toBe(expected.query);
      expect(
        statement.names.map((n) => params[n]),
        name,
      ).toEqual(expected.bindings);
    }
    // The point operations' statements are among them.
    expect(fixed).toBeGreaterThanOrEqual(5);
  });

  it('leaves queries with run-time expansion to pgtyped', () => {
    const spread = new PreparedQuery({
      usedParamSet: { ids: true },
      params: [
        { name: 'ids', required: false, transform: { type: 'array_spread' }, locs: [{ a: 36, b: 40 }] },
      ],
      statement: 'SELECT 1 FROM storage_records WHERE id IN :ids',
    } as never);
    expect(fixedStatement(spread)).toBeNull();
  });

  it('caches the text: the same string object on every call', async () => {
    const [, query] = (await allQueries()).find(([n]) => n.endsWith(':loadRecord'))!;
    expect(fixedStatement(query)!.text).toBe(fixedStatement(query)!.text);
    expect(fixedStatement(query)!.names).toEqual(['id']);
  });

  it("serves the coalesced batches' statements too (one array parameter, no per-call processing)", async () => {
    const queries = await allQueries();
    for (const name of ['loadRecords', 'idExpiries', 'deleteRecordsReturning']) {
      const [, query] = queries.find(([n]) => n === `point-batches.queries.ts:${name}`)!;
      expect(fixedStatement(query)?.names, name).toEqual(['ids']);
    }
  });
});
