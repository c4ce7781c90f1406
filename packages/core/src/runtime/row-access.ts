import type { RowQuery } from '../backend.js';
import type { DriverCapabilities, RowStore } from '../driver/driver.js';
import { StorageError } from '../errors.js';
import { compareCodePoints } from '../filter/compare.js';
import { compareRows, matchesFilter } from '../filter/evaluate.js';
import type { FilterNode } from '../filter/types.js';
import { isExpired, type RecordRow } from '../record.js';

/** Rows per scan page when the runtime evaluates filters itself. */
const SCAN_PAGE = 500;

/** A driver's row store completed by the runtime: every query the operations need, native or by scan. */
export interface RowAccess extends RowStore {
  countRows(filter: FilterNode): Promise<number>;
  listRows(filter: FilterNode, query: RowQuery): Promise<RecordRow[]>;
  deleteRowsWhere(filter: FilterNode): Promise<number>;
  existsRow(id: string, now: number): Promise<boolean>;
}

/**
 * Checks that a driver implements the row members its `filtering` capability promises, so a missing method
 * is reported at construction, naming the member, instead of failing on first use.
 */
export function assertRowStore(name: string, capabilities: DriverCapabilities, rows: RowStore): void {
  const required: (keyof RowStore)[] = ['upsertRows', 'loadRow', 'deleteRows'];
  if (capabilities.filtering === 'native') required.push('countRows', 'listRows', 'deleteRowsWhere');
  else if (capabilities.filtering === 'scan') required.push('scanRows');
  else {
    throw new StorageError(
      'config',
      `${name}: capabilities.filtering must be 'native' (the driver compiles filters) or 'scan' (core evaluates them over scanRows), got ${JSON.stringify(capabilities.filtering)}.`,
      { backend: name },
    );
  }
  const missing = required.filter((member) => typeof rows?.[member] !== 'function');
  if (missing.length > 0) {
    throw new StorageError(
      'config',
      `${name}: the driver's row store lacks ${missing.join(', ')} (required with filtering: '${capabilities.filtering}').`,
      { backend: name },
    );
  }
}

/** Every row, in id order, one page in memory at a time. */
async function* scanAll(rows: RowStore): AsyncGenerator<RecordRow> {
  let after: string | null = null;
  for (;;) {
    const page: RecordRow[] = await rows.scanRows!(after, SCAN_PAGE);
    for (const row of page) yield row;
    if (page.length < SCAN_PAGE) return;
    const last: string = page[page.length - 1]!.id;
    if (after !== null && compareCodePoints(last, after) <= 0) {
      throw new StorageError('internal', 'scanRows returned rows out of id order; it must page by id.');
    }
    after = last;
  }
}

async function matching(rows: RowStore, filter: FilterNode): Promise<RecordRow[]> {
  const found: RecordRow[] = [];
  for await (const row of scanAll(rows)) if (matchesFilter(row, filter)) found.push(row);
  return found;
}

/**
 * Completes a driver's row store. Native drivers run their own queries; for scan drivers the in-memory
 * reference (the definition of the filter language) evaluates filters and order over the scan.
 */
export function rowAccess(rows: RowStore, filtering: DriverCapabilities['filtering']): RowAccess {
  const existsRow =
    rows.existsRow?.bind(rows) ??
    (async (id: string, now: number) => {
      const row = await rows.loadRow(id);
      return row !== null && !isExpired(row, now);
    });
  if (filtering === 'native') {
    return {
      upsertRows: (r, o) => rows.upsertRows(r, o),
      loadRow: (id, o) => rows.loadRow(id, o),
      deleteRows: (ids) => rows.deleteRows(ids),
      countRows: (f) => rows.countRows!(f),
      listRows: (f, q) => rows.listRows!(f, q),
      deleteRowsWhere: (f) => rows.deleteRowsWhere!(f),
      existsRow,
    };
  }
  return {
    upsertRows: (r, o) => rows.upsertRows(r, o),
    loadRow: (id, o) => rows.loadRow(id, o),
    deleteRows: (ids) => rows.deleteRows(ids),
    existsRow,
    countRows: async (filter) => (await matching(rows, filter)).length,
    listRows: async (filter, query) => {
      const found = (await matching(rows, filter)).sort((a, b) => compareRows(a, b, query.orderBy));
      return found.slice(query.offset, query.limit === null ? undefined : query.offset + query.limit);
    },
    deleteRowsWhere: async (filter) => {
      const ids = (await matching(rows, filter)).map((row) => row.id);
      return ids.length === 0 ? 0 : rows.deleteRows(ids);
    },
  };
}
