import type { MetaCapability } from '@recordstore/core';
import * as meta from './generated/meta.queries.js';
import type { SqlSession } from './queries.js';

/**
 * The PostgreSQL `meta` capability: rows of `recordstore_meta` (migration `1796000000000_meta`) in the
 * store's schema, scoped by its tenant (`''` without one), never visible as records. Each call is one
 * statement on the primary's pool.
 */
export function postgresMeta(session: () => SqlSession, scope: string): MetaCapability {
  return {
    get: async (key) => {
      const rows = await meta.metaGet.run({ scope, key }, session().connection);
      return rows[0]?.value ?? null;
    },
    set: async (key, value) => {
      await meta.metaSet.run({ scope, key, value }, session().connection);
    },
    delete: async (key) => {
      const { rowCount } = await meta.metaDelete.runWithCounts({ scope, key }, session().connection);
      return (rowCount ?? 0) > 0;
    },
  };
}
