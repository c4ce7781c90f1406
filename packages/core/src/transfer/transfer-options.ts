import { describeValue } from '../describe-value.js';
import { validationError } from '../errors.js';

/** Records per round trip of backups, restores and copies when neither the caller nor the file says otherwise. */
export const DEFAULT_BATCH_SIZE = 1000;

/** Checks a count option (batch size, file limit) and returns it. */
export function positiveInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw validationError(`${name} must be a positive integer, got ${describeValue(value)}.`, name);
  }
  return value;
}
