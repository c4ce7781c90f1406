import { compareCodePoints, type RecordRow, type RowStore, StorageError } from '@recordstore/core';
import { decodeRow, encodeRow, keptCreatedAt } from './lmdb-row-codec.js';
import type { LmdbDatabase } from './lmdb-row-store.js';

/**
 * The writes of one recordstore transaction, staged in memory and committed in ONE LMDB write transaction
 * when the callback resolves (nothing is written when it throws).
 *
 * Why staging: an LMDB write transaction (`transactionSync`, `transaction`) runs a synchronous callback and
 * cannot stay open across an `await`, while a recordstore transaction callback is async (`await tx.load()`,
 * then `await tx.save()`). So reads inside the transaction see the committed data overlaid with the staged
 * writes, and the commit replays the staged writes in one `transactionSync` (atomic: it aborts if anything
 * in it throws). Isolation comes from the driver: it runs one transaction at a time and makes every call on
 * its main connection wait until the transaction has committed or been dropped.
 */
export class StagedTransaction {
  readonly rows: RowStore;
  readonly #db: LmdbDatabase;
  /** Staged rows by id, as encoded text; `null` marks a row deleted in this transaction. */
  readonly #staged = new Map<string, string | null>();
  #ended = false;

  constructor(db: LmdbDatabase) {
    this.#db = db;
    this.rows = {
      upsertRows: async (rows, options) => {
        for (const row of rows) {
          this.#staged.set(row.id, encodeRow(row, keptCreatedAt(this.#read(row.id), row, options)));
        }
      },
      loadRow: async (id) => {
        const text = this.#read(id);
        return text === undefined ? null : decodeRow(id, text);
      },
      deleteRows: async (ids) => {
        let deleted = 0;
        for (const id of ids) {
          if (this.#read(id) === undefined) continue;
          this.#staged.set(id, null);
          deleted++;
        }
        return deleted;
      },
      scanRows: async (after, limit) => this.#scan(after, limit),
    };
  }

  /** Writes the staged rows in one LMDB transaction; the transaction is over afterwards. */
  commit(): void {
    this.end();
    if (this.#staged.size === 0) return;
    const db = this.#db;
    db.transactionSync(() => {
      for (const [id, text] of this.#staged) {
        if (text === null) db.removeSync(id);
        else db.putSync(id, text);
      }
    });
  }

  /** Ends the transaction without writing (rollback, or after commit): later calls are refused. */
  end(): void {
    this.#ended = true;
  }

  #assertOpen(): void {
    if (!this.#ended) return;
    throw new StorageError(
      'validation',
      'lmdb: this transaction has already ended; use tx only inside the transaction callback.',
      { backend: 'lmdb', retryable: false },
    );
  }

  /** The row as this transaction sees it: staged, else committed; undefined when there is none. */
  #read(id: string): string | undefined {
    this.#assertOpen();
    return this.#staged.has(id) ? (this.#staged.get(id) ?? undefined) : this.#db.get(id);
  }

  /** The committed range merged with the staged rows, in code-point id order. */
  #scan(after: string | null, limit: number): RecordRow[] {
    this.#assertOpen();
    const pending = [...this.#staged.keys()]
      .filter((id) => after === null || compareCodePoints(id, after) > 0)
      .sort(compareCodePoints);
    const rows: RecordRow[] = [];
    let next = 0;
    const emitStaged = (id: string) => {
      const text = this.#staged.get(id);
      if (typeof text === 'string') rows.push(decodeRow(id, text));
    };
    const committed = this.#db.getRange({ start: after ?? undefined, exclusiveStart: after !== null });
    for (const { key, value } of committed) {
      while (rows.length < limit && next < pending.length && compareCodePoints(pending[next]!, key) < 0) {
        emitStaged(pending[next++]!);
      }
      if (rows.length >= limit) break;
      if (pending[next] === key) emitStaged(pending[next++]!);
      else rows.push(decodeRow(key, value));
      if (rows.length >= limit) break;
    }
    while (rows.length < limit && next < pending.length) emitStaged(pending[next++]!);
    return rows;
  }
}
