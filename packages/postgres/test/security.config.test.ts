import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isStorageError, type StorageError } from '@recordstore/core';
import { describe, expect, it } from 'vitest';
import { PostgreSQLStorageBackend } from '../src/index.js';

/**
 * Bad config: every mistake is a StorageError of kind config (never a raw ZodError or TypeError) whose
 * path and message name the key, and whose message never repeats a password.
 */

const SECRET = 'Config-Secret-Pw-42';

function constructionError(config: unknown): StorageError {
  try {
    new PostgreSQLStorageBackend(config as Record<string, unknown>);
  } catch (error) {
    if (isStorageError(error)) return error;
    throw new Error(`untyped ${(error as Error)?.name}: ${(error as Error)?.message}`);
  }
  throw new Error(`accepted ${JSON.stringify(config)}`);
}

async function connectError(config: Record<string, unknown>): Promise<StorageError> {
  const store = new PostgreSQLStorageBackend({ host: '127.0.0.1', port: 1, connect_timeout: 1, ...config });
  try {
    await store.connect();
  } catch (error) {
    if (isStorageError(error)) return error;
    throw new Error(`untyped ${(error as Error)?.name}: ${(error as Error)?.message}`);
  }
  throw new Error('connected');
}

/** Config values that must be refused at construction, and the key each error must name. */
const BAD_CONFIGS: [string, Record<string, unknown>, string][] = [
  ['port as a word', { port: 'abc' }, 'port'],
  ['port out of range', { port: 70000 }, 'port'],
  ['port as an object', { port: { n: 1 } }, 'port'],
  ['host as an object', { host: { name: 'db' } }, 'host'],
  ['password as an array', { password: [SECRET] }, 'password'],
  ['an unknown key', { hots: 'db' }, 'hots'],
  ['a misspelled key', { connection_pool_sise: 5 }, 'connection_pool_sise'],
  ['bad ssl_mode', { ssl_mode: 'sometimes' }, 'ssl_mode'],
  ['ssl_mode as a boolean', { ssl_mode: true }, 'ssl_mode'],
  ['negative pool size', { connection_pool_size: -1 }, 'connection_pool_size'],
  ['zero pool size', { connection_pool_size: 0 }, 'connection_pool_size'],
  ['fractional pool size', { connection_pool_size: 2.5 }, 'connection_pool_size'],
  ['negative overflow', { connection_pool_max_overflow: -3 }, 'connection_pool_max_overflow'],
  ['negative statement_timeout', { statement_timeout: -5 }, 'statement_timeout'],
  ['ssl_enabled as a word', { ssl_enabled: 'perhaps' }, 'ssl_enabled'],
  ['schema_name with SQL', { schema_name: 'x; DROP TABLE storage_records' }, 'schema_name'],
  ['migration_table with a quote', { migration_table: 'a"b' }, 'migration_table'],
  ['a url of another scheme', { url: `mysql://u:${SECRET}@h/db` }, 'url'],
  ['a url with an unknown parameter', { url: `postgres://u:${SECRET}@h/db?target_session_attrs=any` }, 'url'],
  ['a url with a bad sslmode', { url: `postgres://u:${SECRET}@h/db?sslmode=maybe` }, 'url'],
  ['an alias and its key together', { user: 'a', username: 'b' }, 'user'],
  ['table_name other than storage_records', { table_name: 'records' }, 'table_name'],
  ['require without ssl_enabled', { ssl_mode: 'require' }, 'ssl_mode'],
  ['disable with ssl_enabled', { ssl_enabled: true, ssl_mode: 'disable' }, 'ssl_mode'],
];

describe('postgresql bad config', () => {
  it.each(BAD_CONFIGS)('%s: kind config naming the key', async (_what, config, key) => {
    // Some contradictions surface only when the target is resolved, at connect().
    let error: StorageError;
    try {
      error = constructionError({ password: SECRET, ...config });
    } catch (accepted) {
      if (!String(accepted).startsWith('Error: accepted')) throw accepted;
      error = await connectError({ password: SECRET, ...config });
    }
    expect(error.kind, error.message).toBe('config');
    expect(`${error.path} ${error.message}`).toContain(key);
    expect(error.message).not.toContain(SECRET);
    expect(JSON.stringify(error)).not.toContain(SECRET);
  });

  it('not an object at all: kind config', () => {
    for (const config of ['host=db', 42, [1, 2]]) {
      expect(constructionError(config).kind).toBe('config');
    }
  });

  it.each([
    ['ssl_ca_file', 'a missing file', '/nonexistent/ca.pem'],
    ['ssl_cert_file', 'a missing file', '/nonexistent/client.crt'],
    ['ssl_key_file', 'a missing file', '/nonexistent/client.key'],
    ['ssl_ca_file', 'a directory', tmpdir()],
  ])(
    'unreadable %s (%s): kind config naming the key and the path, before any connection',
    async (key, _what, path) => {
      const error = await connectError({ ssl_enabled: true, ssl_mode: 'require', [key]: path });
      expect(error).toMatchObject({ kind: 'config', path: `config.${key}` });
      expect(error.message).toContain(path);
    },
  );

  it('a garbage CA file is a TLS connection error, not a crash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-badca-'));
    const file = join(dir, 'ca.pem');
    writeFileSync(file, 'not a certificate');
    const error = await connectError({ ssl_enabled: true, ssl_mode: 'verify-full', ssl_ca_file: file });
    expect(['config', 'connection']).toContain(error.kind);
  });
});
