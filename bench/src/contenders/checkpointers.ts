import type { BaseCheckpointSaver } from '@langchain/langgraph-checkpoint';
import type { StorageBackend } from '@recordstore/core';
import Database from 'better-sqlite3';
import pg from 'pg';
import { PG_POOL_SIZE, withClient } from './postgres.js';
import { connectBackend } from './recordstore.js';
import type { Family } from './types.js';

/** A LangGraph checkpoint saver under test, on its own database (PostgreSQL) or file (SQLite). */
export interface Checkpointer {
  readonly name: string;
  readonly family: Family;
  /** LangGraph's own saver of the engine: the section's ratios are relative to it. */
  readonly reference: boolean;
  readonly saver: BaseCheckpointSaver;
  /** Bytes the saver's tables take now (indexes and TOAST included; SQLite: the whole file). */
  bytes(): Promise<number>;
  close(): Promise<void>;
}

/** Names of the four savers, by family; LangGraph's own first. */
export const CHECKPOINTERS = {
  postgres: ['langgraph-postgres-saver', 'recordstore-saver-postgres'],
  sqlite: ['langgraph-sqlite-saver', 'recordstore-saver-sqlite'],
} as const satisfies Record<Family, readonly string[]>;

/**
 * Sum of `pg_total_relation_size` (heap, indexes, TOAST) over the tables of the database's `public`
 * schema: each saver has a database of its own, so these are exactly the tables it uses.
 */
function pgTablesBytes(url: string): Promise<number> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ bytes: string }>(
      `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint AS bytes
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')`,
    );
    return Number(rows[0]!.bytes);
  });
}

/**
 * `page_count × page_size` of a SQLite file after a checkpoint that moves the WAL into it (both savers
 * run in WAL mode): each saver has a file of its own.
 */
function sqliteFileBytes(path: string): number {
  const db = new Database(path, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    db.pragma('wal_checkpoint(TRUNCATE)');
    const pages = db.pragma('page_count', { simple: true }) as number;
    const size = db.pragma('page_size', { simple: true }) as number;
    return pages * size;
  } finally {
    db.close();
  }
}

/** Opens one saver by name on a fresh database URL or file path; the schema exists when it returns. */
export async function openCheckpointer(name: string, target: string): Promise<Checkpointer> {
  switch (name) {
    case 'langgraph-postgres-saver': {
      const { PostgresSaver } = await import('@langchain/langgraph-checkpoint-postgres');
      const pool = new pg.Pool({ connectionString: target, max: PG_POOL_SIZE });
      const saver = new PostgresSaver(pool);
      await saver.setup();
      return {
        name,
        family: 'postgres',
        reference: true,
        saver,
        bytes: () => pgTablesBytes(target),
        close: () => saver.end(),
      };
    }
    case 'langgraph-sqlite-saver': {
      const { SqliteSaver } = await import('@langchain/langgraph-checkpoint-sqlite');
      const saver = new SqliteSaver(new Database(target));
      await saver.getTuple({ configurable: { thread_id: 'setup' } }); // creates its tables (setup is protected)
      return {
        name,
        family: 'sqlite',
        reference: true,
        saver,
        bytes: async () => sqliteFileBytes(target),
        close: async () => {
          saver.db.close();
        },
      };
    }
    case 'recordstore-saver-postgres':
    case 'recordstore-saver-sqlite': {
      const family: Family = name === 'recordstore-saver-postgres' ? 'postgres' : 'sqlite';
      const { RecordStoreSaver } = await import('@recordstore/langgraph');
      const store: StorageBackend = await connectBackend(family, target);
      return {
        name,
        family,
        reference: false,
        saver: new RecordStoreSaver(store),
        bytes: async () => (family === 'postgres' ? pgTablesBytes(target) : sqliteFileBytes(target)),
        close: () => store.close(),
      };
    }
    default:
      throw new Error(`unknown checkpointer ${name}`);
  }
}
