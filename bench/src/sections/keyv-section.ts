import { openContender } from '../contenders/index.js';
import { KeyvRecordstoreContender } from '../contenders/keyv.js';
import type { Contender, Family } from '../contenders/types.js';
import type { SectionInfo } from '../report.js';
import { pointWorkloads } from '../workloads/point-workloads.js';
import { unsupportedRow } from '../workloads/result-rows.js';
import type { FamilyTarget, RunContext } from '../workloads/run-context.js';
import { sectionContext } from './section-context.js';

/** The report section of Keyv on recordstore. */
export const KEYV_SECTION: SectionInfo = {
  title: 'Keyv on recordstore vs Keyv’s own adapters',
  notes: [
    'keyv 5.6.0 with `@recordstore/keyv`’s `KeyvRecordStore` over a recordstore store (PostgreSQL: pool of 16; ' +
      'SQLite: its defaults) vs keyv 5.6.0 with `@keyv/postgres` 2.2.3 (pool of 16) or `@keyv/sqlite` 4.0.8, ' +
      'each on a database or file of its own, same records (about 500 bytes of JSON) as the point workloads.',
    '`ratio` = throughput ÷ the native Keyv adapter’s throughput on the same engine (higher is better).',
  ],
};

const NATIVE: Record<Family, 'keyv-postgres' | 'keyv-sqlite'> = {
  postgres: 'keyv-postgres',
  sqlite: 'keyv-sqlite',
};

/** Keyv's own verbs for the point workloads' rows. */
const KEYV_VERBS = (workload: string) => workload.replace(/^save /, 'set ').replace(/^load /, 'get ');

/** set / get / delete, sequential and 16 concurrent, Keyv on recordstore vs the native Keyv adapter. */
export async function keyvSection(
  ctx: RunContext,
  family: Family,
  target: FamilyTarget,
  sections: Record<string, SectionInfo>,
): Promise<void> {
  const native = NATIVE[family];
  const sub = sectionContext(
    ctx,
    {
      id: 'keyv',
      info: KEYV_SECTION,
      references: Object.values(NATIVE),
      rename: KEYV_VERBS,
      // A smoke run keeps the section to seconds (Keyv's SQLite adapter writes a few hundred keys a second).
      sizes: ctx.options.quick ? { pointRounds: 3, pointBaseRows: 1_000, pointOps: 30 } : {},
    },
    sections,
  );
  const contenders: Contender[] = [];
  try {
    contenders.push(await openContender(native, await target.fresh(`bench_keyv_${family}_native`)));
    contenders.push(
      await KeyvRecordstoreContender.open(family, await target.fresh(`bench_keyv_${family}_rs`)),
    );
  } catch (error) {
    // A package that does not load (unbuilt) is a row saying so; a failure while measuring is not caught.
    const why = `not measured: ${(error as Error).message.split('\n')[0]}`;
    sub.log(`${family}: ${why}`);
    sub.rows.push(unsupportedRow('all Keyv workloads', { name: `keyv-recordstore-${family}`, family }, why));
    for (const c of contenders) await c.close();
    sub.flush();
    return;
  }
  try {
    await pointWorkloads(sub, family, contenders, native);
  } finally {
    for (const c of contenders) await c.close();
  }
  sub.flush();
}
