import { resolve } from 'node:path';
import { commonConfigShape, configBoolean, configCount, configString } from '@recordstore/core';
import { z } from 'zod';
import { sqliteDeclaredIndexesSchema } from './sqlite-indexes.js';

/** Where the embedded store lives when `path` is not set: relative to the process's working directory. */
export const DEFAULT_SQLITE_PATH = './data/recordstore.db';
/** The table records live in when `table_name` is not set. */
export const DEFAULT_TABLE_NAME = 'storage_records';

/** A table name SQLite and PostgreSQL both accept unquoted, and short enough for PostgreSQL (63 bytes). */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Journal modes that keep transactions atomic across a crash. `memory` and `off` are refused: with them a
 * crash or a failed statement can leave a half-written transaction, which recordstore promises never happens.
 */
const JOURNAL_MODES = ['wal', 'delete', 'truncate', 'persist'] as const;
const SYNCHRONOUS = ['off', 'normal', 'full', 'extra'] as const;

const lowerCase = (v: unknown) => (typeof v === 'string' ? v.trim().toLowerCase() : v);

/**
 * A string from a fixed list, compared case-insensitively. A refinement rather than `z.enum`, so the
 * message (which says why and what to do) reaches the user through core's config error formatter, which
 * shows a refinement's own message and adds the value seen.
 */
function oneOf<const T extends readonly string[]>(values: T, message: string) {
  return z.preprocess(
    lowerCase,
    z
      .string()
      .refine((v) => (values as readonly string[]).includes(v), { message })
      .transform((v) => v as T[number]),
  );
}

/**
 * Config of the SQLite backend: the common keys plus the file and its pragmas. Unknown keys are refused
 * (a PostgreSQL `host` here is a mistake worth hearing about).
 *
 * @example
 * sqliteConfigSchema.parse({ path: './data/app.db', ttl_enabled: true, default_ttl_seconds: 3600 })
 */
export const sqliteConfigSchema = z
  .object({
    ...commonConfigShape,
    /** The database file; folders are created. `:memory:` gives a private store that vanishes on close. */
    path: configString()
      .pipe(z.string().min(1, 'path must name a file (or ":memory:"), got an empty string.'))
      .default(DEFAULT_SQLITE_PATH),
    /** How long a statement waits for another process's lock before failing with a timeout error. */
    busy_timeout_ms: configCount().default(5000),
    /** SQLite journal mode; `wal` lets readers and one writer work at once across processes. */
    journal_mode: oneOf(
      JOURNAL_MODES,
      `journal_mode must be one of ${JOURNAL_MODES.join(', ')} (memory and off are refused: they lose ` +
        'atomicity on a crash).',
    ).default('wal'),
    /** SQLite `synchronous` pragma; `normal` is durable across process crashes in WAL mode. */
    synchronous: oneOf(SYNCHRONOUS, `synchronous must be one of ${SYNCHRONOUS.join(', ')}.`).default(
      'normal',
    ),
    /** Payload compression; SQLite compresses records with gzip only. */
    compression_algorithm: oneOf(
      ['gzip'],
      'compression_algorithm must be gzip for SQLite, which compresses record payloads with gzip ' +
        '(lz4 and pglz are PostgreSQL column compression). Set compression_algorithm: gzip or remove the key.',
    ).default('gzip'),
    /** The records table (an identifier: letters, digits, underscores; at most 63 characters). */
    table_name: configString()
      .pipe(
        z.string().refine((v) => IDENTIFIER.test(v), {
          message:
            'table_name must be an identifier: a letter or _ followed by letters, digits or _, at most 63 characters.',
        }),
      )
      .default(DEFAULT_TABLE_NAME),
    /**
     * The deployment's own SQL migrations, applied by `recordstore migrate up` after the shipped ones
     * (forward-only: their Down sections are not run). `recordstore migrate` resolves it against the
     * config file's folder and defaults it to `./migrations` beside that file; opening a store does not
     * apply them.
     */
    migrations_dir: configString()
      .optional()
      .transform((v) => (v === undefined || v.trim() === '' ? undefined : v)),
    /**
     * Declared path indexes, e.g. `[{ path: 'user.id', type: 'text' }, { path: 'score', type: 'numeric' }]`:
     * expression indexes created by the migration step (on connect and `recordstore migrate up`), used by
     * equality and range filters on those paths (see sqlite-indexes.ts).
     */
    indexes: sqliteDeclaredIndexesSchema.default([]),
    /**
     * Operation counters and latencies plus the file's sizes in Prometheus text format (the `metrics`
     * capability; `recordstore metrics`). Off by default: timing costs two clock reads per operation.
     */
    metrics_enabled: configBoolean().default(false),
  })
  .strict();

/** Parsed SQLite backend config. */
export type SQLiteConfig = z.infer<typeof sqliteConfigSchema>;
/** SQLite backend config as written (strings are coerced, defaults applied). */
export type SQLiteConfigInput = z.input<typeof sqliteConfigSchema>;

/** Every key the SQLite config accepts (the common keys and its own), for "did you mean" messages. */
export const sqliteConfigKeys: readonly string[] = Object.keys(sqliteConfigSchema.shape);

/** True when the config asks for a private in-memory database rather than a file. */
export function isMemoryPath(path: string): boolean {
  return path === ':memory:';
}

/**
 * The database file as an absolute path (relative paths are relative to the working directory, as
 * better-sqlite3 opens them), or `:memory:`.
 */
export function sqliteFilePath(path: string): string {
  return isMemoryPath(path) ? path : resolve(path);
}
