import { commonConfigShape, configString } from '@recordstore/core';
import { z } from 'zod';

/**
 * Config of the LMDB adapter: core's common keys (TTL, batching, limits, backups) plus the folder of the
 * LMDB environment. Unknown keys are refused; core reports them with a "did you mean" from
 * {@link lmdbConfigKeys}.
 *
 * @example
 * storage_types:
 *   main:
 *     class: lmdb
 *     config: { path: ./data/main.lmdb, ttl_enabled: true }
 */
export const lmdbConfigSchema = z
  .object({
    ...commonConfigShape,
    /** The folder of the LMDB environment (`data.mdb` and `lock.mdb`), created when missing; relative to the working directory. */
    path: configString().pipe(
      z.string().min(1, 'path must name a folder for the LMDB environment, e.g. ./data/main.lmdb.'),
    ),
  })
  .strict();

/** Parsed LMDB adapter config (defaults applied). */
export type LmdbConfig = z.infer<typeof lmdbConfigSchema>;
/** LMDB adapter config as written in a YAML file or passed to the constructor. */
export type LmdbConfigInput = z.input<typeof lmdbConfigSchema>;

/** Every key the config accepts, for core's "unknown key (did you mean ...?)" messages. */
export const lmdbConfigKeys: readonly string[] = Object.keys(lmdbConfigSchema.shape);
