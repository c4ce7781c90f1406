import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProvisionedPostgres, provisionPostgres } from '../src/provision/index.js';
import { query, rejection } from './helpers/provision-helpers.js';

describe('provisionPostgres({ replicas })', () => {
  it('refuses a negative or fractional count, and a forced provider that cannot make replicas', async () => {
    expect((await rejection(provisionPostgres({ replicas: -1 }))).kind).toBe('config');
    expect((await rejection(provisionPostgres({ replicas: 1.5 }))).kind).toBe('config');
    const forced = await rejection(provisionPostgres({ replicas: 1, provider: 'embedded' }));
    expect(forced.kind).toBe('unsupported');
    expect(forced.message).toMatch(/replicas need local/);
  });

  it('without replicas, replicaUrls is empty', async () => {
    const server = await provisionPostgres({ provider: 'local' });
    try {
      expect(server.replicaUrls).toEqual([]);
    } finally {
      await server.stop();
    }
  });

  describe('with one replica (local cluster)', () => {
    let server: ProvisionedPostgres;
    beforeAll(async () => {
      server = await provisionPostgres({ replicas: 1, provider: 'local' });
    }, 120_000);
    afterAll(async () => {
      await server?.stop();
    });

    it('streams from the primary as a hot standby; a database created on the primary appears', async () => {
      const replica = server.replicaUrls![0]!;
      expect(await query(replica, 'SELECT pg_is_in_recovery() AS r')).toEqual([{ r: true }]);
      expect(await query(server.url, 'SELECT state FROM pg_stat_replication')).toEqual([
        { state: 'streaming' },
      ]);
      const url = await server.createDatabase();
      const name = new URL(url).pathname.slice(1);
      const deadline = Date.now() + 10_000;
      for (;;) {
        const rows = await query<{ n: number }>(
          replica,
          `SELECT count(*)::int AS n FROM pg_database WHERE datname = '${name}'`,
        );
        if (rows[0]?.n === 1) break;
        if (Date.now() > deadline) throw new Error('the database never reached the replica');
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    });

    it('stopReplica / startReplica take it down and bring it back on the same URL', async () => {
      const replica = server.replicaUrls![0]!;
      await server.stopReplica!(0);
      await expect(query(replica, 'SELECT 1')).rejects.toThrow(/ECONNREFUSED|connect/);
      await server.startReplica!(0);
      expect(await query(replica, 'SELECT pg_is_in_recovery() AS r')).toEqual([{ r: true }]);
      await expect(server.stopReplica!(5)).rejects.toThrow(/no replica 5/);
    });

    it('stop() removes the replica with the primary', async () => {
      const other = await provisionPostgres({ replicas: 1, provider: 'local' });
      const replica = other.replicaUrls![0]!;
      await other.stop();
      await expect(query(replica, 'SELECT 1')).rejects.toThrow();
      expect(other.dataDir && existsSync(other.dataDir)).toBeFalsy();
    });
  });
});
