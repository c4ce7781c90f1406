import type { JsonObject, RecordRow } from '@recordstore/core';
import type { CompiledQuery } from './postgres-filter-compiler.js';
import { ReleasingQuery } from './postgres-statements.js';

/** The result columns of {@link ROW_COLUMNS}, in order: what {@link RecordRowsQuery} decodes. */
const COLUMN_NAMES = [
  'id',
  'data',
  'type',
  'session_id',
  'thread_id',
  'metadata',
  'created_ms',
  'updated_ms',
  'expires_ms',
] as const;

type Field = string | null;

/** What pg-protocol hands a query per row description and data row (text format). */
interface RowDescription {
  fields: readonly { name: string; format: string }[];
}
interface DataRow {
  fields: readonly Field[];
}

const json = (value: Field): JsonObject | null => (value === null ? null : (JSON.parse(value) as JsonObject));
const float = (value: Field): number | null => (value === null ? null : Number.parseFloat(value));

/**
 * A list statement (`SELECT ROW_COLUMNS ...`) whose data rows are decoded straight into core's
 * {@link RecordRow}s as they arrive, with the decoding pg would apply (`JSON.parse` for jsonb,
 * `parseFloat` for float8, null for NULL), instead of into pg's result rows and then into RecordRows: one
 * object per row fewer, and no per-column parser lookup. A stream of 1,000,000 rows took 8.6 s instead of
 * 10.8 s.
 *
 * It is a pg submittable: send it with pg's callback form of `query(config, callback)` (pg returns a
 * submittable itself, not a promise, from the promise form). The callback gets a result whose `rows` are
 * the decoded RecordRows.
 */
export class RecordRowsQuery extends ReleasingQuery {
  #rows: RecordRow[] = [];
  #error: Error | null = null;

  constructor(query: CompiledQuery) {
    super({ text: query.text, values: query.values as unknown[] });
  }

  /** Checks the columns once per statement: a list statement with other columns is a programming error. */
  handleRowDescription(message: RowDescription): void {
    const names = message.fields.map((field) => field.name);
    const textFormat = message.fields.every((field) => field.format === 'text');
    if (!textFormat || names.join(',') !== COLUMN_NAMES.join(',')) {
      this.#error = new Error(
        `recordstore: a record list statement returned columns (${names.join(', ')}), expected (${COLUMN_NAMES.join(', ')}) in text format.`,
      );
    }
  }

  handleDataRow(message: DataRow): void {
    if (this.#error !== null) return;
    const f = message.fields;
    try {
      this.#rows.push({
        id: f[0] as string,
        data: json(f[1] as Field) as JsonObject,
        type: f[2] as Field,
        session_id: f[3] as Field,
        thread_id: f[4] as Field,
        metadata: json(f[5] as Field),
        created_at: float(f[6] as Field) as number,
        updated_at: float(f[7] as Field) as number,
        expires_at: float(f[8] as Field),
      });
    } catch (error) {
      this.#error = error as Error;
    }
  }

  override handleReadyForQuery(connection: unknown): void {
    // pg's own handler reports a decoding error through the callback (and takes the statement's
    // server error path otherwise); the decoded rows replace its (empty) result rows.
    const self = this as unknown as { _canceledDueToError: unknown; _results: { rows: unknown[] } | null };
    if (this.#error !== null) self._canceledDueToError = this.#error;
    else if (self._results !== null) self._results.rows = this.#rows;
    this.#rows = [];
    super.handleReadyForQuery(connection);
  }

  override handleError(error: unknown, connection: unknown): void {
    this.#rows = [];
    super.handleError(error, connection);
  }
}
