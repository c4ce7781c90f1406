import { z } from 'zod';

// YAML and `${VAR:default}` interpolation hand us strings ("5", "true"); these coerce exactly those
// spellings and nothing else, so "abc" for a port is still an error that names the key.
const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

function coerceNumber(value: unknown): unknown {
  return typeof value === 'string' && NUMERIC.test(value.trim()) ? Number(value.trim()) : value;
}

function coerceBoolean(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === 'yes' || v === 'on' || v === '1') return true;
  if (v === 'false' || v === 'no' || v === 'off' || v === '0') return false;
  return value;
}

/** A boolean config value; accepts true/false/yes/no/on/off/1/0 as strings. */
export const configBoolean = () => z.preprocess(coerceBoolean, z.boolean());
/** A non-negative integer config value; numeric strings are coerced. */
export const configCount = () => z.preprocess(coerceNumber, z.number().int().nonnegative());
/** A positive integer config value; numeric strings are coerced. */
export const configPositiveInt = () => z.preprocess(coerceNumber, z.number().int().positive());
/** A non-negative number config value (fractions allowed); numeric strings are coerced. */
export const configNumber = () => z.preprocess(coerceNumber, z.number().nonnegative().finite());
/** A string config value; numbers are accepted and turned into strings (YAML reads `5432` as a number). */
export const configString = () =>
  z.preprocess((v) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v), z.string());
/** A positive number config value (fractions allowed); numeric strings are coerced. */
export const configPositiveNumber = () => z.preprocess(coerceNumber, z.number().positive().finite());
