import { describeValue } from '../describe-value.js';
import type { StandardSchemaV1 } from '../driver/standard-schema.js';
import { StorageError } from '../errors.js';
import { isPlainObject } from '../json-value.js';
import { joinPath } from './interpolate.js';
import { isSecretKey, MASK, maskSecrets, maskSecretsInString, maskValueForKey } from './secrets.js';

/** One problem of a config: the key path as the caller wrote it, and the whole line shown for it. */
export interface ConfigProblem {
  path: string;
  message: string;
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** The known key closest to `key`, when it is close enough to be a typo. */
export function didYouMean(key: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  const lower = key.toLowerCase();
  for (const candidate of known) {
    const d = distance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const limit = Math.max(2, Math.floor(key.length / 3));
  if (best !== undefined && bestDistance <= limit) return best;
  // Abbreviations ("prod" for "production") are too far apart by edits but obvious by prefix.
  if (lower.length < 3) return undefined;
  const prefixed = [...known].filter((c) => c.toLowerCase().startsWith(lower));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** How an unknown key is reported: with a suggestion when one is close, else the list of known keys. */
export function unknownKeyMessage(fullPath: string, key: string, known: readonly string[]): string {
  const suggestion = didYouMean(key, known);
  const hint =
    suggestion === undefined
      ? `known keys: ${[...new Set(known)].sort().join(', ')}`
      : `did you mean "${suggestion}"?`;
  return `${fullPath}: unknown key "${key}" (${hint})`;
}

/** Joins a base key path and an issue path (`a.b[0].c`). */
export function joinIssuePath(basePath: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, key) => joinPath(acc, typeof key === 'number' ? key : String(key)),
    basePath,
  );
}

/** A Standard Schema issue path as plain keys (the spec allows `{ key }` segments as well). */
export function issuePath(issue: StandardSchemaV1.Issue): PropertyKey[] {
  return (issue.path ?? []).map((segment) =>
    typeof segment === 'object' && segment !== null ? (segment as StandardSchemaV1.PathSegment).key : segment,
  );
}

/** Reads the value at `path` inside `input`; `found` is false when the path does not exist. */
function valueAt(input: unknown, path: readonly PropertyKey[]): { found: boolean; value: unknown } {
  let current = input;
  for (const key of path) {
    if (Array.isArray(current) && typeof key === 'number' && key < current.length) current = current[key];
    else if (isPlainObject(current) && typeof key === 'string' && Object.hasOwn(current, key)) {
      current = current[key];
    } else return { found: false, value: undefined };
  }
  return { found: true, value: current };
}

/** The innermost secret-named key on the path, if any: everything below it is a secret too. */
function secretKeyOn(path: readonly PropertyKey[]): string | undefined {
  return [...path].reverse().find((key): key is string => typeof key === 'string' && isSecretKey(key));
}

/**
 * A schema library's message made safe to show: credentials embedded in it are masked, and so is the
 * value itself when it sits under a secret key (a refinement may quote the value it refused).
 */
function safeMessage(message: string, secretKey: string | undefined, value: unknown): string {
  let text = String(message);
  const raw = typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
  // Very short values would mask unrelated characters of the message; secrets are longer than that.
  if (secretKey !== undefined && raw !== undefined && raw.length >= 4) text = text.split(raw).join(MASK);
  return maskSecretsInString(text);
}

/** Options of {@link formatSchemaIssues}. */
export interface FormatIssuesOptions {
  /** The value that was validated, to show the value seen at each path. */
  input: unknown;
  /** The display path of a location inside the input (`storage_types.pg.config.port`). */
  locate: (path: readonly PropertyKey[]) => string;
}

/**
 * Turns Standard Schema issues into one line each, whatever library produced them:
 * `<key path>: <the library's message> (got <value seen>)`, or `(the key is missing)`. Values under
 * secret keys are masked, and so is any credential inside a message. No schema is inspected.
 *
 * @returns the problems, plus the issues reduced to path and masked message (safe to keep as a cause).
 */
export function formatSchemaIssues(
  issues: readonly StandardSchemaV1.Issue[],
  options: FormatIssuesOptions,
): { problems: ConfigProblem[]; issues: Array<{ path: PropertyKey[]; message: string }> } {
  const problems: ConfigProblem[] = [];
  const safe: Array<{ path: PropertyKey[]; message: string }> = [];
  for (const issue of issues) {
    const path = issuePath(issue);
    const full = options.locate(path);
    const { found, value } = valueAt(options.input, path);
    const secretKey = secretKeyOn(path);
    const message = safeMessage(issue.message, secretKey, value);
    safe.push({ path, message });
    let seen = '';
    // At the root the value is the whole block: the key paths in the other lines say more than it would.
    if (path.length > 0) {
      seen = found
        ? ` (got ${describeValue(secretKey === undefined ? maskSecrets(value) : maskValueForKey(secretKey, value))})`
        : ' (the key is missing)';
    }
    problems.push({ path: full, message: `${full}: ${message}${seen}` });
  }
  return { problems, issues: safe };
}

/**
 * One config error for one or more problems: `file: path: problem` for one, a list for several. Its `path`
 * is the first problem's key path.
 */
export function configProblemsError(
  problems: readonly ConfigProblem[],
  options: { file?: string | null; cause?: unknown } = {},
): StorageError {
  const where = options.file ? `${options.file}: ` : '';
  const message =
    problems.length === 1
      ? `${where}${problems[0]!.message}`
      : `${where}${problems.length} problems in the config:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`;
  return new StorageError('config', message, {
    ...(problems[0] ? { path: problems[0].path } : {}),
    ...(options.cause === undefined ? {} : { cause: options.cause }),
  });
}
