import { createHash } from 'node:crypto';
import { StorageError, type WriteRow } from '@recordstore/core';
import pg from 'pg';
import * as partitioned from './generated/partitioned.queries.js';
import { type PostgresConfig, type PostgresConfigInput, postgresConfigSchema } from './postgres-config.js';
import { describeTarget, resolveConnection } from './postgres-connection.js';
import { toPostgresStorageError } from './postgres-errors.js';
import type { SqlClient } from './postgres-indexes.js';
import { columnsOf, type SqlSession } from './queries.js';

/**
 * Partitioned storage (`partitioning_enabled`), implemented in our own code rather than with pg_partman:
 * it needs no extension (managed services and the throwaway test clusters have none), and our needs are
 * narrow (one table, three fixed strategies). What it does:
 *
 * - **Layout.** The migrations create an unpartitioned `storage_records`. {@link convertLayout} rebuilds
 *   it as the configured layout in ONE transaction (copying in keyset batches of `batch_size` rows, then
 *   building the indexes, then dropping the old table), so it either happens completely or not at all. On
 *   connect an EMPTY table is converted automatically (auto_migrate); a table with rows is refused with a
 *   message naming `recordstore partitions enable`, which runs the same conversion.
 * - **Keys.** hash (by id) keeps `PRIMARY KEY (id)`. range (created_at) and list (type) cannot have it
 *   (PostgreSQL requires the partition key in unique indexes), so they get a plain index on id and every
 *   write serializes on a per-id advisory lock (sql/partitioned.sql): `save` can never create a second row.
 * - **Maintenance.** {@link maintainPartitions} creates the coming range partitions (`partition_premake`
 *   intervals ahead) and the configured list partitions, moves rows that landed in the default partition
 *   into a new partition that covers them, and drops (or detaches) range partitions wholly older than
 *   `partition_retention_days`: expiring time-ordered data costs a DROP, not a DELETE.
 */

/** Partition strategies. */
export const PARTITION_STRATEGIES = ['range', 'list', 'hash'] as const;
/** One of {@link PARTITION_STRATEGIES}. */
export type PartitionStrategy = (typeof PARTITION_STRATEGIES)[number];
/** Range partition sizes. */
export const PARTITION_INTERVALS = ['daily', 'weekly', 'monthly', 'yearly'] as const;
/** One of {@link PARTITION_INTERVALS}. */
export type PartitionInterval = (typeof PARTITION_INTERVALS)[number];

/** The column each strategy partitions by: the only combinations supported. */
export const PARTITION_COLUMNS: Readonly<Record<PartitionStrategy, string>> = {
  range: 'created_at',
  list: 'type',
  hash: 'id',
};

/** The subset of the backend config partitioning reads. */
export interface PartitionConfig {
  partitioning_enabled: boolean;
  partition_strategy: PartitionStrategy;
  partition_column?: string | undefined;
  partition_interval: PartitionInterval;
  partition_count: number;
  partition_premake: number;
  partition_retention_days?: number | undefined;
  partition_retention_action: 'drop' | 'detach';
  list_partition_values: readonly string[];
  batch_size: number;
}

/** A table layout: unpartitioned or one of the strategies with its parameters. */
export type Layout =
  | { kind: 'none' }
  | { kind: 'range'; interval: PartitionInterval }
  | { kind: 'list'; values: readonly string[] }
  | { kind: 'hash'; count: number };

/** The layout a config asks for. */
export function layoutOf(config: PartitionConfig): Layout {
  if (!config.partitioning_enabled) return { kind: 'none' };
  switch (config.partition_strategy) {
    case 'range':
      return { kind: 'range', interval: config.partition_interval };
    case 'list':
      return { kind: 'list', values: config.list_partition_values };
    case 'hash':
      return { kind: 'hash', count: config.partition_count };
  }
}

/** True when writes must serialize on per-id advisory locks (range and list: no unique id). */
export function needsIdLocks(config: PartitionConfig): boolean {
  return config.partitioning_enabled && config.partition_strategy !== 'hash';
}

function configError(key: string, message: string): StorageError {
  return new StorageError('config', `postgresql: ${key}: ${message}`, {
    path: `config.${key}`,
    backend: 'postgresql',
  });
}

/**
 * Refuses partition settings that cannot work, naming the key.
 * @throws StorageError(config)
 */
export function validatePartitionConfig(config: PartitionConfig): void {
  const strategy = config.partition_strategy;
  const expected = PARTITION_COLUMNS[strategy];
  if (config.partition_column !== undefined && config.partition_column !== expected) {
    const valid = PARTITION_STRATEGIES.map((s) => `${s} on ${PARTITION_COLUMNS[s]}`).join(', ');
    throw configError(
      'partition_column',
      `${JSON.stringify(config.partition_column)} cannot be used with partition_strategy ${strategy}; ` +
        `the supported combinations are ${valid} (range by time so old data is dropped whole, list by type, ` +
        'hash by id so load(id) touches one partition). Remove partition_column or set it to ' +
        `${expected}.`,
    );
  }
  if (!config.partitioning_enabled) return;
  if (strategy === 'hash' && config.partition_count > 1024) {
    throw configError('partition_count', `must be at most 1024, got ${config.partition_count}.`);
  }
  if (strategy === 'list') {
    const seen = new Set<string>();
    for (const value of config.list_partition_values) {
      if (seen.has(value)) {
        throw configError('list_partition_values', `lists ${JSON.stringify(value)} twice.`);
      }
      seen.add(value);
    }
  }
  if (config.partition_retention_days !== undefined && strategy !== 'range') {
    throw configError(
      'partition_retention_days',
      `applies to range partitions (whole time ranges are dropped); with partition_strategy ${strategy} ` +
        'use cleanupOldData / `recordstore cleanup` instead, or remove the key.',
    );
  }
}

// --- Names and time ranges ---

/** The parent table and the default partition. */
const PARENT = 'storage_records';
/** Name of the default partition (range and list). */
export const DEFAULT_PARTITION = 'storage_records_default';

const ident = (name: string) => pg.escapeIdentifier(name);
const literal = (value: string) => pg.escapeLiteral(value);

/** Start (UTC) of the interval containing `ms`. */
export function intervalStart(ms: number, interval: PartitionInterval): Date {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  switch (interval) {
    case 'daily':
      return new Date(Date.UTC(y, m, d.getUTCDate()));
    case 'weekly': {
      // ISO weeks start on Monday.
      const day = new Date(Date.UTC(y, m, d.getUTCDate()));
      return new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * 86_400_000);
    }
    case 'monthly':
      return new Date(Date.UTC(y, m, 1));
    case 'yearly':
      return new Date(Date.UTC(y, 0, 1));
  }
}

/** `start` moved by `n` intervals. */
export function addIntervals(start: Date, interval: PartitionInterval, n: number): Date {
  const y = start.getUTCFullYear();
  const m = start.getUTCMonth();
  const day = start.getUTCDate();
  switch (interval) {
    case 'daily':
      return new Date(Date.UTC(y, m, day + n));
    case 'weekly':
      return new Date(Date.UTC(y, m, day + 7 * n));
    case 'monthly':
      return new Date(Date.UTC(y, m + n, 1));
    case 'yearly':
      return new Date(Date.UTC(y + n, 0, 1));
  }
}

/** `storage_records_p20250101`: the range partition starting at `start`. */
export function rangePartitionName(start: Date): string {
  return `${PARENT}_p${start.toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/** `storage_records_l_<slug>_<hash>`: the list partition of one type value (<= 63 characters). */
export function listPartitionName(value: string): string {
  const slug = value
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 24);
  const digest = createHash('sha1').update(value).digest('hex').slice(0, 8);
  return `${PARENT}_l_${slug}_${digest}`;
}

/** `storage_records_h3`: hash partition with remainder 3. */
export function hashPartitionName(remainder: number): string {
  return `${PARENT}_h${remainder}`;
}

// --- Inspecting the current layout ---

/** What the database holds now. */
export interface CurrentLayout {
  /** False when storage_records does not exist (not migrated). */
  exists: boolean;
  kind: 'none' | PartitionStrategy;
  /** The partition key column (partitioned tables only). */
  column: string | null;
  /** Number of partitions (0 when unpartitioned). */
  partitions: number;
  /** Hash modulus of the partitions (hash only). */
  modulus: number | null;
}

/** Reads the layout of storage_records in the current schema. */
export async function inspectLayout(client: SqlClient): Promise<CurrentLayout> {
  const result = await client.query<{
    relkind: string | null;
    strategy: string | null;
    column: string | null;
    partitions: number;
    modulus: number | null;
  }>(
    `SELECT c.relkind::text AS relkind, p.partstrat::text AS strategy,
            (SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum = p.partattrs[0]) AS column,
            (SELECT count(*)::int FROM pg_inherits i WHERE i.inhparent = c.oid) AS partitions,
            (SELECT max((regexp_match(pg_get_expr(k.relpartbound, k.oid), 'modulus (\\d+)', 'i'))[1]::int)
               FROM pg_inherits i JOIN pg_class k ON k.oid = i.inhrelid WHERE i.inhparent = c.oid) AS modulus
     FROM (SELECT to_regclass('storage_records') AS oid) r
     LEFT JOIN pg_class c ON c.oid = r.oid
     LEFT JOIN pg_partitioned_table p ON p.partrelid = c.oid`,
  );
  const row = result.rows[0];
  if (!row || row.relkind === null) {
    return { exists: false, kind: 'none', column: null, partitions: 0, modulus: null };
  }
  const kind =
    row.relkind === 'p' ? (row.strategy === 'r' ? 'range' : row.strategy === 'l' ? 'list' : 'hash') : 'none';
  return {
    exists: true,
    kind,
    column: row.column,
    partitions: row.partitions,
    modulus: row.modulus,
  };
}

/** Human description of a layout ("range on created_at (monthly)", "unpartitioned"). */
export function describeLayout(layout: Layout | CurrentLayout): string {
  if (layout.kind === 'none') return 'unpartitioned';
  if ('exists' in layout) {
    const extra = layout.kind === 'hash' && layout.modulus !== null ? `, ${layout.modulus} partitions` : '';
    return `${layout.kind} on ${layout.column}${extra}`;
  }
  switch (layout.kind) {
    case 'range':
      return `range on created_at (${layout.interval})`;
    case 'list':
      return `list on type (${layout.values.length} values + default)`;
    case 'hash':
      return `hash on id (${layout.count} partitions)`;
  }
}

/** True when the current layout is the one `wanted` describes (strategies and hash count). */
export function layoutMatches(current: CurrentLayout, wanted: Layout): boolean {
  if (current.kind !== wanted.kind) return false;
  if (wanted.kind === 'none') return true;
  if (current.column !== PARTITION_COLUMNS[wanted.kind]) return false;
  if (wanted.kind === 'hash') return current.modulus === wanted.count;
  return true;
}

async function countRowsUpTo(client: SqlClient, limit: number): Promise<number> {
  const result = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM storage_records LIMIT ${Number(limit)}) s`,
  );
  return result.rows[0]?.n ?? 0;
}

/** What {@link ensureLayout} did on connect. */
export type EnsureLayoutResult = 'unchanged' | 'converted';

/**
 * On connect: makes sure the table has the configured layout. Converts an empty table automatically
 * when `autoMigrate`; otherwise refuses with a message that says exactly what to run. Never silently
 * uses a layout the config does not describe.
 * @throws StorageError(config)
 */
export async function ensureLayout(
  client: pg.Client,
  config: PartitionConfig,
  options: { autoMigrate: boolean; target: string; now?: number },
): Promise<EnsureLayoutResult> {
  const wanted = layoutOf(config);
  const current = await inspectLayout(client);
  if (!current.exists || layoutMatches(current, wanted)) return 'unchanged';
  const rows = await countRowsUpTo(client, 1);
  if (rows === 0 && options.autoMigrate) {
    await convertLayout(client, config, options.now === undefined ? {} : { now: options.now });
    return 'converted';
  }
  const how =
    wanted.kind === 'none'
      ? 'run `recordstore partitions disable` to copy the rows back into an unpartitioned table'
      : 'run `recordstore partitions enable` to copy the rows into the configured layout (in batches, in one transaction that blocks writers while it runs; readers keep reading)';
  const why =
    rows > 0 ? 'and it holds rows' : 'and auto_migrate is false, so connect does not change the schema';
  throw new StorageError(
    'config',
    `postgresql: storage_records in ${options.target} is ${describeLayout(current)}, but the config asks for ` +
      `${describeLayout(wanted)} ${why}. To switch, ${how}; or change partitioning_enabled / ` +
      'partition_strategy / partition_count to match the table.',
    { path: 'config.partitioning_enabled', backend: 'postgresql' },
  );
}

// --- Conversion ---

/** Options of {@link convertLayout}. */
export interface ConvertLayoutOptions {
  /** Rows per copy statement (default: the config's batch_size). */
  batchSize?: number;
  /** Keep the old table, renamed `storage_records_before_<timestamp>`, instead of dropping it. */
  keepOld?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
  /** The clock (ms) deciding which range partitions to create (default Date.now()). */
  now?: number;
}

/** What {@link convertLayout} did. */
export interface ConvertLayoutReport {
  from: string;
  to: string;
  changed: boolean;
  rowsCopied: number;
  partitionsCreated: string[];
  indexesCreated: string[];
  /** The old table when kept (keepOld). */
  keptAs: string | null;
  durationMs: number;
}

interface IndexDef {
  name: string;
  definition: string;
  primary: boolean;
}

/** Session-wide lock key serializing layout changes and maintenance of one schema's table. */
const LAYOUT_LOCK = "hashtext('recordstore.layout'), hashtext(current_schema())";

/**
 * Rebuilds storage_records with the layout `config` describes (partitioned or not), copying every row in
 * keyset batches, in ONE transaction: it either completes or leaves the table untouched. Writers wait for
 * it (EXCLUSIVE lock); readers keep reading the old table until the commit. Index definitions (the
 * migration's and any added since) are carried over; the key becomes `PRIMARY KEY (id)` (unpartitioned,
 * hash) or a plain index on id (range, list). Idempotent: a table that already matches is left alone.
 *
 * @param client a client outside any transaction (the function runs BEGIN/COMMIT itself).
 */
export async function convertLayout(
  client: pg.ClientBase,
  config: PartitionConfig,
  options: ConvertLayoutOptions = {},
): Promise<ConvertLayoutReport> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const wanted = layoutOf(config);
  const batchSize = options.batchSize ?? config.batch_size;
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(${LAYOUT_LOCK})`);
    const current = await inspectLayout(client);
    if (!current.exists) {
      throw new StorageError(
        'config',
        'postgresql: storage_records does not exist; run `recordstore migrate up` first.',
        { backend: 'postgresql' },
      );
    }
    const report: ConvertLayoutReport = {
      from: describeLayout(current),
      to: describeLayout(wanted),
      changed: false,
      rowsCopied: 0,
      partitionsCreated: [],
      indexesCreated: [],
      keptAs: null,
      durationMs: 0,
    };
    if (layoutMatches(current, wanted)) {
      await client.query('COMMIT');
      report.durationMs = Math.round(performance.now() - started);
      return report;
    }
    // Writers wait from here to COMMIT; readers keep reading the old table.
    await client.query('LOCK TABLE storage_records IN EXCLUSIVE MODE');
    // Row-level security (tenant isolation) must never filter the copy: with it off, a policy that would
    // apply makes the copy fail instead of silently leaving rows behind.
    await client.query('SET LOCAL row_security = off');
    const extras = await captureTableExtras(client);
    const indexes = await client.query<IndexDef>(
      `SELECT c.relname::text AS name, pg_get_indexdef(i.indexrelid) AS definition, i.indisprimary AS primary
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       WHERE i.indrelid = to_regclass('storage_records') ORDER BY c.relname`,
    );
    const columns = await client.query<{ name: string }>(
      `SELECT attname::text AS name FROM pg_attribute
       WHERE attrelid = to_regclass('storage_records') AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    );
    const columnList = columns.rows.map((c) => ident(c.name)).join(', ');
    const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    const old = `storage_records_before_${stamp}`;
    // Free every name the new table will use: the table, its index names, its partitions' names.
    await client.query(`ALTER TABLE storage_records RENAME TO ${ident(old)}`);
    for (const [i, index] of indexes.rows.entries()) {
      await client.query(`ALTER INDEX ${ident(index.name)} RENAME TO ${ident(`rs_before_${stamp}_i${i}`)}`);
    }
    const children = await client.query<{ name: string }>(
      `SELECT c.relname::text AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = to_regclass($1) ORDER BY c.relname`,
      [ident(old)],
    );
    for (const [i, child] of children.rows.entries()) {
      await client.query(`ALTER TABLE ${ident(child.name)} RENAME TO ${ident(`rs_before_${stamp}_p${i}`)}`);
    }
    const partitionBy =
      wanted.kind === 'none'
        ? ''
        : ` PARTITION BY ${wanted.kind.toUpperCase()} (${PARTITION_COLUMNS[wanted.kind]})`;
    await client.query(
      `CREATE TABLE storage_records (LIKE ${ident(old)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS ` +
        `INCLUDING STORAGE INCLUDING COMPRESSION INCLUDING GENERATED)${partitionBy}`,
    );
    report.partitionsCreated = await createInitialPartitions(client, config, wanted, old, options.now);
    log(`created ${report.partitionsCreated.length} partition(s)`);
    // Copy in keyset batches on id (served by the old key index), building indexes afterwards (faster).
    let last: string | null = null;
    for (;;) {
      const batch: pg.QueryResult<{ last: string | null; n: number }> = await client.query(
        `WITH b AS (
           SELECT ${columnList} FROM ${ident(old)} WHERE ($1::text IS NULL OR id > $1::text) ORDER BY id LIMIT $2::int
         ), ins AS (INSERT INTO storage_records (${columnList}) SELECT * FROM b)
         SELECT max(id) AS last, count(*)::int AS n FROM b`,
        [last, batchSize],
      );
      const { n, last: batchLast } = batch.rows[0]!;
      report.rowsCopied += n;
      if (n > 0) log(`copied ${report.rowsCopied} row(s)`);
      if (n < batchSize || batchLast === null) break;
      last = batchLast;
    }
    // The key, then every other index of the old table under its own name.
    if (wanted.kind === 'none' || wanted.kind === 'hash') {
      await client.query('ALTER TABLE storage_records ADD CONSTRAINT storage_records_pkey PRIMARY KEY (id)');
      report.indexesCreated.push('storage_records_pkey');
    } else {
      await client.query('CREATE INDEX storage_records_id_idx ON storage_records (id)');
      report.indexesCreated.push('storage_records_id_idx');
    }
    for (const index of indexes.rows) {
      if (index.primary || index.name === 'storage_records_id_idx') continue;
      // Captured before the rename, the definition names `<schema>.storage_records`: the new table now.
      await client.query(index.definition.replace(/ ON ONLY /, ' ON '));
      report.indexesCreated.push(index.name);
    }
    log(`built ${report.indexesCreated.length} index(es)`);
    // After the copy, so the copied rows do not fire the audit trigger.
    await restoreTableExtras(client, extras);
    if (options.keepOld) {
      report.keptAs = old;
    } else {
      await client.query(`DROP TABLE ${ident(old)}`);
    }
    await client.query('COMMIT');
    report.changed = true;
    if (report.rowsCopied > 0) await client.query('ANALYZE storage_records');
    report.durationMs = Math.round(performance.now() - started);
    return report;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** What `CREATE TABLE ... (LIKE ...)` does not carry over: policies, RLS, triggers, grants, owner. */
interface TableExtras {
  statements: string[];
}

/** Captures (as SQL to replay on the new table) the old table's RLS, policies, triggers, grants and owner. */
async function captureTableExtras(client: pg.ClientBase): Promise<TableExtras> {
  const statements: string[] = [];
  const table = await client.query<{ rls: boolean; force: boolean; owner: string }>(
    `SELECT relrowsecurity AS rls, relforcerowsecurity AS force, pg_get_userbyid(relowner) AS owner
     FROM pg_class WHERE oid = to_regclass('storage_records')`,
  );
  const t = table.rows[0]!;
  const policies = await client.query<{
    name: string;
    permissive: boolean;
    cmd: string;
    roles: string[];
    qual: string | null;
    check: string | null;
  }>(
    `SELECT p.polname::text AS name, p.polpermissive AS permissive, p.polcmd::text AS cmd,
            ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE quote_ident(pg_get_userbyid(r)) END FROM unnest(p.polroles) r) AS roles,
            pg_get_expr(p.polqual, p.polrelid) AS qual, pg_get_expr(p.polwithcheck, p.polrelid) AS check
     FROM pg_policy p WHERE p.polrelid = to_regclass('storage_records') ORDER BY p.polname`,
  );
  const commands: Record<string, string> = { '*': 'ALL', r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE' };
  for (const p of policies.rows) {
    statements.push(
      `CREATE POLICY ${ident(p.name)} ON storage_records AS ${p.permissive ? 'PERMISSIVE' : 'RESTRICTIVE'} ` +
        `FOR ${commands[p.cmd] ?? 'ALL'} TO ${p.roles.join(', ')}` +
        `${p.qual === null ? '' : ` USING (${p.qual})`}${p.check === null ? '' : ` WITH CHECK (${p.check})`}`,
    );
  }
  if (t.rls) statements.push('ALTER TABLE storage_records ENABLE ROW LEVEL SECURITY');
  if (t.force) statements.push('ALTER TABLE storage_records FORCE ROW LEVEL SECURITY');
  const triggers = await client.query<{ name: string; definition: string; enabled: string }>(
    `SELECT tgname::text AS name, pg_get_triggerdef(oid) AS definition, tgenabled::text AS enabled
     FROM pg_trigger WHERE tgrelid = to_regclass('storage_records') AND NOT tgisinternal ORDER BY tgname`,
  );
  for (const trigger of triggers.rows) {
    // Captured before the rename: `ON <schema>.storage_records` names the new table when replayed.
    statements.push(trigger.definition);
    const state = { D: 'DISABLE', R: 'ENABLE REPLICA', A: 'ENABLE ALWAYS' }[trigger.enabled];
    if (state) statements.push(`ALTER TABLE storage_records ${state} TRIGGER ${ident(trigger.name)}`);
  }
  const grants = await client.query<{ grantee: string; privilege: string; grantable: boolean }>(
    `SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END AS grantee,
            a.privilege_type AS privilege, a.is_grantable AS grantable
     FROM pg_class c, aclexplode(c.relacl) a
     WHERE c.oid = to_regclass('storage_records') AND a.grantee <> c.relowner`,
  );
  for (const g of grants.rows) {
    statements.push(
      `GRANT ${g.privilege} ON storage_records TO ${g.grantee}${g.grantable ? ' WITH GRANT OPTION' : ''}`,
    );
  }
  statements.push(`ALTER TABLE storage_records OWNER TO ${ident(t.owner)}`);
  return { statements };
}

async function restoreTableExtras(client: pg.ClientBase, extras: TableExtras): Promise<void> {
  for (const statement of extras.statements) await client.query(statement);
}

/** The partitions a fresh layout starts with (range: from the oldest row's interval to premake ahead). */
async function createInitialPartitions(
  client: pg.ClientBase,
  config: PartitionConfig,
  layout: Layout,
  oldTable: string,
  now = Date.now(),
): Promise<string[]> {
  const created: string[] = [];
  switch (layout.kind) {
    case 'none':
      return created;
    case 'hash':
      for (let r = 0; r < layout.count; r++) {
        const name = hashPartitionName(r);
        await client.query(
          `CREATE TABLE ${ident(name)} PARTITION OF storage_records FOR VALUES WITH (MODULUS ${layout.count}, REMAINDER ${r})`,
        );
        created.push(name);
      }
      return created;
    case 'list':
      for (const value of layout.values) {
        const name = listPartitionName(value);
        await client.query(
          `CREATE TABLE ${ident(name)} PARTITION OF storage_records FOR VALUES IN (${literal(value)})`,
        );
        created.push(name);
      }
      await client.query(`CREATE TABLE ${ident(DEFAULT_PARTITION)} PARTITION OF storage_records DEFAULT`);
      created.push(DEFAULT_PARTITION);
      return created;
    case 'range': {
      const span = await client.query<{ lo: number | null; hi: number | null }>(
        `SELECT floor(extract(epoch FROM min(created_at)) * 1000)::float8 AS lo,
                floor(extract(epoch FROM max(created_at)) * 1000)::float8 AS hi FROM ${ident(oldTable)}`,
      );
      const lo = Math.min(span.rows[0]?.lo ?? now, now);
      const hi = Math.max(span.rows[0]?.hi ?? now, now);
      let start = intervalStart(lo, layout.interval);
      const end = addIntervals(
        intervalStart(hi, layout.interval),
        layout.interval,
        config.partition_premake + 1,
      );
      const ranges: Array<[Date, Date]> = [];
      while (start < end) {
        const next = addIntervals(start, layout.interval, 1);
        ranges.push([start, next]);
        start = next;
      }
      if (ranges.length > 2000) {
        throw new StorageError(
          'config',
          `postgresql: partition_interval ${layout.interval}: the rows span ${ranges.length} intervals (more ` +
            'than 2000 partitions would make every load(id) and plan slow). Choose a longer partition_interval.',
          { path: 'config.partition_interval', backend: 'postgresql' },
        );
      }
      for (const [from, to] of ranges) {
        const name = rangePartitionName(from);
        await client.query(
          `CREATE TABLE ${ident(name)} PARTITION OF storage_records FOR VALUES FROM (${literal(from.toISOString())}) TO (${literal(to.toISOString())})`,
        );
        created.push(name);
      }
      await client.query(`CREATE TABLE ${ident(DEFAULT_PARTITION)} PARTITION OF storage_records DEFAULT`);
      created.push(DEFAULT_PARTITION);
      return created;
    }
  }
}

// --- Status ---

/** One partition in {@link partitionStatus}. */
export interface PartitionInfo {
  name: string;
  /** PostgreSQL's bound text: `FOR VALUES FROM (...) TO (...)`, `DEFAULT`, `FOR VALUES IN (...)`. */
  bound: string;
  /** Range partitions: bounds as ISO times (null otherwise). */
  from: string | null;
  to: string | null;
  /** Exact count with `exact`, else the statistics' estimate (n_live_tup). */
  rows: number;
  rowsExact: boolean;
  /** Table, indexes and TOAST. */
  sizeBytes: number;
}

/** What {@link partitionStatus} reports. */
export interface PartitionStatusReport {
  layout: string;
  strategy: 'none' | PartitionStrategy;
  column: string | null;
  partitions: PartitionInfo[];
  totalRows: number;
  totalSizeBytes: number;
}

interface PartitionRow {
  name: string;
  bound: string;
  from_ms: number | null;
  to_ms: number | null;
  estimate: number;
  size: number;
}

async function listPartitions(client: SqlClient): Promise<PartitionRow[]> {
  const result = await client.query<PartitionRow>(
    `SELECT c.relname::text AS name, pg_get_expr(c.relpartbound, c.oid) AS bound,
            floor(extract(epoch FROM (m.b)[1]::timestamptz) * 1000)::float8 AS from_ms,
            floor(extract(epoch FROM (m.b)[2]::timestamptz) * 1000)::float8 AS to_ms,
            coalesce(s.n_live_tup, 0)::float8 AS estimate,
            pg_total_relation_size(c.oid)::float8 AS size
     FROM pg_inherits i
     JOIN pg_class c ON c.oid = i.inhrelid
     LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
     CROSS JOIN LATERAL (SELECT regexp_match(pg_get_expr(c.relpartbound, c.oid),
       '^FOR VALUES FROM \\(''([^'']*)''\\) TO \\(''([^'']*)''\\)$') AS b) m
     WHERE i.inhparent = to_regclass('storage_records')
     ORDER BY from_ms NULLS LAST, c.relname`,
  );
  return result.rows;
}

/**
 * Lists the partitions with their bounds, row counts (estimates unless `exact`: an exact count reads
 * every row) and sizes. Changes nothing.
 */
export async function partitionStatus(
  client: SqlClient,
  options: { exact?: boolean } = {},
): Promise<PartitionStatusReport> {
  const current = await inspectLayout(client);
  const rows = await listPartitions(client);
  const partitions: PartitionInfo[] = [];
  for (const row of rows) {
    let count = row.estimate;
    if (options.exact) {
      const exact = await client.query<{ n: number }>(`SELECT count(*)::float8 AS n FROM ${ident(row.name)}`);
      count = exact.rows[0]?.n ?? 0;
    }
    partitions.push({
      name: row.name,
      bound: row.bound,
      from: row.from_ms === null ? null : new Date(row.from_ms).toISOString(),
      to: row.to_ms === null ? null : new Date(row.to_ms).toISOString(),
      rows: count,
      rowsExact: options.exact === true,
      sizeBytes: row.size,
    });
  }
  let totalRows = partitions.reduce((sum, p) => sum + p.rows, 0);
  let totalSizeBytes = partitions.reduce((sum, p) => sum + p.sizeBytes, 0);
  if (current.kind === 'none' && current.exists) {
    const table = await client.query<{ n: number; size: number }>(
      `SELECT ${options.exact ? '(SELECT count(*) FROM storage_records)' : `(SELECT coalesce(n_live_tup, 0) FROM pg_stat_user_tables WHERE relid = to_regclass('storage_records'))`}::float8 AS n,
              pg_total_relation_size(to_regclass('storage_records'))::float8 AS size`,
    );
    totalRows = table.rows[0]?.n ?? 0;
    totalSizeBytes = table.rows[0]?.size ?? 0;
  }
  return {
    layout: describeLayout(current),
    strategy: current.kind,
    column: current.column,
    partitions,
    totalRows,
    totalSizeBytes,
  };
}

// --- Maintenance ---

/** What {@link maintainPartitions} did. */
export interface PartitionMaintenanceReport {
  /** False when the table is not in the configured partitioned layout (nothing done). */
  ran: boolean;
  created: string[];
  dropped: string[];
  detached: string[];
  /** Rows moved out of the default partition into partitions created for them. */
  rowsMoved: number;
  durationMs: number;
}

/**
 * Creates the coming range partitions (`partition_premake` intervals ahead of `now`) and the configured
 * list partitions that are missing, moving rows that had landed in the default partition into them; and
 * drops (or detaches, `partition_retention_action`) range partitions whose upper bound is at or before
 * `now - partition_retention_days`. Each step is its own short transaction that takes the table's layout
 * lock (transaction-scoped, so it is safe behind PgBouncer in transaction mode) and re-checks that the
 * partition is still missing (or still there): concurrent maintainers do each step once. Runs on the
 * maintenance timer and by `recordstore partitions maintain`.
 *
 * @param client a dedicated client outside any transaction.
 */
export async function maintainPartitions(
  client: pg.ClientBase,
  config: PartitionConfig,
  now: number = Date.now(),
): Promise<PartitionMaintenanceReport> {
  const started = performance.now();
  const report: PartitionMaintenanceReport = {
    ran: false,
    created: [],
    dropped: [],
    detached: [],
    rowsMoved: 0,
    durationMs: 0,
  };
  const layout = layoutOf(config);
  if (layout.kind === 'none' || layout.kind === 'hash') {
    report.ran = layout.kind === 'hash';
    return report;
  }
  try {
    const current = await inspectLayout(client);
    if (!layoutMatches(current, layout)) return report;
    report.ran = true;
    const existing = await listPartitions(client);
    const names = new Set(existing.map((p) => p.name));
    const hasDefault = names.has(DEFAULT_PARTITION);
    if (layout.kind === 'range') {
      const first = intervalStart(now, layout.interval);
      for (let k = 0; k <= config.partition_premake; k++) {
        const from = addIntervals(first, layout.interval, k);
        const to = addIntervals(from, layout.interval, 1);
        const overlaps = existing.some(
          (p) =>
            p.from_ms !== null && p.to_ms !== null && p.from_ms < to.getTime() && p.to_ms > from.getTime(),
        );
        if (overlaps) continue;
        const name = rangePartitionName(from);
        const bound = `FOR VALUES FROM (${literal(from.toISOString())}) TO (${literal(to.toISOString())})`;
        const where = `created_at >= ${literal(from.toISOString())}::timestamptz AND created_at < ${literal(to.toISOString())}::timestamptz`;
        const moved = await createPartition(client, name, bound, hasDefault ? where : null);
        if (moved === null) continue;
        report.rowsMoved += moved;
        report.created.push(name);
      }
      if (config.partition_retention_days !== undefined) {
        const cutoff = now - config.partition_retention_days * 86_400_000;
        for (const p of existing) {
          if (p.to_ms === null || p.to_ms > cutoff) continue;
          await client.query('BEGIN');
          try {
            await client.query(`SELECT pg_advisory_xact_lock(${LAYOUT_LOCK})`);
            const still = await client.query<{ attached: boolean }>(
              `SELECT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass($1)
                 AND inhparent = to_regclass('storage_records')) AS attached`,
              [ident(p.name)],
            );
            if (!still.rows[0]?.attached) {
              await client.query('COMMIT');
              continue;
            }
            if (config.partition_retention_action === 'detach') {
              await client.query(`ALTER TABLE storage_records DETACH PARTITION ${ident(p.name)}`);
              report.detached.push(p.name);
            } else {
              await client.query(`DROP TABLE ${ident(p.name)}`);
              report.dropped.push(p.name);
            }
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK').catch(() => {});
            throw error;
          }
        }
      }
    } else {
      for (const value of layout.values) {
        const name = listPartitionName(value);
        if (names.has(name)) continue;
        const where = `type = ${literal(value)}`;
        const moved = await createPartition(
          client,
          name,
          `FOR VALUES IN (${literal(value)})`,
          hasDefault ? where : null,
        );
        if (moved === null) continue;
        report.rowsMoved += moved;
        report.created.push(name);
      }
    }
  } finally {
    report.durationMs = Math.round(performance.now() - started);
  }
  return report;
}

/**
 * Creates one partition in its own transaction. When the default partition holds rows that belong to
 * the new one, PostgreSQL would refuse to create it: those rows are moved into it in the same
 * transaction, under an EXCLUSIVE lock (writers wait, readers do not), so no write sees them missing.
 * @returns rows moved, or null when another maintainer created it meanwhile.
 */
async function createPartition(
  client: pg.ClientBase,
  name: string,
  bound: string,
  defaultRowsWhere: string | null,
): Promise<number | null> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(${LAYOUT_LOCK})`);
    const exists = await client.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [
      ident(name),
    ]);
    if (exists.rows[0]?.present) {
      await client.query('COMMIT');
      return null;
    }
    let moved = 0;
    if (defaultRowsWhere !== null) {
      const stray = await client.query<{ present: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM ${ident(DEFAULT_PARTITION)} WHERE ${defaultRowsWhere}) AS present`,
      );
      if (stray.rows[0]?.present) {
        await client.query('LOCK TABLE storage_records IN EXCLUSIVE MODE');
        await client.query('CREATE TEMP TABLE rs_moving (LIKE storage_records) ON COMMIT DROP');
        const result = await client.query(
          `WITH d AS (DELETE FROM ${ident(DEFAULT_PARTITION)} WHERE ${defaultRowsWhere} RETURNING *)
           INSERT INTO rs_moving SELECT * FROM d`,
        );
        moved = result.rowCount ?? 0;
      }
    }
    await client.query(`CREATE TABLE ${ident(name)} PARTITION OF storage_records ${bound}`);
    if (moved > 0) await client.query('INSERT INTO storage_records SELECT * FROM rs_moving');
    await client.query('COMMIT');
    return moved;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

// --- The write path of range/list layouts (sql/partitioned.sql) ---

/**
 * Upserts rows (distinct ids) on a range- or list-partitioned table: locks their ids (advisory,
 * transaction-scoped, in hash order), then updates-or-inserts them in one statement. Must run inside a
 * transaction: the lock is what makes the second statement see a concurrent writer's committed row.
 * `oneByOne` sends one statement per row (bulk_insert_enabled / bulk_update_enabled false).
 */
export async function upsertPartitionedRows(
  db: SqlSession,
  rows: readonly WriteRow[],
  keepCreatedAt: boolean,
  now: number,
  oneByOne = false,
): Promise<void> {
  await partitioned.lockRecordIds.run({ ids: rows.map((r) => r.id) }, db.connection);
  const batches = oneByOne ? rows.map((r) => [r]) : [rows];
  for (const batch of batches) {
    if (batch.length === 1) {
      const row = batch[0]!;
      await partitioned.upsertPartitionedRecord.run(
        {
          id: row.id,
          data: row.dataJson,
          createdAt: new Date(row.created_at),
          updatedAt: new Date(row.updated_at),
          expiresAt: row.expires_at === null ? null : new Date(row.expires_at),
          type: row.type,
          sessionId: row.session_id,
          threadId: row.thread_id,
          metadata: row.metadataJson,
          keepCreatedAt,
          now: new Date(now),
        },
        db.connection,
      );
      continue;
    }
    const columns = columnsOf(batch) as unknown as Omit<
      partitioned.IUpsertPartitionedRecordsParams,
      'keepCreatedAt' | 'now'
    >;
    await partitioned.upsertPartitionedRecords.run(
      { ...columns, keepCreatedAt, now: new Date(now) },
      db.connection,
    );
  }
}

/** Takes the write lock of one id until the transaction ends (update() locks before it reads). */
export async function lockRecordId(db: SqlSession, id: string): Promise<void> {
  await partitioned.lockRecordIds.run({ ids: [id] }, db.connection);
}

/** One TTL batch on a partitioned table (by id: ctid repeats across partitions). */
export async function deleteExpiredBatchById(db: SqlSession, now: number, limit: number): Promise<number> {
  const { rowCount } = await partitioned.deleteExpiredBatchById.runWithCounts(
    { now: new Date(now), limit },
    db.connection,
  );
  return rowCount ?? 0;
}

/** One retention batch on a partitioned table (by id: ctid repeats across partitions). */
export async function deleteCreatedBeforeBatchById(
  db: SqlSession,
  cutoff: number,
  limit: number,
): Promise<number> {
  const { rowCount } = await partitioned.deleteCreatedBeforeBatchById.runWithCounts(
    { cutoff: new Date(cutoff), limit },
    db.connection,
  );
  return rowCount ?? 0;
}

// --- Entry points for the command line (no store, no migrations, one client) ---

/** Options of the standalone partition functions: the backend's config block. */
export interface PartitionAdminOptions {
  config: PostgresConfigInput | Record<string, unknown>;
}

/**
 * Runs `fn` on one client of the configured database (schema selected), outside any transaction,
 * converting errors to StorageError without leaking the password. Used by the `recordstore partitions`
 * and `recordstore indexes` commands, which must work even when connect() would refuse the layout.
 */
export async function withPostgresClient<T>(
  input: PostgresConfigInput | Record<string, unknown>,
  fn: (client: pg.Client, config: PostgresConfig) => Promise<T>,
): Promise<T> {
  const config = postgresConfigSchema.parse(input);
  const resolved = await resolveConnection(config);
  const client = new pg.Client({
    ...resolved.client,
    statement_timeout: undefined,
    query_timeout: undefined,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    const present = await inspectLayout(client);
    if (!present.exists) {
      throw new StorageError(
        'config',
        `postgresql: storage_records does not exist in schema ${config.schema_name} of ${describeTarget(resolved.target)}; run \`recordstore migrate up\` first.`,
        { path: 'config.schema_name', backend: 'postgresql' },
      );
    }
    return await fn(client, config);
  } catch (error) {
    throw toPostgresStorageError(error, {
      secrets: [resolved.target.password, config.password],
      target: describeTarget(resolved.target),
    });
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * `recordstore partitions enable`: rebuilds storage_records in the layout the config describes
 * (partitioning_enabled: true and its strategy), copying the rows in batches in one transaction.
 * @throws StorageError(config) when the config does not enable partitioning.
 */
export function enablePostgresPartitioning(
  options: PartitionAdminOptions & Omit<ConvertLayoutOptions, 'now'>,
): Promise<ConvertLayoutReport> {
  return withPostgresClient(options.config, async (client, config) => {
    if (!config.partitioning_enabled) {
      throw new StorageError(
        'config',
        'postgresql: partitions enable needs partitioning_enabled: true (and partition_strategy) in the config: it converts the table to the layout the config describes.',
        { path: 'config.partitioning_enabled', backend: 'postgresql' },
      );
    }
    const report = await convertLayout(client, config, options);
    await maintainPartitions(client, config);
    return report;
  });
}

/** `recordstore partitions disable`: copies the rows back into one unpartitioned table (primary key on id). */
export function disablePostgresPartitioning(
  options: PartitionAdminOptions & Omit<ConvertLayoutOptions, 'now'>,
): Promise<ConvertLayoutReport> {
  return withPostgresClient(options.config, (client, config) =>
    convertLayout(client, { ...config, partitioning_enabled: false }, options),
  );
}

/** `recordstore partitions status`. */
export function postgresPartitionStatus(
  options: PartitionAdminOptions & { exact?: boolean },
): Promise<PartitionStatusReport> {
  return withPostgresClient(options.config, (client) =>
    partitionStatus(client, { exact: options.exact ?? false }),
  );
}

/**
 * `recordstore partitions maintain`.
 * @throws StorageError(config) when the table's layout is not the configured one (run enable first).
 */
export function maintainPostgresPartitions(
  options: PartitionAdminOptions,
): Promise<PartitionMaintenanceReport> {
  return withPostgresClient(options.config, async (client, config) => {
    if (!config.partitioning_enabled) {
      throw new StorageError(
        'config',
        'postgresql: partitions maintain: partitioning_enabled is false in this config; nothing to maintain.',
        { path: 'config.partitioning_enabled', backend: 'postgresql' },
      );
    }
    const current = await inspectLayout(client);
    const wanted = layoutOf(config);
    if (!layoutMatches(current, wanted)) {
      throw new StorageError(
        'config',
        `postgresql: storage_records is ${describeLayout(current)}, the config asks for ${describeLayout(wanted)}; run \`recordstore partitions enable\` first.`,
        { path: 'config.partitioning_enabled', backend: 'postgresql' },
      );
    }
    return maintainPartitions(client, config);
  });
}
