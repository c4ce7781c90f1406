/** Sizes of every workload; `--quick` shrinks them so a smoke run ends in about a minute on 2 cores. */
export interface BenchSizes {
  /** Rounds of the point and bulk workloads (contenders interleaved within each round). */
  rounds: number;
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
  pointBaseRows: 20_000,
  pointOps: 1_000,
  concurrency: 16,
  bulkRecords: 100_000,
  bulkBatch: 1_000,
  listRows: 1_000_000,
  listQueries: 20,
  listRounds: 5,
  ttlExpiredRows: 500_000,
  ttlBaselineOps: 2_000,
};

const QUICK: BenchSizes = {
  rounds: 2,
  pointBaseRows: 2_000,
  pointOps: 200,
  concurrency: 16,
  bulkRecords: 5_000,
  bulkBatch: 1_000,
  listRows: 20_000,
  listQueries: 5,
  listRounds: 2,
  ttlExpiredRows: 20_000,
  ttlBaselineOps: 200,
};

const USAGE = `Usage: pnpm bench [-- options]
  --quick              small sizes, about a minute (smoke run)
  --family=postgres    only one family (postgres | sqlite); repeatable
  --only=point,bulk    only workloads whose id starts with one of these prefixes
                       (point, bulk, list, stream, ttl)
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
  for (const arg of argv) {
    if (arg === '--') continue;
    if (arg === '--quick') quick = true;
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
  if (families.size === 0) {
    families.add('postgres');
    families.add('sqlite');
  }
  return { quick, sizes: quick ? QUICK : FULL, families, only, outDir, seed };
}

/** True when a workload id is selected by `--only`. */
export function selected(options: BenchOptions, workloadId: string): boolean {
  return options.only.length === 0 || options.only.some((prefix) => workloadId.startsWith(prefix));
}
