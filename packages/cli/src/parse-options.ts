import { InvalidArgumentError } from 'commander';

/** Parses a non-negative integer option value (`--limit 10`). */
export function nonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError('expected a non-negative integer.');
  return Number(value);
}

/** Parses a non-negative number option value (`--older-than-days 0.5`). */
export function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new InvalidArgumentError('expected a non-negative number.');
  }
  return n;
}
