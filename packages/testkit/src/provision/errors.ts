import type { RequestedProvider } from './types.js';

/**
 * Why provisioning or a database operation failed.
 * - `unavailable`: the provider cannot run on this machine (nothing configured or installed);
 * - `startup`: the provider is present but failed to start a server;
 * - `config`: an option or environment variable has an unexpected value;
 * - `validation`: an identifier passed in is not acceptable;
 * - `not_owned`: the database was not created by this provisioned server;
 * - `stopped`: the provisioned server was already stopped;
 * - `cleanup`: stopping or dropping left something behind;
 * - `unsupported`: the option is reserved and not implemented yet.
 */
export type ProvisionErrorKind =
  | 'unavailable'
  | 'startup'
  | 'config'
  | 'validation'
  | 'not_owned'
  | 'stopped'
  | 'cleanup'
  | 'unsupported';

/** One provider tried by {@link provisionPostgres} and why it did not serve. */
export interface ProvisionAttempt {
  provider: RequestedProvider;
  error: Error;
}

/** Error thrown by the provisioning module. Messages end with what to do; the original error is `cause`. */
export class ProvisionError extends Error {
  override readonly name = 'ProvisionError';
  /** Category, stable across message wording changes. */
  readonly kind: ProvisionErrorKind;
  /** Provider concerned, when there is one. */
  readonly provider: RequestedProvider | undefined;
  /** Every provider tried, when this error ends a search for a server. */
  readonly attempts: readonly ProvisionAttempt[];

  constructor(
    kind: ProvisionErrorKind,
    message: string,
    options: { provider?: RequestedProvider; cause?: unknown; attempts?: readonly ProvisionAttempt[] } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.provider = options.provider;
    this.attempts = options.attempts ?? [];
  }
}

/** Message of any thrown value, for error texts. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
