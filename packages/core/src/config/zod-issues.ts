import type { z } from 'zod';
import { StorageError } from '../errors.js';
import { describeValue, isPlainObject } from '../record.js';
import { joinPath } from './interpolate.js';
import { maskValueForKey } from './secrets.js';

// zod 4 keeps a schema's structure in `_zod.def`; only the few fields read here are typed.
interface ZodDef {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  checks?: Array<{ _zod: { def: { check: string; value?: number; inclusive?: boolean; format?: string } } }>;
  entries?: Record<string, unknown>;
  values?: unknown[];
  options?: z.ZodType[];
  element?: z.ZodType;
}

function defOf(schema: z.ZodType | undefined): ZodDef | undefined {
  return (schema as unknown as { _zod?: { def?: ZodDef } } | undefined)?._zod?.def;
}

/** Strips wrappers that do not change what a value must look like (default, optional, preprocess, ...). */
function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  for (let i = 0; i < 20 && current; i++) {
    const def = defOf(current);
    if (!def) return current;
    if (
      (def.type === 'default' ||
        def.type === 'optional' ||
        def.type === 'nullable' ||
        def.type === 'prefault' ||
        def.type === 'readonly' ||
        def.type === 'catch') &&
      def.innerType
    ) {
      current = def.innerType;
    } else if (def.type === 'pipe' && def.out) {
      // preprocess(fn, schema) is a pipe from a transform into the real schema.
      current = defOf(def.in)?.type === 'transform' ? def.out : def.in;
    } else {
      return current;
    }
  }
  return current;
}

/** The object shape of a schema (after unwrapping), when it is an object schema. */
export function shapeOf(schema: z.ZodType | undefined): Record<string, z.ZodType> | undefined {
  return defOf(unwrap(schema))?.shape;
}

/** The schema that validates the value at `path` inside `schema`, when it can be found. */
function schemaAt(schema: z.ZodType | undefined, path: readonly PropertyKey[]): z.ZodType | undefined {
  let current = schema;
  for (const key of path) {
    const def = defOf(unwrap(current));
    if (def?.shape && typeof key === 'string') current = def.shape[key];
    else if (def?.type === 'array' && typeof key === 'number') current = def.element;
    else return undefined;
  }
  return current;
}

function describeNumber(def: ZodDef): string {
  let integer = false;
  let low: { value: number; inclusive: boolean } | undefined;
  let high: { value: number; inclusive: boolean } | undefined;
  for (const check of def.checks ?? []) {
    const c = check._zod.def;
    if (c.check === 'number_format' && c.format !== undefined && /int/.test(c.format)) integer = true;
    if (c.check === 'greater_than' && c.value !== undefined)
      low = { value: c.value, inclusive: !!c.inclusive };
    if (c.check === 'less_than' && c.value !== undefined) high = { value: c.value, inclusive: !!c.inclusive };
  }
  const noun = integer ? 'integer' : 'number';
  if (low && high && low.inclusive && high.inclusive) {
    return `${integer ? 'an' : 'a'} ${noun} from ${low.value} to ${high.value}`;
  }
  if (low?.value === 0 && !low.inclusive && !high) return `a positive ${noun}`;
  if (low?.value === 0 && low.inclusive && !high) return `a non-negative ${noun}`;
  const bounds: string[] = [];
  if (low) bounds.push(low.inclusive ? `at least ${low.value}` : `greater than ${low.value}`);
  if (high) bounds.push(high.inclusive ? `at most ${high.value}` : `less than ${high.value}`);
  return [`${integer ? 'an' : 'a'} ${noun}`, bounds.join(' and ')].filter(Boolean).join(' ');
}

function describeString(def: ZodDef): string {
  let min: number | undefined;
  let max: number | undefined;
  for (const check of def.checks ?? []) {
    const c = check._zod.def as { check: string; minimum?: number; maximum?: number; length?: number };
    if (c.check === 'min_length') min = c.minimum;
    if (c.check === 'max_length') max = c.maximum;
    if (c.check === 'length_equals') min = max = c.length;
  }
  if (min !== undefined && min === max) return `a string of exactly ${min} characters`;
  if (min === 1 && max === undefined) return 'a non-empty string';
  const bounds: string[] = [];
  if (min !== undefined) bounds.push(`at least ${min}`);
  if (max !== undefined) bounds.push(`at most ${max}`);
  return bounds.length === 0 ? 'a string' : `a string of ${bounds.join(' and ')} characters`;
}

/** A human description of what a schema accepts ("an integer from 1 to 65535", "one of "a", "b""). */
export function describeSchema(schema: z.ZodType | undefined): string | undefined {
  const def = defOf(unwrap(schema));
  if (!def) return undefined;
  switch (def.type) {
    case 'number':
      return describeNumber(def);
    case 'boolean':
      return 'a boolean (true or false)';
    case 'string':
      return describeString(def);
    case 'object':
      return 'a mapping of keys to values';
    case 'record':
      return 'a mapping of keys to values';
    case 'array':
      return 'a list';
    case 'enum':
      return `one of ${Object.values(def.entries ?? {})
        .map((v) => JSON.stringify(v))
        .join(', ')}`;
    case 'literal':
      return (def.values ?? []).length === 1
        ? JSON.stringify(def.values?.[0])
        : `one of ${(def.values ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'union': {
      const options = (def.options ?? []).map(describeSchema);
      return options.every((o) => o !== undefined) ? options.join(' or ') : undefined;
    }
    default:
      return undefined;
  }
}

/** Fallback description from the issue itself, when the schema could not be inspected. */
function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'int' ? 'an integer' : `a value of type ${issue.expected}`;
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return `a ${issue.origin} ${issue.inclusive ? 'of at least' : 'greater than'} ${String(issue.minimum)}`;
    case 'too_big':
      return `a ${issue.origin} ${issue.inclusive ? 'of at most' : 'less than'} ${String(issue.maximum)}`;
    case 'invalid_format':
      return `a valid ${issue.format}`;
    default:
      return issue.message;
  }
}

/** Reads the value at `path` inside `input`, or undefined when the path does not exist. */
export function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const key of path) {
    if (Array.isArray(current) && typeof key === 'number') current = current[key];
    else if (isPlainObject(current) && typeof key === 'string' && Object.hasOwn(current, key)) {
      current = current[key];
    } else return undefined;
  }
  return current;
}

/** The value as an error message shows it: quoted strings, secrets masked, long values cut. */
export function describeSeen(key: string | undefined, value: unknown): string {
  if (value === undefined) return 'nothing (the key is missing)';
  return describeValue(maskValueForKey(key, value));
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

/** Joins a base key path and a zod issue path (`a.b[0].c`). */
export function joinIssuePath(basePath: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, key) => joinPath(acc, typeof key === 'number' ? key : String(key)),
    basePath,
  );
}

/** Options of {@link formatZodIssues}. */
export interface FormatIssuesOptions {
  /** The schema that produced the issues, read to describe what was expected. */
  schema: z.ZodType | undefined;
  /** The value that was parsed, to show the value seen at each path. */
  input: unknown;
  /** The display path of a location inside the input (`storage_types.pg.config.port`). */
  locate: (path: readonly PropertyKey[]) => string;
  /** Extra accepted spellings of top-level keys, offered by "did you mean" for unknown keys. */
  aliases?: readonly string[];
}

/**
 * Turns zod issues into one line each: `<key path>: expected <what>, got <value seen>`. The expectation is
 * read from the schema when possible (so a port says "an integer from 1 to 65535" rather than zod's
 * generic "expected number"), and values under secret keys are masked.
 */
export function formatZodIssues(
  issues: readonly z.core.$ZodIssue[],
  options: FormatIssuesOptions,
): Array<{ path: string; message: string }> {
  const lines: Array<{ path: string; message: string }> = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = [...Object.keys(shapeOf(schemaAt(options.schema, issue.path)) ?? {})];
      if (issue.path.length === 0) known.push(...(options.aliases ?? []));
      for (const key of issue.keys) {
        const full = options.locate([...issue.path, key]);
        lines.push({ path: full, message: unknownKeyMessage(full, key, known) });
      }
      continue;
    }
    const full = options.locate(issue.path);
    const lastKey = [...issue.path].reverse().find((k): k is string => typeof k === 'string');
    const value = valueAt(options.input, issue.path);
    const seen = describeSeen(lastKey, value);
    if (issue.code === 'custom') {
      // Refinements carry the backend author's own message, which already says what is expected.
      const got = value === undefined || isPlainObject(value) || Array.isArray(value) ? '' : ` (got ${seen})`;
      lines.push({ path: full, message: `${full}: ${issue.message}${got}` });
      continue;
    }
    const expected =
      issue.code === 'invalid_value' || issue.code === 'invalid_format'
        ? describeIssue(issue)
        : (describeSchema(schemaAt(options.schema, issue.path)) ?? describeIssue(issue));
    lines.push({ path: full, message: `${full}: expected ${expected}, got ${seen}` });
  }
  return lines;
}

/**
 * One config error for one or more problems: `file: path: problem` for one, a list for several. Its `path`
 * is the first problem's key path.
 */
export function configProblemsError(
  problems: ReadonlyArray<{ path: string; message: string }>,
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
