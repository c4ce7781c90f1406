import type { BackendCapabilities, RowQuery, StorageStats } from '../backend.js';
import type { Clock, Logger } from '../clock.js';
import type { CoreSettings } from '../config/common-config.js';
import type { StorageError } from '../errors.js';
import type { FilterNode } from '../filter/types.js';
import type { RecordRow, WriteRow } from '../record.js';
import type { DriverCapabilityObjects } from './capabilities.js';

/**
 * The row-level work of a backend, on its main connection or inside one transaction. Rows arrive
 * validated and stamped; filters arrive validated and already restricted to live rows. The runtime in
 * core does everything else (validation, TTL, stats, streaming, transactions' facade).
 *
 * Three members are required. Filtering is one of two shapes, declared by
 * {@link DriverCapabilities.filtering}:
 * - `'native'`: the driver compiles the validated {@link FilterNode} tree to its query language and
 *   implements {@link countRows}, {@link listRows} and {@link deleteRowsWhere};
 * - `'scan'`: the driver cannot evaluate filters and implements {@link scanRows}; the runtime evaluates
 *   filters with the in-memory reference (`matchesFilter`, `compareRows`) over the scan.
 */
export interface RowStore {
  /**
   * Inserts or updates rows, each in full. On conflict the stored `created_at` is kept, unless
   * `keepCreatedAt` is false or the stored row had expired at `now` (then the new row replaces it whole).
   * All rows or none.
   */
  upsertRows(rows: readonly WriteRow[], options: { keepCreatedAt: boolean; now: number }): Promise<void>;
  /** Reads one row, expired or not; `forUpdate` locks it until the transaction ends where that exists. */
  loadRow(id: string, options?: { forUpdate?: boolean }): Promise<RecordRow | null>;
  /** Deletes rows by id; returns how many existed. */
  deleteRows(ids: readonly string[]): Promise<number>;

  /** `filtering: 'scan'`: up to `limit` rows with an id greater than `after` (code-point order), expired or not, in id order. */
  scanRows?(after: string | null, limit: number): Promise<RecordRow[]>;
  /** `filtering: 'native'`: counts rows matching `filter`. */
  countRows?(filter: FilterNode): Promise<number>;
  /** `filtering: 'native'`: rows matching `filter`, ordered by `query.orderBy` then by id in the first key's direction. */
  listRows?(filter: FilterNode, query: RowQuery): Promise<RecordRow[]>;
  /** `filtering: 'native'`: deletes rows matching `filter`; returns how many. */
  deleteRowsWhere?(filter: FilterNode): Promise<number>;
  /** Optional fast path: true when a row with this id exists and has not expired at `now`. */
  existsRow?(id: string, now: number): Promise<boolean>;

  /*
   * Batched point operations: the runtime coalesces concurrent `load`, `exists` and `delete` calls into
   * one call of these (one statement, `id = ANY($1)`), so each should be a single statement or lookup.
   * `ids` are distinct and validated. A kind whose member is missing is not coalesced: its calls run one
   * by one as without coalescing.
   */
  /** The rows among `ids` that exist, expired or not, in any order (coalesced `load`). */
  loadRows?(ids: readonly string[]): Promise<RecordRow[]>;
  /** The ids among `ids` whose row exists and has not expired at `now`, in any order (coalesced `exists`). */
  existsRows?(ids: readonly string[], now: number): Promise<string[]>;
  /** Deletes the rows among `ids`; returns the ids of the rows it deleted, in any order (coalesced `delete`). */
  deleteRowsReturning?(ids: readonly string[]): Promise<string[]>;
}

/** What a driver declares about itself: data the runtime, the conformance suite and the CLI read. */
export interface DriverCapabilities extends BackendCapabilities {}

/** Figures a driver may add to {@link StorageStats}. */
export type DriverStats = Pick<StorageStats, 'records' | 'sizeBytes' | 'details'>;

/** What core hands a backend's `createDriver`: the parsed common settings and the injected clock and logger. */
export interface DriverContext {
  settings: CoreSettings;
  clock: Clock;
  logger: Logger;
}

/**
 * The contract a backend implements: the database work only. Seven members are required; core's
 * runtime composes a driver into a full {@link StorageBackend} (lifecycle, validation and stamping, lazy
 * expiry and the cleanup timer, stats, the transaction facade, keyset streaming, scheduled backups and
 * metering).
 *
 * @example
 * const driver: StorageDriver = {
 *   name: 'kv',
 *   capabilities: { persistent: false, multiProcess: false, compression: 'none', maxRecordBytes: 1e6, filtering: 'scan' },
 *   open: async () => {}, close: async () => {},
 *   rows: { upsertRows, loadRow, deleteRows, scanRows },
 *   transaction: (fn) => withLock(() => fn(rowsOnSnapshot())),
 *   health: async () => ({ entries: map.size }),
 * };
 */
export interface StorageDriver {
  /** The registered backend name (`sqlite`, `postgresql`, `lmdb`), used in messages and stats. */
  readonly name: string;
  readonly capabilities: DriverCapabilities;
  /** Opens connections, files, pools. Called once by the runtime (again only after {@link close}). */
  open(): Promise<void>;
  /** Releases everything {@link open} acquired; also called after a failed open. */
  close(): Promise<void>;
  /** The row store on the main connection (outside transactions); read again after each open. */
  readonly rows: RowStore;
  /** Runs `fn` inside one database transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (rows: RowStore) => Promise<T>): Promise<T>;
  /**
   * Backend details for a health report (never a secret); throws when the store is not usable. A store
   * that works but is impaired (a configured replica down) lists the reasons in `degraded: string[]`:
   * the report's status is then `degraded`.
   */
  health(): Promise<Record<string, unknown>>;

  /** Backend figures for `stats()` (record count, size on disk). */
  stats?(): Promise<DriverStats>;
  /** Maps a driver error to a StorageError (native codes to kinds, secrets masked). */
  toStorageError?(error: unknown): StorageError;
  /** Deletes rows expired at `now` in batches; without it the runtime deletes by filter. */
  deleteExpiredRows?(now: number, batchSize: number): Promise<number>;
  /** Deletes rows created before `cutoff` (epoch ms) in batches; without it the runtime deletes by filter. */
  deleteRowsCreatedBefore?(cutoff: number, batchSize: number): Promise<number>;
  /** Optional abilities of a connected store (bulk import, metrics, audit, meta storage, schema version). */
  readonly offers?: DriverCapabilityObjects;
  /**
   * The async-context scope of the current call that changes how a statement runs (the audit actor, a
   * primary-reads scope): coalesced calls are batched only with calls of the same scope (`Object.is`),
   * and a batch runs in the async context of its first call. Without it every call shares one scope and batches capture no async context.
   */
  coalesceScope?(): unknown;
}
