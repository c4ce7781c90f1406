import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type FilterNode,
  isStorageError,
  type Logger,
  type RecordRow,
  type RowStore,
  StorageError,
  type WriteRow,
} from '@recordstore/core';
import type pg from 'pg';
import * as replication from './generated/replication.queries.js';
import type { PostgresConfig, SslMode } from './postgres-config.js';
import { SSL_MODES } from './postgres-config.js';
import type { ConnectionTarget } from './postgres-connection.js';
import type { SqlSession } from './queries.js';

/**
 * Read replicas and the read/write split.
 *
 * Reads outside transactions (load, exists, count, list, stream pages, getBySession/getByThread) go to a
 * replica, round-robin among the replicas not in back-off; writes, transactions and lazy-expiry deletes go
 * to the primary. Read-your-writes: a write marks its records' ids and `session_id`s for
 * `read_your_writes_window_ms`; a read that names a marked id (load, exists, a filter pinning `id`) or pins a
 * marked `session_id` in its filter goes to the primary during that window. A `deleteMany` by a filter that
 * pins no session marks every read for the window (its scope cannot be known). Reads inside
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
  readonly rows: RowStore;
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

/** Marks that expire after a window; insertion order is expiry order, so pruning pops from the front. */
class ExpiringSet {
  readonly #until = new Map<string, number>();
  constructor(private readonly max: number) {}

  /** Marks `key` until `until`; false when the set is full (the caller then widens the scope). */
  mark(key: string, until: number, now: number): boolean {
    this.prune(now);
    this.#until.delete(key);
    if (this.#until.size >= this.max) return false;
    this.#until.set(key, until);
    return true;
  }

  has(key: string, now: number): boolean {
    const until = this.#until.get(key);
    return until !== undefined && until > now;
  }

  prune(now: number): void {
    for (const [key, until] of this.#until) {
      if (until > now) return;
      this.#until.delete(key);
    }
  }

  get size(): number {
    return this.#until.size;
  }

  clear(): void {
    this.#until.clear();
  }
}

/** Most ids (and sessions) remembered per window; beyond that a write marks every read (still correct). */
const MAX_MARKS = 100_000;

/** Options of {@link ReadRouter}. */
export interface ReadRouterOptions {
  preference: ReadPreference;
  windowMs: number;
  backoffMs: number;
  logger: Logger;
}

/**
 * Routes row reads between the primary and the replicas and remembers recent writes (read-your-writes).
 * Time is `performance.now()` (monotonic), not the store's injectable clock: windows are about replication
 * delay in real time.
 */
export class ReadRouter {
  readonly #primary: RowStore;
  readonly #nodes: readonly ReplicaNode[];
  readonly #options: ReadRouterOptions;
  readonly #ids = new ExpiringSet(MAX_MARKS);
  readonly #sessions = new ExpiringSet(MAX_MARKS);
  /** Until when every read goes to the primary (a write whose scope is unknown). */
  #allUntil = 0;
  #next = 0;
  readonly #scope = new AsyncLocalStorage<true>();
  /** The routed row store used outside transactions. */
  readonly rows: RowStore;

  constructor(primary: RowStore, nodes: readonly ReplicaNode[], options: ReadRouterOptions) {
    this.#primary = primary;
    this.#nodes = nodes;
    this.#options = options;
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

  /** Wraps a transaction's row store so that its writes mark their scope too (reads stay on it). */
  trackWrites(rows: RowStore): RowStore {
    if (this.#options.windowMs === 0) return rows;
    return {
      ...rows,
      upsertRows: (written, options) => {
        this.#markRows(written);
        return rows.upsertRows(written, options);
      },
      deleteRows: (ids) => {
        this.#markIds(ids);
        return rows.deleteRows(ids);
      },
      deleteRowsWhere: (filter) => {
        this.#markFilter(filter);
        return rows.deleteRowsWhere(filter);
      },
    };
  }

  #routed(): RowStore {
    const primary = this.#primary;
    return {
      upsertRows: (written, options) => {
        this.#markRows(written);
        return primary.upsertRows(written, options);
      },
      deleteRows: (ids) => {
        this.#markIds(ids);
        return primary.deleteRows(ids);
      },
      deleteRowsWhere: (filter) => {
        this.#markFilter(filter);
        return primary.deleteRowsWhere(filter);
      },
      // The replica may still show a row that expired; deleting it is a write.
      deleteRowIfExpired: (id, now) => primary.deleteRowIfExpired(id, now),
      loadRow: (id, options) =>
        options?.forUpdate
          ? primary.loadRow(id, options)
          : this.#read(this.#idIsRecent(id), (rows) => rows.loadRow(id, options)),
      existsRow: (id, now) => this.#read(this.#idIsRecent(id), (rows) => rows.existsRow(id, now)),
      countRows: (filter) => this.#read(this.#filterIsRecent(filter), (rows) => rows.countRows(filter)),
      listRows: (filter, query): Promise<RecordRow[]> =>
        this.#read(this.#filterIsRecent(filter), (rows) => rows.listRows(filter, query)),
    };
  }

  async #read<T>(onPrimary: boolean, fn: (rows: RowStore) => Promise<T>): Promise<T> {
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

  // --- read-your-writes bookkeeping ---

  #markRows(rows: readonly WriteRow[]): void {
    const window = this.#options.windowMs;
    if (window === 0) return;
    const now = performance.now();
    const until = now + window;
    for (const row of rows) {
      if (!this.#ids.mark(row.id, until, now)) this.#markAll(until);
      if (row.session_id !== null && !this.#sessions.mark(row.session_id, until, now)) this.#markAll(until);
    }
  }

  #markIds(ids: readonly string[]): void {
    const window = this.#options.windowMs;
    if (window === 0) return;
    const now = performance.now();
    for (const id of ids) if (!this.#ids.mark(id, now + window, now)) this.#markAll(now + window);
  }

  #markFilter(filter: FilterNode): void {
    const window = this.#options.windowMs;
    if (window === 0) return;
    const now = performance.now();
    const pins = pinnedValues(filter);
    if (pins.session_id.length === 0 && pins.id.length === 0) {
      this.#markAll(now + window);
      return;
    }
    for (const s of pins.session_id)
      if (!this.#sessions.mark(s, now + window, now)) this.#markAll(now + window);
    for (const id of pins.id) if (!this.#ids.mark(id, now + window, now)) this.#markAll(now + window);
  }

  #markAll(until: number): void {
    this.#allUntil = Math.max(this.#allUntil, until);
    // Everything reads from the primary meanwhile: the individual marks are moot.
    this.#ids.clear();
    this.#sessions.clear();
  }

  #idIsRecent(id: string): boolean {
    if (this.#options.windowMs === 0) return false;
    const now = performance.now();
    return this.#allUntil > now || this.#ids.has(id, now);
  }

  #filterIsRecent(filter: FilterNode): boolean {
    if (this.#options.windowMs === 0) return false;
    const now = performance.now();
    if (this.#allUntil > now) return true;
    if (this.#ids.size === 0 && this.#sessions.size === 0) return false;
    const pins = pinnedValues(filter);
    return (
      pins.session_id.some((s) => this.#sessions.has(s, now)) || pins.id.some((id) => this.#ids.has(id, now))
    );
  }

  // --- health ---

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

/** The primary's view of its standbys (`pg_stat_replication`); empty when it cannot be read. */
export async function primaryStandbys(session: SqlSession): Promise<replication.IPrimaryStandbysResult[]> {
  try {
    return await replication.primaryStandbys.run(undefined, session.connection);
  } catch {
    return [];
  }
}

function describeNode(node: ReplicaNode): string {
  return `${node.label}: ${node.lastError ?? 'in back-off'}`;
}

/** A connection failure (refused, dropped, pool could not connect): the replica is unusable right now. */
function isUnreachable(error: unknown): boolean {
  return isStorageError(error) && error.kind === 'connection';
}

/** Values a filter pins `session_id` and `id` to through its top-level conjunction (eq / in). */
function pinnedValues(filter: FilterNode): { session_id: string[]; id: string[] } {
  const out = { session_id: [] as string[], id: [] as string[] };
  const visit = (node: FilterNode): void => {
    if (node.op === 'and') {
      for (const child of node.nodes) visit(child);
      return;
    }
    if ((node.op !== 'eq' && node.op !== 'in') || node.field.kind !== 'string') return;
    const column = node.field.column;
    if (column !== 'session_id' && column !== 'id') return;
    const values = node.op === 'eq' ? [node.value] : node.values;
    for (const v of values) if (typeof v === 'string') out[column].push(v);
  };
  visit(filter);
  return out;
}

/**
 * The connection target of one `replicas` entry: `host`, `host:port`, `[v6]:port` or a `postgres://`
 * URL. What the entry does not say (port, database, user, password, TLS) comes from the primary's target.
 * @throws StorageError(config) naming the entry.
 */
export function replicaTarget(entry: string, primary: ConnectionTarget, index: number): ConnectionTarget {
  const fail = (why: string) =>
    new StorageError(
      'config',
      `postgresql: replicas[${index}] ${why}; expected host, host:port or postgres://user@host:port/database.`,
      { path: `config.replicas[${index}]`, backend: 'postgresql' },
    );
  const text = entry.trim();
  if (/^postgres(?:ql)?:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw fail('is not a valid URL');
    }
    const sslmode = url.searchParams.get('sslmode');
    if (sslmode !== null && !(SSL_MODES as readonly string[]).includes(sslmode)) {
      throw fail(`has sslmode=${sslmode}, not one of ${SSL_MODES.join(', ')}`);
    }
    const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
    if (!url.hostname) throw fail('has no host');
    return {
      ...primary,
      host: decodeURIComponent(url.hostname).replace(/^\[|\]$/g, ''),
      port: url.port ? Number(url.port) : primary.port,
      ...(database ? { database } : {}),
      ...(url.username ? { user: decodeURIComponent(url.username) } : {}),
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      ...(sslmode !== null ? { sslMode: sslmode as SslMode } : {}),
      ...(url.searchParams.get('sslcert') ? { sslCertFile: url.searchParams.get('sslcert')! } : {}),
      ...(url.searchParams.get('sslkey') ? { sslKeyFile: url.searchParams.get('sslkey')! } : {}),
      ...(url.searchParams.get('sslrootcert') ? { sslCaFile: url.searchParams.get('sslrootcert')! } : {}),
    };
  }
  const match = /^(?:\[([0-9a-f:.]+)\]|([^:/\s[\]]+))(?::(\d{1,5}))?$/i.exec(text);
  if (match === null) throw fail(`is ${JSON.stringify(entry)}`);
  const port = match[3] === undefined ? primary.port : Number(match[3]);
  if (port < 1 || port > 65535) throw fail(`has port ${port}, outside 1-65535`);
  return { ...primary, host: (match[1] ?? match[2])!, port };
}

/** `host:port` of a target, for labels (IPv6 in brackets). */
export function targetLabel(target: ConnectionTarget): string {
  return target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}

/**
 * The config to resolve one replica's connection with: the primary's config with the replica's target
 * written as explicit keys (so {@link resolveConnection} reads the same TLS files and settles the same
 * modes).
 */
export function replicaConfig(config: PostgresConfig, target: ConnectionTarget): PostgresConfig {
  const { url: _url, ...rest } = config;
  return {
    ...rest,
    host: target.host,
    port: target.port,
    database: target.database,
    username: target.user,
    password: target.password,
    ssl_enabled: target.sslMode !== 'disable',
    ssl_mode: target.sslMode,
    ssl_cert_file: target.sslCertFile,
    ssl_key_file: target.sslKeyFile,
    ssl_ca_file: target.sslCaFile,
  };
}
