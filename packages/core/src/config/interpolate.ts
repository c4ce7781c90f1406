import { StorageError } from '../errors.js';
import { isPlainObject, setOwn } from '../json-value.js';

/** Where variables come from: `process.env` by default, or an explicit map (tests, embedding apps). */
export type EnvSource = Record<string, string | undefined>;

const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Replaces `${VAR}` and `${VAR:default}` in one string.
 *
 * - `${VAR}`: the variable's value; an unset (or empty) variable is an error naming it and `path`.
 * - `${VAR:default}`: the default (up to the first `}`) when the variable is unset or empty.
 *   `${VAR:}` therefore allows an empty value.
 * - `$${` is a literal `${`.
 *
 * Empty counts as unset because process managers and compose files routinely export empty variables for
 * "not configured", and an empty port or host is never what the author meant.
 *
 * @throws StorageError(config) for an unset variable without default or a malformed reference.
 */
export function interpolateString(text: string, env: EnvSource, path: string): string {
  if (!text.includes('$')) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar < 0) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, dollar);
    if (text.startsWith('$${', dollar)) {
      out += '${';
      i = dollar + 3;
      continue;
    }
    if (text[dollar + 1] !== '{') {
      out += '$';
      i = dollar + 1;
      continue;
    }
    const close = text.indexOf('}', dollar + 2);
    if (close < 0) {
      throw new StorageError(
        'config',
        `${path}: unterminated "\${" in the value; close it with "}", or write "$\${" for a literal "\${".`,
        { path },
      );
    }
    const body = text.slice(dollar + 2, close);
    const colon = body.indexOf(':');
    const name = colon < 0 ? body : body.slice(0, colon);
    if (!VARIABLE.test(name)) {
      throw new StorageError(
        'config',
        `${path}: "\${${body}}" is not a variable reference; write \${NAME} or \${NAME:default} ` +
          '(NAME of letters, digits and _), or "$${" for a literal "${".',
        { path },
      );
    }
    const value = env[name];
    if (value !== undefined && value !== '') {
      out += value;
    } else if (colon >= 0) {
      out += body.slice(colon + 1);
    } else {
      throw new StorageError(
        'config',
        `${path}: environment variable ${name} is not set. Set it, give a default with \${${name}:default}, ` +
          `or write \${${name}:} to allow an empty value.`,
        { path },
      );
    }
    i = close + 1;
  }
  return out;
}

/**
 * Returns a deep copy of `value` with every string scalar interpolated (see {@link interpolateString}).
 * Keys are left alone. `path` is the key path of `value`, used in error messages.
 */
export function interpolateValue<T>(value: T, env: EnvSource, path: string): T {
  if (typeof value === 'string') return interpolateString(value, env, path) as T;
  if (Array.isArray(value)) {
    return value.map((item, index) => interpolateValue(item, env, `${path}[${index}]`)) as T;
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      setOwn(out, key, interpolateValue(item, env, joinPath(path, key)));
    }
    return out as T;
  }
  return value;
}

/** Appends a key to a dotted key path. */
export function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}
