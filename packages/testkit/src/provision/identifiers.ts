import { randomBytes } from 'node:crypto';
import { ProvisionError } from './errors.js';

/** Database names this module accepts: lower-case, unquoted-safe, at most 63 bytes (PostgreSQL's NAMEDATALEN - 1). */
export const DATABASE_NAME_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

/** Prefix of generated database names, so leftovers on a shared server are easy to find. */
export const GENERATED_DATABASE_PREFIX = 'rs_test_';

/**
 * Returns `name` if it is an acceptable database name, else throws a `validation` {@link ProvisionError}.
 * Only names that pass this check are ever placed in SQL text.
 */
export function assertDatabaseName(name: string, role: string): string {
  if (!DATABASE_NAME_PATTERN.test(name)) {
    throw new ProvisionError(
      'validation',
      `@recordstore/testkit: ${role} ${JSON.stringify(name)} is not accepted; ` +
        `use lower-case letters, digits and underscores matching ${DATABASE_NAME_PATTERN} (at most 63 characters).`,
    );
  }
  return name;
}

/** Generates `rs_test_<24 hex digits>`; 96 random bits make collisions between parallel runs negligible. */
export function generateDatabaseName(): string {
  return `${GENERATED_DATABASE_PREFIX}${randomBytes(12).toString('hex')}`;
}

/** Quotes a name already checked by {@link assertDatabaseName} (quoting keeps keywords such as `user` usable). */
export function quoteIdentifier(name: string): string {
  return `"${assertDatabaseName(name, 'identifier')}"`;
}
