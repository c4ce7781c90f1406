import type { AgentRecord } from '../records.js';

/** The database family a contender belongs to; ratios compare contenders of the same family. */
export type Family = 'postgres' | 'sqlite';

/** The three filters of the filtered-list workload (limit 100, newest first, live rows only). */
export type ListQuery =
  /** Equality on a data field selecting 0.1% of rows. */
  | { kind: 'eq-data'; userId: string }
  /** A typed numeric range on a path (`tokens`), about 0.1% of rows. */
  | { kind: 'range-path'; gte: number; lt: number }
  /** Equality on the session_id column (about 100 rows per session). */
  | { kind: 'session'; sessionId: string };

/** Rows every list returns at most. */
export const LIST_LIMIT = 100;

/** Workloads a contender may not support, with the reason shown in the table. */
export type OptionalWork = 'bulk' | 'copy' | 'list' | 'stream' | 'ttl';

/**
 * One library (or hand-written driver code) under test. Every method does the whole job a user would
 * need, e.g. `load` returns the record as an object, not a raw row.
 */
export interface Contender {
  readonly name: string;
  readonly family: Family;
  /** The raw driver with best practice: what the others are compared against. */
  readonly raw: boolean;
  /** Why a workload cannot run on this contender ("not supported" rows). */
  readonly unsupported: Partial<Record<OptionalWork, string>>;
  save(record: AgentRecord): Promise<void>;
  load(id: string): Promise<unknown>;
  /** Whether a live record with this id exists (without reading it). */
  exists(id: string): Promise<boolean>;
  delete(id: string): Promise<boolean>;
  /** Fills the table before measuring (not timed); defaults to {@link Contender.saveBatch}. */
  preload?(records: AgentRecord[]): Promise<void>;
  /** Upserts one batch in one statement or transaction. */
  saveBatch(records: AgentRecord[]): Promise<void>;
  /** Bulk import into an empty table by COPY (PostgreSQL only). */
  copyImport?(records: AgentRecord[]): Promise<void>;
  list?(query: ListQuery): Promise<unknown[]>;
  /** Streams every live row newest first, calling `onRow` for each; returns the row count. */
  stream?(onRow: (row: unknown) => void): Promise<number>;
  /** Deletes expired rows as the contender's own cleanup does; returns how many. */
  cleanupExpired?(): Promise<number>;
  /** Empties the contender's table. */
  truncate(): Promise<void>;
  close(): Promise<void>;
}
