import { isStorageError, MASK, maskSecretsInString, type StorageErrorKind } from '@recordstore/core';
import { EXIT, type ExitCode, exitCodeForKind } from './exit-codes.js';

/** The kinds of a CLI error: the StorageError kinds plus `usage` for a bad command line. */
export type CliErrorKind = StorageErrorKind | 'usage';

/** An error the CLI reports as `recordstore: <message>` and turns into an exit code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly kind: CliErrorKind;
  readonly exitCode: ExitCode;
  readonly path: string | undefined;

  constructor(kind: CliErrorKind, message: string, options: { path?: string; exitCode?: ExitCode } = {}) {
    super(message);
    this.kind = kind;
    this.path = options.path;
    this.exitCode = options.exitCode ?? exitCodeForKind(kind);
  }
}

/** A usage error (exit 2) naming the option or argument at fault. */
export function usageError(message: string, path?: string): CliError {
  return new CliError('usage', message, path === undefined ? {} : { path });
}

/** What the CLI prints for a failure, and the exit code it ends with. */
export interface ErrorReport {
  kind: string;
  message: string;
  path?: string;
  exitCode: ExitCode;
}

/** Classifies any thrown value; unexpected errors (bugs) become kind `internal`, exit 1. */
export function toErrorReport(error: unknown): ErrorReport {
  if (error instanceof CliError) {
    return withPath({ kind: error.kind, message: error.message, exitCode: error.exitCode }, error.path);
  }
  if (isStorageError(error)) {
    return withPath(
      { kind: error.kind, message: error.message, exitCode: exitCodeForKind(error.kind) },
      error.path,
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'internal', message: `unexpected error: ${message}`, exitCode: EXIT.failed };
}

function withPath(report: ErrorReport, path: string | undefined): ErrorReport {
  return path === undefined ? report : { ...report, path };
}

/**
 * Removes secret values (passwords, tokens, the password part of URLs) from a message, in case a driver
 * echoed one back. The CLI never prints a secret, even in an error.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = maskSecretsInString(text);
  for (const secret of secrets) {
    if (secret.length >= 3) out = out.split(secret).join(MASK);
  }
  return out;
}
