/**
 * recordstore benchmark: point operations, bulk writes, filtered lists, streams and TTL cleanup on the
 * recordstore backends, the raw drivers with best practice and Keyv, interleaved in rounds in one process;
 * then the sections: Keyv on recordstore vs Keyv's adapters, LangGraph checkpoint savers, and Citus.
 * Writes bench/results/latest.{json,md} and ratios.svg after each workload (partial results survive an
 * interrupted run).
 *
 *   pnpm bench              full sizes (1,000,000-row tables; takes a while)
 *   pnpm bench -- --quick   smoke run, about a minute
 *   pnpm bench -- --only keyv,langgraph,citus   only these sections
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { CONTENDERS, type ContenderName, openContender } from './contenders/index.js';
import { openRecordstoreUncoalesced, recordstoreAvailable } from './contenders/recordstore.js';
import type { Contender, Family, OptionalWork } from './contenders/types.js';
import { familyWorkloadsSelected, parseOptions, selected } from './options.js';
import { startPostgres } from './postgres-server.js';
import { machine, type ResultRow, type RunInfo, type SectionInfo, writeReports } from './report.js';
import { citusSection } from './sections/citus-section.js';
import { keyvSection } from './sections/keyv-section.js';
import { langgraphSection } from './sections/langgraph-section.js';
import { bulkWorkloads } from './workloads/bulk-workloads.js';
import { copyWorkload } from './workloads/copy-workload.js';
import { postgresTarget, sqliteTarget } from './workloads/family-targets.js';
import { listAndStreamWorkloads } from './workloads/list-workloads.js';
import { pointWorkloads } from './workloads/point-workloads.js';
import { unsupportedRow } from './workloads/result-rows.js';
import type { ContenderSupport, FamilyTarget, RunContext } from './workloads/run-context.js';
import { ttlWorkload } from './workloads/ttl-workload.js';

const started = Date.now();
const options = parseOptions(process.argv.slice(2), fileURLToPath(new URL('../results', import.meta.url)));
const log = (line: string) =>
  console.log(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${line}`);
const rows: ResultRow[] = [];
const sqliteVersion = (() => {
  const db = new Database(':memory:');
  const v = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  db.close();
  return v;
})();
const info: RunInfo = {
  date: new Date().toISOString(),
  mode: options.quick ? 'quick' : 'full',
  ...machine(),
  postgres: 'not run',
  sqlite: `${sqliteVersion} (better-sqlite3)`,
  sizes: { ...options.sizes },
  complete: false,
  durationS: 0,
  sections: {},
};
const sections: Record<string, SectionInfo> = info.sections!;
const ctx: RunContext = {
  options,
  rows,
  log,
  flush() {
    info.durationS = (Date.now() - started) / 1000;
    writeReports(options.outDir, info, rows);
  },
};

/** Which contenders of a family run; an unbuilt recordstore package becomes a "not measured" row. */
async function contendersOf(
  family: Family,
): Promise<{ names: ContenderName[]; skipped: Map<string, string> }> {
  const names: ContenderName[] = [];
  const skipped = new Map<string, string>();
  for (const name of CONTENDERS[family]) {
    if (name.startsWith('recordstore')) {
      const why = await recordstoreAvailable(family);
      if (why) {
        skipped.set(name, why);
        log(`${name} skipped: ${why}`);
        continue;
      }
    }
    names.push(name);
  }
  return { names, skipped };
}

async function runFamily(family: Family, target: FamilyTarget) {
  const { names, skipped } = await contendersOf(family);
  const rawName = CONTENDERS[family][0];
  for (const [name, why] of skipped) {
    rows.push(unsupportedRow('all workloads', { name, family }, `not measured: ${why}`));
  }
  const open = (name: ContenderName, t: string) => openContender(name, t);

  if (selected(options, 'point') || selected(options, 'bulk')) {
    const contenders: Contender[] = [];
    for (const name of names)
      contenders.push(await open(name, await target.fresh(`bench_point_${name.replace(/[^a-z0-9]/g, '_')}`)));
    try {
      if (selected(options, 'point')) {
        // Point workloads also run recordstore with coalescing off: the per-call path on its own.
        const uncoalesced = names.some((n) => n.startsWith('recordstore'))
          ? [
              await openRecordstoreUncoalesced(
                family,
                await target.fresh(`bench_point_${family}_coalesce_off`),
              ),
            ]
          : [];
        try {
          await pointWorkloads(ctx, family, [...contenders, ...uncoalesced], rawName);
        } finally {
          for (const c of uncoalesced) await c.close();
        }
      }
      if (selected(options, 'bulk'))
        await bulkWorkloads(ctx, family, contenders, rawName, () => target.settle());
    } finally {
      for (const c of contenders) await c.close();
    }
  }
  // Support facts of every contender (for the "not supported" rows), without opening them.
  const all: ContenderSupport[] = names.map((name) => ({ name, family, unsupported: UNSUPPORTED[name] }));
  const readers = names.filter((n) => !UNSUPPORTED[n].list);
  if (selected(options, 'list') || selected(options, 'stream')) {
    await listAndStreamWorkloads(ctx, target, readers, open, rawName, all);
  }
  // A whole SQLite store copied into PostgreSQL: a row of the PostgreSQL table (the engine written to).
  if (family === 'postgres' && selected(options, 'copy') && skipped.size === 0) {
    const dir = mkdtempSync(join(tmpdir(), 'rs-bench-copy-'));
    try {
      await copyWorkload(ctx, target, dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (selected(options, 'ttl')) {
    await ttlWorkload(
      ctx,
      target,
      names.filter((n) => !UNSUPPORTED[n].ttl),
      open,
      rawName,
      all,
    );
  }
}

/** What each contender cannot do (mirrors the contender classes, which are only opened when run). */
const KEYV_UNSUPPORTED: Partial<Record<OptionalWork, string>> = {
  list: 'not supported: Keyv has no filtered list',
  stream: 'not supported: Keyv has no filtered, time-ordered stream (its iterator() walks keys)',
  ttl: 'not supported: Keyv expires lazily on read, no cleanup by query',
};
const UNSUPPORTED: Record<ContenderName, Partial<Record<OptionalWork, string>>> = {
  'raw-pg': {},
  'recordstore-postgres': {},
  'keyv-postgres': KEYV_UNSUPPORTED,
  'raw-better-sqlite3': {},
  'recordstore-sqlite': {},
  'keyv-sqlite': KEYV_UNSUPPORTED,
};

/** The family's table (unless `--only` names sections alone), then its Keyv and LangGraph sections. */
async function runEngine(family: Family, target: FamilyTarget) {
  if (familyWorkloadsSelected(options)) await runFamily(family, target);
  if (selected(options, 'keyv')) await keyvSection(ctx, family, target, sections);
  if (selected(options, 'langgraph')) await langgraphSection(ctx, family, target, sections);
}

async function main() {
  log(`mode ${info.mode}; ${info.cpu}, ${info.cores} cores; Node ${info.node}; results in ${options.outDir}`);
  const engineWork =
    familyWorkloadsSelected(options) || selected(options, 'keyv') || selected(options, 'langgraph');
  if (options.families.has('postgres') && engineWork) {
    const server = await startPostgres(log);
    info.postgres = `${server.serverVersion} (${server.source}; ${server.settings})`;
    log(`PostgreSQL ${server.serverVersion} via ${server.source}`);
    try {
      await runEngine(
        'postgres',
        postgresTarget((name) => server.createDatabase(name)),
      );
    } finally {
      await server.stop();
    }
  }
  if (options.families.has('sqlite') && engineWork) {
    const dir = mkdtempSync(join(tmpdir(), 'rs-bench-sqlite-'));
    try {
      await runEngine('sqlite', sqliteTarget(dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  // Its own cluster (coordinator + 2 workers); skipped with the reason when Citus is not installed.
  if (options.families.has('postgres') && selected(options, 'citus')) await citusSection(ctx, sections);
  info.complete = true;
  ctx.flush();
  log(`done in ${info.durationS.toFixed(0)} s: ${join(options.outDir, 'latest.md')}`);
  console.log(`\n${(await import('node:fs')).readFileSync(join(options.outDir, 'latest.md'), 'utf8')}`);
}

main().catch((error: unknown) => {
  ctx.flush();
  console.error(error);
  process.exit(1);
});
