import { describeValue } from './describe-value.js';
import { validationError } from './errors.js';

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Converts a timestamp input to epoch milliseconds.
 * @throws StorageError(validation) naming `path` when the value is not a valid time.
 */
export function toEpochMs(value: unknown, path: string): number {
  let ms: number;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'number') ms = value;
  else if (typeof value === 'string' && ISO_8601.test(value.trim())) ms = Date.parse(value.trim());
  else {
    throw validationError(
      `${path} must be a Date, an ISO-8601 string or epoch milliseconds, got ${describeValue(value)}.`,
      path,
    );
  }
  if (!Number.isFinite(ms))
    throw validationError(`${path} is not a valid time: ${describeValue(value)}.`, path);
  return Math.trunc(ms);
}
