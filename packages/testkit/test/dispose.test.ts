import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { type ProvisionedPostgres, provisionPostgres } from '../src/provision/index.js';

/**
 * `await using server = await provisionPostgres()` releases the server when the block ends, even when the
 * block throws: the cluster stops and its folder (data, unix socket) is deleted. `socketDir` reaches the
 * server over its unix socket.
 */
describe('provisioned servers are async-disposable', () => {
  it('a local cluster is stopped and deleted at the end of the block, and reachable over its socket before', async () => {
    let kept: ProvisionedPostgres | undefined;
    {
      await using server = await provisionPostgres({ provider: 'local' });
      kept = server;
      expect(server.socketDir).toBeTruthy();
      expect(existsSync(join(server.socketDir!, `.s.PGSQL.${server.port}`))).toBe(true);
      const client = new pg.Client({
        host: server.socketDir!,
        port: server.port!,
        user: 'postgres',
        database: 'postgres',
      });
      await client.connect();
      try {
        const { rows } = await client.query<{ on_socket: boolean }>(
          'SELECT inet_client_addr() IS NULL AS on_socket',
        );
        expect(rows[0]?.on_socket).toBe(true);
      } finally {
        await client.end();
      }
    }
    expect(existsSync(kept.dataDir!)).toBe(false);
    expect(existsSync(kept.socketDir!)).toBe(false);
    await expect(kept.createDatabase()).rejects.toThrow(/after stop\(\)/);
  });

  it('the server is released when the block throws', async () => {
    let kept: ProvisionedPostgres | undefined;
    await expect(
      (async () => {
        await using server = await provisionPostgres({ provider: 'local' });
        kept = server;
        throw new Error('test body failed');
      })(),
    ).rejects.toThrow('test body failed');
    expect(existsSync(kept!.dataDir!)).toBe(false);
  });
});
