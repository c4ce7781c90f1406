import type { Logger } from '@recordstore/core';
import * as deferred from '../generated/deferred-indexes.queries.js';
import * as meta from '../generated/meta.queries.js';
import { catalogOn, inTransaction, type SqlClient } from '../partitions/sql-client.js';
import type { PostgresConfig } from '../postgres-config.js';
import { dropIndexDdl } from './declared-index-ddl.js';

/**
 * Secondary indexes set aside while a bulk load fills an empty storage_records, and built once at its end,
 * as pg_restore does. Row by row, seven btrees and the GIN on data made a 1,000,000-record copy
 * server-bound (about 50 µs of server CPU per record, 18,000 records/s even for one raw COPY on two
 * cores); the same COPY into the table without them took 8 s, and building them after it 10 s.
 *
 * The definitions (`pg_get_indexdef`) wait in the table's comment until they are built:
 * - only the table's owner may set a comment, while any writer of the store may change
 *   recordstore_meta, and these are statements the owner will run;
 * - it survives a crash, and travels with the table (a dump taken mid-load restores the marker too).
 *
 * A load whose process died is finished by the next connect ({@link finishInterruptedLoad}): the load holds
 * the store lock {@link BULK_LOAD_LOCK} from start to end, so a connect that can take it knows nobody is
 * loading. Each index is built by its own statement and the marker goes last, so an interrupted build is
 * simply continued.
 */

/** The store lock (the `lock` capability's name) a bulk load holds while indexes are deferred. */
export const BULK_LOAD_LOCK = 'bulk-load';

/** The key of the comment's JSON that marks deferred indexes. */
const MARKER = 'recordstore.deferredIndexes';

/** One deferred index: its name and the statement that builds it again. */
interface DeferredIndex {
  name: string;
  definition: string;
}

/** The table's comment while indexes are deferred: them, and the comment it had before. */
interface Marker {
  [MARKER]: DeferredIndex[];
  comment: string | null;
}

/** The marker in a table comment, or null when the comment is anything else (or none). */
function parseMarker(comment: string | null): Marker | null {
  if (comment === null || !comment.startsWith('{')) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(comment);
  } catch {
    return null;
  }
  const marker = parsed as Partial<Marker> | null;
  const indexes = marker?.[MARKER];
  if (!Array.isArray(indexes)) return null;
  if (!indexes.every(rebuildable)) return null;
  return { [MARKER]: indexes, comment: typeof marker?.comment === 'string' ? marker.comment : null };
}

/** Only what a DeferrableIndexes row looks like: a CREATE INDEX of that very name. */
function rebuildable(index: Partial<DeferredIndex> | null): index is DeferredIndex {
  return (
    typeof index?.name === 'string' &&
    typeof index.definition === 'string' &&
    index.definition.startsWith(`CREATE INDEX ${quotedOrBare(index.name)} ON `)
  );
}

/** How pg_get_indexdef writes an index name: bare when it needs no quotes. */
function quotedOrBare(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

async function setComment(client: SqlClient, comment: string | null): Promise<void> {
  const [row] = await deferred.commentStatement.run({ comment }, catalogOn(client));
  await client.query(row!.statement);
}

/**
 * Drops the secondary indexes of storage_records when it is a plain table this role owns and holds no
 * row, keeping their definitions in the table's comment. Runs in one transaction: either the indexes are
 * gone and their definitions kept, or nothing changed.
 * @returns the names set aside, or null when the table does not qualify (rows, partitions, another owner,
 *   a load already pending) or has no such index.
 */
export async function deferSecondaryIndexes(client: SqlClient): Promise<string[] | null> {
  const db = catalogOn(client);
  return inTransaction(client, async () => {
    const [table] = await deferred.loadTarget.run(undefined, db);
    if (table === undefined || table.kind !== 'r' || !table.owned || !table.empty) return null;
    if (parseMarker(table.comment) !== null) return null;
    // An index whose definition the marker's check would refuse later (a name pg quotes for another reason
    // than its characters, such as a keyword) stays: it would never be rebuilt.
    const indexes = (await deferred.deferrableIndexes.run(undefined, db)).filter(rebuildable);
    if (indexes.length === 0) return null;
    const marker: Marker = {
      [MARKER]: indexes.map(({ name, definition }) => ({ name, definition })),
      comment: table.comment,
    };
    await setComment(client, JSON.stringify(marker));
    for (const { name } of indexes) await client.query(dropIndexDdl(name));
    return indexes.map((i) => i.name);
  });
}

/** Options of {@link buildDeferredIndexes}. */
export interface BuildOptions {
  /**
   * Build only when no load holds {@link BULK_LOAD_LOCK} (a connect finishing a dead load's work); the
   * load itself, which holds the lock, leaves this off.
   */
  unlessLoading?: { scope: string };
}

/**
 * Builds the deferred indexes that are missing, each by its own statement, then gives the table its
 * comment back. Outside any transaction on `client`.
 * @returns the names built; empty when nothing was pending (or a load is still running, with
 *   `unlessLoading`).
 */
export async function buildDeferredIndexes(client: SqlClient, options: BuildOptions = {}): Promise<string[]> {
  const db = catalogOn(client);
  const [row] = await deferred.tableComment.run(undefined, db);
  const marker = parseMarker(row?.comment ?? null);
  if (marker === null) return [];
  const scope = options.unlessLoading?.scope;
  if (scope === undefined) return buildAll(client, marker);
  // In one transaction that holds the lock: a load that holds it is alive and finishes its own work, and
  // two connects do not build the same index.
  return inTransaction(client, async () => {
    const [lock] = await meta.tryStoreLock.run({ name: BULK_LOAD_LOCK, scope }, db);
    return lock?.locked === true ? buildAll(client, marker) : [];
  });
}

/**
 * Builds the missing indexes of `marker`, then restores the table's comment. One at a time: on two
 * connections the GIN on data took twice as long beside the btrees, for no gain overall (2 cores).
 */
async function buildAll(client: SqlClient, marker: Marker): Promise<string[]> {
  const db = catalogOn(client);
  const built: string[] = [];
  for (const index of marker[MARKER]) {
    const [present] = await deferred.indexPresent.run({ name: index.name }, db);
    if (present?.present) continue;
    await client.query(index.definition);
    built.push(index.name);
  }
  await setComment(client, marker.comment);
  return built;
}

/** Whether a store may defer indexes: its own plain table (no tenant sharing it, no partitions, not distributed). */
export function mayDeferIndexes(
  config: Pick<PostgresConfig, 'tenant_id' | 'distributed' | 'partitioning_enabled'>,
): boolean {
  return config.tenant_id === undefined && config.distributed === undefined && !config.partitioning_enabled;
}

/**
 * At connect: builds the indexes a load whose process died left deferred. Never fails the connect: a role
 * that may not build them (not the table's owner) gets a warning naming what to do, the store works on
 * without them, only slower.
 */
export async function finishInterruptedLoad(client: SqlClient, logger: Logger, where: string): Promise<void> {
  try {
    const built = await buildDeferredIndexes(client, { unlessLoading: { scope: '' } });
    if (built.length > 0) {
      logger.warn(
        { backend: 'postgresql', indexes: built },
        `postgresql: built ${built.length} index(es) of ${where} that an interrupted bulk load had deferred.`,
      );
    }
  } catch (error) {
    logger.warn(
      { backend: 'postgresql', code: (error as { code?: unknown }).code },
      `postgresql: ${where} lacks indexes that an interrupted bulk load deferred, and this connection could not ` +
        `build them (${error instanceof Error ? error.message : String(error)}). Connect once as the owner ` +
        'of storage_records to build them.',
    );
  }
}
