import type { StorageErrorKind } from '@recordstore/core';

/**
 * The exit codes of `recordstore`, the same for every command:
 * - 0: the command did what was asked (for `health`: the store is healthy);
 * - 1: the operation failed (database unreachable, driver error) or the store is unhealthy;
 * - 2: usage or config error (unknown option, bad JSON, bad filter, invalid config value);
 * - 3: not found (`get` or `delete` of an id that does not exist);
 * - 4: a data check failed: `backup verify` or `backup restore` found the file damaged (nothing was restored),
 *   or `copy --verify` found the stores different;
 * - 5: refused to overwrite: `backup restore` into a store that holds records, without `--mode merge|replace`;
 * - 130: interrupted (Ctrl-C); a copy resumes where it stopped when run again.
 */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  notFound: 3,
  verifyFailed: 4,
  refused: 5,
  interrupted: 130,
} as const;

/** One of the {@link EXIT} codes. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code for a StorageError of this kind. */
export function exitCodeForKind(kind: StorageErrorKind | 'usage'): ExitCode {
  switch (kind) {
    case 'usage':
    case 'validation':
    case 'config':
    case 'unsupported':
      return EXIT.usage;
    case 'not_found':
      return EXIT.notFound;
    default:
      return EXIT.failed;
  }
}

/** The exit code table as shown in every command's help. */
export const EXIT_CODES_HELP = `
Exit codes:
  0  ok
  1  operation failed, or the store is unhealthy
  2  usage or config error (bad option, bad JSON, bad filter, invalid config)
  3  not found
  4  a data check failed (damaged backup, copy --verify found differences)
  5  refused: restore into a non-empty store without --mode merge|replace
  130  interrupted (Ctrl-C); run a copy again to resume`;
