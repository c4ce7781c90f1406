import type { BenchSizes } from '../options.js';
import type { ResultRow, SectionInfo } from '../report.js';
import type { RunContext } from '../workloads/run-context.js';

/** How a section's rows are told apart from the family tables' rows. */
export interface SectionSpec {
  id: string;
  info: SectionInfo;
  /** The contender every ratio of the section is relative to, one per family. */
  references: readonly string[];
  /** Renames a workload (e.g. Keyv's own verbs: save → set). */
  rename?: (workload: string) => string;
  /** Sizes of the shared workloads inside this section, when they differ from the run's. */
  sizes?: Partial<BenchSizes>;
}

/**
 * A run context whose rows go to a section: the shared workloads (point, bulk) write into their own
 * array, so their cross-row checks (such as SQLite's "≥ 3× keyv-sqlite") never see the family tables'
 * rows; every flush moves them into the run's rows, tagged with the section.
 */
export function sectionContext(ctx: RunContext, spec: SectionSpec, sections: Record<string, SectionInfo>) {
  sections[spec.id] = spec.info;
  const rows: ResultRow[] = [];
  const drain = () => {
    for (const row of rows.splice(0)) {
      row.section = spec.id;
      if (spec.references.includes(row.contender)) row.reference = true;
      if (spec.rename) row.workload = spec.rename(row.workload);
      // The family tables' targets (recordstore vs the raw driver) do not apply to these pairs.
      delete row.target;
      delete row.target_met;
      ctx.rows.push(row);
    }
  };
  const sub: RunContext = {
    options: { ...ctx.options, sizes: { ...ctx.options.sizes, ...spec.sizes } },
    rows,
    log: (line) => ctx.log(`${spec.id}: ${line}`),
    flush() {
      drain();
      ctx.flush();
    },
  };
  return sub;
}
