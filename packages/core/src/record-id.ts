import { v7 as uuidv7 } from 'uuid';
import { describeType } from './describe-value.js';
import { validationError } from './errors.js';
import { unstorableStringReason } from './json-value.js';

/** Longest id accepted: ids are btree keys and appear in URLs and logs. */
export const MAX_ID_LENGTH = 255;

/** Generates a new record id: a UUIDv7, time-ordered so new rows land at the end of the id index. */
export function generateId(): string {
  return uuidv7();
}

/** Validates an id and returns it; throws a validation error naming what is wrong. */
export function validateId(id: unknown, path = 'id'): string {
  if (typeof id !== 'string') {
    throw validationError(`${path} must be a non-empty string, got ${describeType(id)}.`, path);
  }
  if (id.length === 0) throw validationError(`${path} must be a non-empty string, got "".`, path);
  if (id.length > MAX_ID_LENGTH) {
    throw validationError(`${path} is ${id.length} characters long; the limit is ${MAX_ID_LENGTH}.`, path);
  }
  const reason = unstorableStringReason(id);
  if (reason) throw validationError(`${path} ${reason}.`, path);
  return id;
}
