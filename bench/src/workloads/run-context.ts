import type { ContenderName } from '../contenders/index.js';
import type { Contender, Family, OptionalWork } from '../contenders/types.js';
import type { BenchOptions } from '../options.js';
import type { AgentRecord } from '../records.js';
import type { ResultRow } from '../report.js';

/** What every workload needs from the run. */
export interface RunContext {
  options: BenchOptions;
  rows: ResultRow[];
  /** Writes the partial reports. */
  flush(): void;
  log(line: string): void;
}

/** Where a family's data lives: makes a fresh database (URL) or file (path) per name. */
export interface FamilyTarget {
  family: Family;
  fresh(name: string): Promise<string>;
  /** Loads records into the recordstore table at `target` as fast as the driver allows (COPY, transactions). */
  load(target: string, records: readonly AgentRecord[]): Promise<void>;
  /** Updates planner statistics after a load. */
  analyze(target: string): Promise<void>;
  /**
   * Writes out what earlier work left dirty (PostgreSQL: a CHECKPOINT, which also restarts the
   * checkpoint timer), so a timed write-heavy run does not pay for the contender before it.
   */
  settle(): Promise<void>;
}

/** Opens a contender by name on a target; recordstore contenders are skipped with a reason when unbuilt. */
export type Opener = (name: ContenderName, target: string) => Promise<Contender>;

/**
 * What a contender cannot do, known without opening it: the workloads that skip it still write a
 * "not supported" row for it.
 */
export interface ContenderSupport {
  name: string;
  family: Family;
  unsupported: Partial<Record<OptionalWork, string>>;
}
