import { AsyncLocalStorage } from 'node:async_hooks';
import { isStorageError, type Logger, StorageError } from '@recordstore/core';
import type pg from 'pg';
import * as replication from './generated/replication.queries.js';
import type { PostgresConfig } from './postgres-config.js';
import { RecentWrites } from './postgres-recent-writes.js';
import type { PostgresRowStore } from './postgres-row-store.js';
import type { SqlSession } from './queries.js';

/**
 * Read replicas and the read/write split.
 *
 * Reads outside transactions (load, exists, count, list, stream pages, getBySession/getByThread) go to a
 * replica, round-robin among the replicas not in back-off; writes, transactions and lazy-expiry deletes go
 * to the primary. Read-your-writes ({@link RecentWrites}): a read that names an id, or pins a `session_id`,
 * written within `read_your_writes_window_ms` goes to the primary. Reads inside
 * {@link ReadRouter.primaryReads} always go to the primary.
 *
 * A replica whose connection fails is put in back-off for `replica_backoff_ms` and the read is retried on
 * the next replica; with `replica_preferred` the primary serves when no replica is left, with `replica` the
 * read fails (kind `connection`, retryable): that preference exists to keep read load off the primary.
 */

/** `read_preference` values. */
export type ReadPreference = PostgresConfig['read_preference'];

/** One replica: its pool, its row store and its availability. */
export interface ReplicaNode {
  /** `host:port`, for health reports, metrics and log lines (never credentials). */
  readonly label: string;
  readonly pool: pg.Pool;
  /** Runs statements on this replica's pool (health and lag queries). */
  readonly session: SqlSession;
  /** Row reads served by this replica. */
  readonly rows: PostgresRowStore;
  /** `performance.now()` until which the replica is skipped (0 = available). */
  downUntil: number;
  /** Why it was last marked down (a StorageError message: no secrets). */
  lastError: string | null;
  /** Replay lag in ms seen by the last health probe (null: unknown). */
  lagMs: number | null;
}

/** What a replica reports in `healthCheck().details.replication.replicas`. */
export interface ReplicaHealth {
  replica: string;
  status: 'up' | 'down';
  inRecovery?: boolean;
  /** Ms the replica's replayed state trails what it received (0 when caught up). */
  lagMs?: number | null;
  /** WAL bytes received but not yet replayed. */
  replayPendingBytes?: number | null;
  /** Ms during which reads still skip it (down replicas). */
  retryInMs?: number;
  error?: string;
}

/** Options of {@link ReadRouter}. */
export interface ReadRouterOptions {
  preference: ReadPreference;
  windowMs: number;
  backoffMs: number;
  logger: Logger;
}

/** Routes row reads between the primary and the replicas and remembers recent writes (read-your-writes). */
export class ReadRouter {
  readonly #primary: PostgresRowStore;
  readonly #nodes: readonly ReplicaNode[];
  readonly #options: ReadRouterOptions;
  readonly #recent: RecentWrites;
  #next = 0;
  readonly #scope = new AsyncLocalStorage<true>();
  /** The routed row store used outside transactions. */
  readonly rows: PostgresRowStore;

  constructor(primary: PostgresRowStore, nodes: readonly ReplicaNode[], options: ReadRouterOptions) {
    this.#primary = primary;
    this.#nodes = nodes;
    this.#options = options;
    this.#recent = new RecentWrites(options.windowMs);
    this.rows = this.#routed();
  }

  /** The replicas (for health, metrics and pool gauges). */
  get nodes(): readonly ReplicaNode[] {
    return this.#nodes;
  }

  /**
   * Runs `fn` with every read it makes (in its async context) sent to the primary: the explicit
   * read-your-writes scope for reads that the automatic one (ids and session_id) does not cover.
   */
  primaryReads<T>(fn: () => Promise<T>): Promise<T> {
    return this.#scope.run(true, fn);
  }

  /** True inside {@link primaryReads}: coalesced reads are batched only with reads of the same scope. */
  get inPrimaryReads(): boolean {
    return this.#scope.getStore() === true;
  }

  /** Wraps a transaction's row store so that its writes mark their scope too (reads stay on it). */
  trackWrites(rows: PostgresRowStore): PostgresRowStore {
    if (!this.#recent.enabled) return rows;
    return { ...rows, ...this.#trackedWrites(rows) };
  }

  #trackedWrites(
    rows: PostgresRowStore,
  ): Pick<PostgresRowStore, 'upsertRows' | 'deleteRows' | 'deleteRowsWhere' | 'deleteRowsReturning'> {
    const recent = this.#recent;
    return {
      upsertRows: (written, options) => {
        recent.markRows(written);
        return rows.upsertRows(written, options);
      },
      deleteRows: (ids) => {
        recent.markIds(ids);
        return rows.deleteRows(ids);
      },
      deleteRowsReturning: (ids) => {
        recent.markIds(ids);
        return rows.deleteRowsReturning(ids);
      },
      // Lazy expiry deletes by filter too: a replica may still show a row that expired, deleting it is a write.
      deleteRowsWhere: (filter) => {
        recent.markFilter(filter);
        return rows.deleteRowsWhere(filter);
      },
    };
  }

  #routed(): PostgresRowStore {
    const primary = this.#primary;
    const recent = this.#recent;
    return {
      ...this.#trackedWrites(primary),
      loadRow: (id, options) =>
        options?.forUpdate
          ? primary.loadRow(id, options)
          : this.#read(recent.idIsRecent(id), (rows) => rows.loadRow(id, options)),
      existsRow: (id, now) => this.#read(recent.idIsRecent(id), (rows) => rows.existsRow(id, now)),
      // A batch routes each id as its own call would: recently written ids to the primary, the rest as usual.
      loadRows: (ids) => this.#readIds(ids, (rows, some) => rows.loadRows(some)),
      existsRows: (ids, now) => this.#readIds(ids, (rows, some) => rows.existsRows(some, now)),
      countRows: (filter) => this.#read(recent.filterIsRecent(filter), (rows) => rows.countRows(filter)),
      listRows: (filter, query) =>
        this.#read(recent.filterIsRecent(filter), (rows) => rows.listRows(filter, query)),
    };
  }

  /** Reads `ids` split by recency: recent ids on the primary, the others wherever a read would go. */
  async #readIds<T>(
    ids: readonly string[],
    fn: (rows: PostgresRowStore, ids: readonly string[]) => Promise<T[]>,
  ): Promise<T[]> {
    const recent: string[] = [];
    const others: string[] = [];
    for (const id of ids) (this.#recent.idIsRecent(id) ? recent : others).push(id);
    if (recent.length === 0) return this.#read(false, (rows) => fn(rows, ids));
    if (others.length === 0) return this.#read(true, (rows) => fn(rows, ids));
    const [a, b] = await Promise.all([
      this.#read(true, (rows) => fn(rows, recent)),
      this.#read(false, (rows) => fn(rows, others)),
    ]);
    return a.concat(b);
  }

  async #read<T>(onPrimary: boolean, fn: (rows: PostgresRowStore) => Promise<T>): Promise<T> {
    if (onPrimary || this.#options.preference === 'primary' || this.#scope.getStore() === true) {
      return fn(this.#primary);
    }
    for (let tries = 0; tries < this.#nodes.length; tries += 1) {
      const node = this.#pick();
      if (node === null) break;
      try {
        return await fn(node.rows);
      } catch (error) {
        // Reads are idempotent: a replica that cannot be reached is skipped and the read retried elsewhere.
        if (!isUnreachable(error)) throw error;
        this.markDown(node, error);
      }
    }
    if (this.#options.preference === 'replica') {
      throw new StorageError(
        'connection',
        `postgresql: no replica is available for reads (${this.#nodes.map(describeNode).join('; ')}) and ` +
          'read_preference is replica, which never reads from the primary. Bring a replica back, or use ' +
          'read_preference: replica_preferred to fall back to the primary.',
        { backend: 'postgresql', retryable: true },
      );
    }
    return fn(this.#primary);
  }

  /** The next replica not in back-off, round-robin; null when none. */
  #pick(): ReplicaNode | null {
    const nodes = this.#nodes;
    const now = performance.now();
    for (let i = 0; i < nodes.length; i += 1) {
      const node = nodes[this.#next % nodes.length]!;
      this.#next = (this.#next + 1) % nodes.length;
      if (node.downUntil <= now) return node;
    }
    return null;
  }

  /** Skips `node` for the back-off period. */
  markDown(node: ReplicaNode, error: unknown): void {
    const wasUp = node.downUntil <= performance.now();
    node.downUntil = performance.now() + Math.max(this.#options.backoffMs, 1);
    node.lastError = isStorageError(error)
      ? error.message
      : error instanceof Error
        ? error.message
        : String(error);
    if (wasUp) {
      this.#options.logger.warn(
        {
          backend: 'postgresql',
          replica: node.label,
          err: node.lastError,
          retryInMs: this.#options.backoffMs,
        },
        'recordstore: replica unavailable, reads skip it',
      );
    }
  }

  /** Marks `node` available again (a health probe reached it). */
  markUp(node: ReplicaNode): void {
    if (node.downUntil === 0) return;
    node.downUntil = 0;
    node.lastError = null;
    this.#options.logger.info(
      { backend: 'postgresql', replica: node.label },
      'recordstore: replica reachable again',
    );
  }

  /**
   * Probes every replica (status, replay lag) and updates back-off: a replica that answers is available
   * again, one that does not is skipped. Never throws.
   */
  async health(): Promise<ReplicaHealth[]> {
    return Promise.all(
      this.#nodes.map(async (node): Promise<ReplicaHealth> => {
        try {
          const [row] = await replication.replicaStatus.run(undefined, node.session.connection);
          this.markUp(node);
          node.lagMs = row?.lag_ms ?? null;
          return {
            replica: node.label,
            status: 'up',
            inRecovery: row?.in_recovery ?? false,
            lagMs: row?.lag_ms ?? null,
            replayPendingBytes: row?.replay_pending_bytes ?? null,
          };
        } catch (error) {
          this.markDown(node, error);
          node.lagMs = null;
          return {
            replica: node.label,
            status: 'down',
            retryInMs: Math.max(0, Math.round(node.downUntil - performance.now())),
            error: node.lastError ?? 'unreachable',
          };
        }
      }),
    );
  }
}

function describeNode(node: ReplicaNode): string {
  return `${node.label}: ${node.lastError ?? 'in back-off'}`;
}

/** A connection failure (refused, dropped, pool could not connect): the replica is unusable right now. */
function isUnreachable(error: unknown): boolean {
  return isStorageError(error) && error.kind === 'connection';
}
