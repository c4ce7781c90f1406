import { isStorageError, maskSecretsInString, StorageError } from '@recordstore/core';

const BACKEND = 'postgresql';

/** Node socket error codes that mean the server could not be reached or the link dropped. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

interface PgLikeError {
  message?: string;
  code?: string;
  routine?: string;
}

/**
 * What a `pg` error says about the connection: true when the client that saw it must not go back to the
 * pool (dropped link, client-side timeout, protocol confusion).
 */
export function isBrokenConnectionError(error: unknown): boolean {
  const { code, message = '' } = (error ?? {}) as PgLikeError;
  if (code !== undefined && (SOCKET_CODES.has(code) || code.startsWith('08') || /^57P0[1-3]$/.test(code))) {
    return true;
  }
  return /Connection terminated|Query read timeout|timeout expired|Client has encountered a connection error/i.test(
    message,
  );
}

/**
 * Removes every occurrence of the secrets from a message (passwords can appear in driver messages and URLs).
 */
export function redact(message: string, secrets: readonly (string | undefined)[]): string {
  let out = maskSecretsInString(message);
  for (const secret of secrets) {
    if (secret && secret.length >= 1) out = out.split(secret).join('********');
  }
  return out;
}

/** Context for {@link toPostgresStorageError}: secrets to keep out of messages, where we were connecting. */
export interface ErrorContext {
  secrets?: readonly (string | undefined)[];
  /** `host:port/database` for connection messages (never the password). */
  target?: string;
}

/**
 * Maps a `pg` (or socket, or pool) error to a {@link StorageError} whose kind says what happened and whose
 * message says what to do. The native error stays as `cause`, its SQLSTATE as `code`.
 */
export function toPostgresStorageError(error: unknown, context: ErrorContext = {}): StorageError {
  if (isStorageError(error)) return error;
  const pgError = (error ?? {}) as PgLikeError;
  const code = typeof pgError.code === 'string' ? pgError.code : undefined;
  const original = error instanceof Error ? error.message : String(error);
  const raw = redact(original, context.secrets ?? []);
  // A native error whose message carried a secret must not travel on as `cause` (util.inspect
  // and loggers print causes): keep a copy with the redacted message and the code instead.
  const cause = raw === original ? error : Object.assign(new Error(raw), code === undefined ? {} : { code });
  const where = context.target ? ` (${context.target})` : '';
  const make = (
    kind: ConstructorParameters<typeof StorageError>[0],
    message: string,
    retryable?: boolean,
  ): StorageError =>
    new StorageError(kind, `${BACKEND}: ${message}`, {
      cause,
      backend: BACKEND,
      ...(code === undefined ? {} : { code }),
      ...(retryable === undefined ? {} : { retryable }),
    });

  if (code !== undefined && /^[0-9A-Z]{5}$/.test(code)) {
    if (code === '57014') {
      return make(
        'timeout',
        `the statement was cancelled by the server (statement_timeout or a cancel request): ${raw}. ` +
          'Raise statement_timeout or make the query cheaper.',
        true,
      );
    }
    if (code === '40001' || code === '40P01') {
      return make('conflict', `${raw}. The transaction conflicted with another one; retry it.`, true);
    }
    if (code === '23505') return make('conflict', `${raw}.`, false);
    if (code === '3D000') {
      return make(
        'config',
        `${raw}${where}. Create the database (createdb, or CREATE DATABASE) or fix the database key.`,
        false,
      );
    }
    if (code === '42P01') {
      return make(
        'config',
        `${raw}. The schema is missing or out of date: run \`recordstore migrate up\` (or set auto_migrate: true).`,
        false,
      );
    }
    // Row-level security (tenant_id) and least-privilege roles.
    if (code === '42501' && /row-level security/i.test(raw)) {
      return make(
        'conflict',
        `${raw}. The id belongs to a row this store may not see or change (row-level security: another ` +
          "tenant's record, or tenant_id does not match); use another id.",
        false,
      );
    }
    if (code === '42501') {
      return make(
        'config',
        `permission denied${where}: ${raw}. The role lacks a privilege: DML roles need SELECT, INSERT, UPDATE, ` +
          'DELETE on storage_records (and SELECT on the migrations table); migrations and DDL need the owner.',
        false,
      );
    }
    if (code === '3F000') {
      return make('config', `${raw}. Create the schema or fix schema_name.`, false);
    }
    if (code.startsWith('28')) {
      return make(
        'connection',
        `authentication failed${where}: check username and password (and pg_hba.conf). Server said: ${raw}`,
        false,
      );
    }
    if (code.startsWith('08') || /^57P0[1-3]$/.test(code) || code === '53300') {
      return make(
        'connection',
        `the connection failed${where}: ${raw}. Retry; check that the server is up.`,
        true,
      );
    }
    if (code.startsWith('22') || code.startsWith('23')) return make('validation', `${raw}.`, false);
    if (code === '0A000') return make('unsupported', `${raw}.`, false);
    if (code.startsWith('53')) return make('internal', `the server is out of resources: ${raw}.`, true);
    return make('internal', `${raw} (SQLSTATE ${code}).`, false);
  }
  if (/timeout exceeded when trying to connect/i.test(raw)) {
    return make(
      'timeout',
      `no connection became free within connection_pool_timeout${where}. Raise connection_pool_size, ` +
        'connection_pool_max_overflow or connection_pool_timeout, or make transactions shorter.',
      true,
    );
  }
  if (/Query read timeout/i.test(raw)) {
    return make(
      'timeout',
      'the server did not answer within command_timeout; the connection was closed. Raise command_timeout ' +
        'or make the query cheaper.',
      true,
    );
  }
  if (/timeout expired|Connection terminated due to connection timeout/i.test(raw)) {
    return make(
      'connection',
      `could not connect within connect_timeout${where}. Check host, port and the network.`,
      true,
    );
  }
  // ENOENT on `<dir>/.s.PGSQL.<port>`: a unix socket folder without the server's socket (not running there).
  const noSocket = code === 'ENOENT' && /\.s\.PGSQL\.\d+/.test(raw);
  if (
    (code !== undefined && SOCKET_CODES.has(code)) ||
    noSocket ||
    /Connection terminated|ECONNREFUSED/i.test(raw)
  ) {
    return make(
      'connection',
      `cannot reach the server${where}: ${raw}. Check host and port; is it running?`,
      true,
    );
  }
  if (/does not support SSL|SSL|certificate|self[- ]signed|TLS/i.test(raw)) {
    return make('connection', `TLS failed${where}: ${raw}. Check ssl_mode and the ssl_*_file keys.`, false);
  }
  return make('internal', raw, false);
}
