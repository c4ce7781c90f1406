import { isStorageError, type StorageError } from '@recordstore/core';
import { describe, expect, it } from 'vitest';
import { PostgreSQLStorageBackend, postgresConfigSchema } from '../src/index.js';
import { resolveTarget } from '../src/postgres-connection.js';
import { replicaConfig, replicaTarget, targetLabel } from '../src/postgres-replicas.js';

function thrown(fn: () => unknown): StorageError {
  try {
    fn();
  } catch (error) {
    if (isStorageError(error)) return error;
    throw error;
  }
  throw new Error('expected a StorageError');
}

const primary = resolveTarget(
  postgresConfigSchema.parse({
    url: 'postgres://app:s3cret@db-primary:6543/app?sslmode=require',
    ssl_enabled: true,
  }),
);

describe('replicas config', () => {
  it('replicas defaults to none, read_preference to replica_preferred, the window to 5000 ms', () => {
    const parsed = postgresConfigSchema.parse({});
    expect(parsed).toMatchObject({
      replicas: [],
      read_preference: 'replica_preferred',
      read_your_writes_window_ms: 5000,
      replica_backoff_ms: 5000,
    });
  });

  it('a comma-separated string (from variable interpolation) is a list', () => {
    expect(postgresConfigSchema.parse({ replicas: 'r1:5432, r2 ,' }).replicas).toEqual(['r1:5432', 'r2']);
  });

  it('read_preference replica without replicas is refused at construction', () => {
    const error = thrown(() => new PostgreSQLStorageBackend({ read_preference: 'replica' }));
    expect(error.kind).toBe('config');
    expect(error.path).toBe('config.read_preference');
    expect(error.message).toMatch(/no replicas are configured/);
  });

  it('an unknown read_preference names the allowed values', () => {
    const result = postgresConfigSchema.safeParse({ read_preference: 'nearest' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/primary, replica, replica_preferred/);
  });

  it('host and host:port entries take credentials, database and TLS from the primary', () => {
    expect(replicaTarget('r1', primary, 0)).toEqual({ ...primary, host: 'r1', port: 6543 });
    expect(replicaTarget('r2:5433', primary, 1)).toEqual({ ...primary, host: 'r2', port: 5433 });
    expect(replicaTarget('[::1]:5434', primary, 2)).toMatchObject({ host: '::1', port: 5434 });
    expect(targetLabel(replicaTarget('[::1]:5434', primary, 2))).toBe('[::1]:5434');
  });

  it('a URL entry overrides what it says and keeps the rest', () => {
    const target = replicaTarget('postgres://reader:pw@r3/appro?sslmode=verify-full', primary, 0);
    expect(target).toMatchObject({
      host: 'r3',
      port: 6543,
      database: 'appro',
      user: 'reader',
      password: 'pw',
      sslMode: 'verify-full',
    });
    const config = replicaConfig(postgresConfigSchema.parse({ url: 'postgres://app@p/app' }), target);
    expect(resolveTarget(config)).toEqual(target);
  });

  it('malformed entries are config errors naming the index, without the password', () => {
    const error = thrown(() => replicaTarget('r1:99999', primary, 3));
    expect(error).toMatchObject({ kind: 'config', path: 'config.replicas[3]' });
    const bad = thrown(() => replicaTarget('host with spaces', primary, 0));
    expect(bad.message).toMatch(/replicas\[0\].*host:port/);
    const url = thrown(() => replicaTarget('postgres://u:pw@r1/db?sslmode=sometimes', primary, 1));
    expect(url.message).not.toContain('pw@');
  });
});
