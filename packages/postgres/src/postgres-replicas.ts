import { StorageError } from '@recordstore/core';
import * as replication from './generated/replication.queries.js';
import type { PostgresConfig } from './postgres-config.js';
import {
  type ConnectionTarget,
  hostPort,
  type ResolvedConnection,
  resolveConnection,
} from './postgres-connection.js';
import type { ReplicaNode } from './postgres-read-router.js';
import { parsePostgresUrl } from './postgres-url.js';
import type { SqlSession } from './queries.js';

/**
 * The replicas of `config.replicas`: where each is (an entry's own parts, the rest from the primary) and
 * their connections. Routing reads between them is the read router's (postgres-read-router.ts).
 */

/**
 * Resolves every replica's connection (same sizes, credentials and TLS as the primary unless its entry says
 * otherwise) and lets `open` build its node; nothing is checked at connect: a replica that is down is
 * skipped when reads reach it. On failure the pools opened so far are ended.
 * @throws StorageError(config) for a malformed entry or unreadable TLS files.
 */
export async function openReplicaNodes(
  config: PostgresConfig,
  primary: ConnectionTarget,
  open: (resolved: ResolvedConnection, label: string) => ReplicaNode,
): Promise<ReplicaNode[]> {
  const nodes: ReplicaNode[] = [];
  try {
    for (const [index, entry] of config.replicas.entries()) {
      const target = replicaTarget(entry, primary, index);
      const resolved = await resolveConnection(replicaConfig(config, target));
      nodes.push(open(resolved, targetLabel(target)));
    }
    return nodes;
  } catch (error) {
    await Promise.allSettled(nodes.map((n) => n.pool.end()));
    throw error;
  }
}

/** The primary's view of its standbys (`pg_stat_replication`); empty when it cannot be read. */
export async function primaryStandbys(session: SqlSession): Promise<replication.IPrimaryStandbysResult[]> {
  try {
    return await replication.primaryStandbys.run(undefined, session.connection);
  } catch {
    return [];
  }
}

/**
 * The connection target of one `replicas` entry: `host`, `host:port`, `[v6]:port` or a `postgres://`
 * URL. What the entry does not say (port, database, user, password, TLS) comes from the primary's target.
 * @throws StorageError(config) naming the entry.
 */
export function replicaTarget(entry: string, primary: ConnectionTarget, index: number): ConnectionTarget {
  const fail = (why: string) =>
    new StorageError(
      'config',
      `postgresql: replicas[${index}] ${why}; expected host, host:port or postgres://user@host:port/database.`,
      { path: `config.replicas[${index}]`, backend: 'postgresql' },
    );
  const text = entry.trim();
  if (/^(?:postgres(?:ql)?:\/\/|socket:)/i.test(text)) {
    const parts = parsePostgresUrl(text, fail);
    if (parts.host === undefined) throw fail('has no host');
    return {
      ...primary,
      host: parts.host,
      port: parts.port ?? primary.port,
      ...(parts.database ? { database: parts.database } : {}),
      ...(parts.user ? { user: parts.user } : {}),
      ...(parts.password ? { password: parts.password } : {}),
      ...(parts.sslMode !== undefined ? { sslMode: parts.sslMode } : {}),
      ...(parts.sslCertFile ? { sslCertFile: parts.sslCertFile } : {}),
      ...(parts.sslKeyFile ? { sslKeyFile: parts.sslKeyFile } : {}),
      ...(parts.sslCaFile ? { sslCaFile: parts.sslCaFile } : {}),
    };
  }
  const match = /^(?:\[([0-9a-f:.]+)\]|([^:/\s[\]]+))(?::(\d{1,5}))?$/i.exec(text);
  if (match === null) throw fail(`is ${JSON.stringify(entry)}`);
  const port = match[3] === undefined ? primary.port : Number(match[3]);
  if (port < 1 || port > 65535) throw fail(`has port ${port}, outside 1-65535`);
  return { ...primary, host: (match[1] ?? match[2])!, port };
}

/** `host:port` of a target, for labels (IPv6 in brackets). */
export function targetLabel(target: ConnectionTarget): string {
  return hostPort(target);
}

/**
 * The config to resolve one replica's connection with: the primary's config with the replica's target
 * written as explicit keys (so {@link resolveConnection} reads the same TLS files and settles the same
 * modes).
 */
export function replicaConfig(config: PostgresConfig, target: ConnectionTarget): PostgresConfig {
  const { url: _url, ...rest } = config;
  return {
    ...rest,
    host: target.host,
    port: target.port,
    database: target.database,
    username: target.user,
    password: target.password,
    ssl_enabled: target.sslMode !== 'disable',
    ssl_mode: target.sslMode,
    ssl_cert_file: target.sslCertFile,
    ssl_key_file: target.sslKeyFile,
    ssl_ca_file: target.sslCaFile,
  };
}

/**
 * The passwords `replicas` entries carry (`postgres://user:password@replica`): errors from replica pools go
 * through the same converter as the primary's, so these are redacted too.
 */
export function replicaPasswords(entries: readonly string[]): string[] {
  const passwords: string[] = [];
  for (const entry of entries) {
    try {
      const { password } = parsePostgresUrl(entry.trim(), (why) => new Error(why));
      if (password) passwords.push(password);
    } catch {
      // host or host:port entries carry no password (a malformed URL is refused at connect)
    }
  }
  return passwords;
}
