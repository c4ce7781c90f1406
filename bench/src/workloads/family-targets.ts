import { rmSync } from 'node:fs';
import { copyRecords, withClient } from '../contenders/postgres.js';
import { insertRows, openRawSqlite } from '../contenders/sqlite.js';
import type { FamilyTarget } from './run-context.js';

/** PostgreSQL targets: a database per name on the bench server; loads by COPY. */
export function postgresTarget(createDatabase: (name: string) => Promise<string>): FamilyTarget {
  let anyDatabase: string | null = null;
  return {
    family: 'postgres',
    async fresh(name) {
      anyDatabase = await createDatabase(name);
      return anyDatabase;
    },
    load: (url, records) => withClient(url, (client) => copyRecords(client, records)),
    analyze: async (url) => {
      await withClient(url, (client) => client.query('VACUUM ANALYZE storage_records'));
    },
    // Cluster-wide: any database of the bench server will do.
    settle: async () => {
      if (anyDatabase !== null) await withClient(anyDatabase, (client) => client.query('CHECKPOINT'));
    },
  };
}

/** SQLite targets: a file per name in the run's folder; loads in one transaction per chunk. */
export function sqliteTarget(dir: string): FamilyTarget {
  return {
    family: 'sqlite',
    async fresh(name) {
      const path = `${dir}/${name}.db`;
      for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
      return path;
    },
    async load(path, records) {
      const { db } = await openRawSqlite(path);
      try {
        insertRows(db, records);
      } finally {
        db.close();
      }
    },
    async analyze(path) {
      const { db } = await openRawSqlite(path);
      try {
        db.exec('ANALYZE');
        db.pragma('wal_checkpoint(TRUNCATE)');
      } finally {
        db.close();
      }
    },
    // Every contender has a file of its own, whose WAL it checkpoints itself as it writes.
    settle: async () => {},
  };
}
