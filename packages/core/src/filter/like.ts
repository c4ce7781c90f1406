import { validationError } from '../errors.js';

/**
 * Folds ASCII letters to lower case and leaves every other character alone: `$ilike` is ASCII
 * case-insensitive on every backend (PostgreSQL's ILIKE under the "C" collation, SQLite's LIKE).
 */
export function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/** Validates a LIKE pattern: it may not end in a lone escape character (PostgreSQL refuses that). */
export function validateLikePattern(pattern: string, path: string): void {
  let escapes = 0;
  for (let i = pattern.length - 1; i >= 0 && pattern[i] === '\\'; i--) escapes++;
  if (escapes % 2 === 1) {
    throw validationError(
      `${path}: the LIKE pattern ends with a lone escape character "\\"; write "\\\\".`,
      path,
    );
  }
}

const cache = new Map<string, RegExp>();

/**
 * Compiles a SQL LIKE pattern (`%` any run, `_` one character, `\` escapes the next character) into an
 * anchored regular expression. `_` matches one Unicode code point, as PostgreSQL and SQLite do.
 */
export function likeToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  const key = `${caseInsensitive ? 'i' : 's'}${pattern}`;
  let re = cache.get(key);
  if (re) return re;
  const source = caseInsensitive ? asciiLower(pattern) : pattern;
  let out = '^';
  const chars = Array.from(source);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '\\' && i + 1 < chars.length) out += escapeRegExp(chars[++i]!);
    else if (c === '%') out += '[\\s\\S]*';
    else if (c === '_') out += '[\\s\\S]';
    else out += escapeRegExp(c);
  }
  re = new RegExp(`${out}$`, 'u');
  if (cache.size > 1000) cache.clear();
  cache.set(key, re);
  return re;
}

function escapeRegExp(c: string): string {
  // `-` is literal outside a character class, and escaping it is a syntax error under the `u` flag.
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}

/** Evaluates `value LIKE pattern` (or ILIKE) with the reference semantics. */
export function likeMatches(value: string, pattern: string, caseInsensitive: boolean): boolean {
  return likeToRegExp(pattern, caseInsensitive).test(caseInsensitive ? asciiLower(value) : value);
}
