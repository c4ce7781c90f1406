/** Sizes of every workload; `--quick` shrinks them so a smoke run ends in about a minute on 2 cores. */
export interface BenchSizes {
  /** Rounds of the bulk workloads (contenders interleaved within each round). */
  rounds: number;
  /**
   * Rounds of the point workloads: contenders interleaved within each round, and the ratio to raw is the
   * median of the per-round ratios, so more and shorter rounds make it steadier on a loaded machine.
   */
  pointRounds: number;
  /** Rows present in each point-workload table before the rounds start (loads pick from them). */
  pointBaseRows: number;
  /** Operations per contender per round of each point workload. */
  pointOps: number;
  /** Workers of the concurrent point workloads. */
  concurrency: number;
  /** Records of the bulk upsert, and the batch size. */
  bulkRecords: number;
  bulkBatch: number;
  /** Rows of the filtered-list and stream table. */
  listRows: number;
  /** Queries per filter per contender per round of the filtered list. */
  listQueries: number;
  listRounds: number;
  /** Expired rows removed by the TTL cleanup (plus 10% live rows that must stay). */
  ttlExpiredRows: number;
  /** Writer operations measured before the cleanup starts (its baseline p99). */
  ttlBaselineOps: number;
  /** Checkpoints of the LangGraph thread that is listed and measured for storage (section `langgraph`). */
  checkpointThread: number;
  /** Rows of the Citus section's list and stream table (each of the two stores gets them). */
  citusListRows: number;
  /** Records of the SQLite to PostgreSQL copy (workload `copy`). */
  copyRecords: number;
}

/** Parsed command line. */
export interface BenchOptions {
  quick: boolean;
  sizes: BenchSizes;
  /** Only the families named (postgres, sqlite); both by default. */
  families: Set<'postgres' | 'sqlite'>;
  /** Only the workloads whose id starts with one of these prefixes; all by default. */
  only: string[];
  /** Folder of latest.json, latest.md and ratios.svg. */
  outDir: string;
  seed: number;
}

const FULL: BenchSizes = {
  rounds: 5,
  pointRounds: 10,
  pointBaseRows: 20_000,
  pointOps: 500,
  concurrency: 16,
  bulkRecords: 100_000,
  bulkBatch: 1_000,
  listRows: 1_000_000,
  listQueries: 20,
  listRounds: 5,
  ttlExpiredRows: 500_000,
  ttlBaselineOps: 2_000,
  checkpointThread: 1_000,
  citusListRows: 100_000,
  copyRecords: 1_000_000,
};

const QUICK: BenchSizes = {
  rounds: 2,
  // Many short slices the contenders take in turns, the ratio the median of the per-slice ratios (each
  // pairs measurements taken a moment apart), and no forced GC before a slice (it halved the throughput
  // measured after it). 34 x 128 operations: about 35 s of point workloads per family, the whole quick
  // run under two minutes. Three consecutive runs: 29 of recordstore's 32 point ratios within +/-0.1 of
  // each other, the 3 others PostgreSQL's coalesced 16-way ratios of 2.6 to 3.3 (bench/README.md says why).
  pointRounds: 34,
  pointBaseRows: 2_000,
  pointOps: 128,
  concurrency: 16,
  bulkRecords: 5_000,
  bulkBatch: 1_000,
  listRows: 20_000,
  listQueries: 5,
  listRounds: 2,
  ttlExpiredRows: 20_000,
  ttlBaselineOps: 200,
  checkpointThread: 200,
  citusListRows: 5_000,
  copyRecords: 20_000,
};

/** Workloads of the family tables, and the sections beside them (`--only` selects by prefix). */
const FAMILY_WORKLOADS = ['point', 'bulk', 'list', 'stream', 'ttl', 'copy'];
const SELECTABLE = [...FAMILY_WORKLOADS, 'keyv', 'langgraph', 'citus'];

const USAGE = `Usage: pnpm bench [-- options]
  --quick              small sizes, about a minute (smoke run)
  --family=postgres    only one family (postgres | sqlite); repeatable
  --only=point,bulk    (or --only point,bulk) only workloads whose id starts with one of these prefixes
                       (point, bulk, list, stream, ttl, copy: SQLite into PostgreSQL), and/or these sections:
                       keyv (Keyv on recordstore vs Keyv's adapters), langgraph (checkpoint savers),
                       citus (recordstore distributed on Citus vs a single node)
  --out=DIR            output folder (default bench/results)
  --seed=N             seed of the record generator (default 42)
Environment: RECORDSTORE_BENCH_POSTGRES_URL=postgres://... uses that server (its role needs CREATE DATABASE)
instead of a throwaway cluster.`;

/**
 * Parses `process.argv`-style arguments.
 * @throws Error with the usage text on an unknown flag.
 */
export function parseOptions(argv: readonly string[], defaultOutDir: string): BenchOptions {
  let quick = false;
  const families = new Set<'postgres' | 'sqlite'>();
  let only: string[] = [];
  let outDir = defaultOutDir;
  let seed = 42;
  let onlyNext = false;
  for (const arg of argv) {
    if (onlyNext) {
      only = arg.split(',').filter(Boolean);
      onlyNext = false;
      continue;
    }
    if (arg === '--') continue;
    if (arg === '--only') onlyNext = true;
    else if (arg === '--quick') quick = true;
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (arg.startsWith('--family=')) {
      const value = arg.slice('--family='.length);
      if (value !== 'postgres' && value !== 'sqlite') {
        throw new Error(`--family must be postgres or sqlite, got ${JSON.stringify(value)}.\n${USAGE}`);
      }
      families.add(value);
    } else if (arg.startsWith('--only=')) only = arg.slice('--only='.length).split(',').filter(Boolean);
    else if (arg.startsWith('--out=')) outDir = arg.slice('--out='.length);
    else if (arg.startsWith('--seed=')) seed = Number(arg.slice('--seed='.length));
    else throw new Error(`Unknown argument ${JSON.stringify(arg)}.\n${USAGE}`);
  }
  const unknown = only.filter((p) => !SELECTABLE.some((id) => id.startsWith(p) || p.startsWith(id)));
  if (unknown.length > 0 || onlyNext) {
    throw new Error(
      `--only takes a list of ${SELECTABLE.join(', ')}; got ${JSON.stringify(unknown)}.\n${USAGE}`,
    );
  }
  if (families.size === 0) {
    families.add('postgres');
    families.add('sqlite');
  }
  return { quick, sizes: quick ? QUICK : FULL, families, only, outDir, seed };
}

/** True when `--only` leaves any workload of the family tables (point, bulk, list, stream, ttl, copy). */
export function familyWorkloadsSelected(options: BenchOptions): boolean {
  return FAMILY_WORKLOADS.some((id) => selected(options, id));
}

/** True when a workload id is selected by `--only`. */
export function selected(options: BenchOptions, workloadId: string): boolean {
  return options.only.length === 0 || options.only.some((prefix) => workloadId.startsWith(prefix));
}
