import { isPlainObject, setOwn } from '../json-value.js';

/** What a masked secret prints as. */
export const MASK = '********';

// Key names whose values are secrets. `ssl_key_file` is deliberately not here: it is a path, and the path
// is what an operator needs to see to debug TLS; the file's contents never enter the config.
const SECRET_KEY =
  /password|passwd|passphrase|secret|token|credential|api[_-]?key|access[_-]?key|private[_-]?key|^pwd$|^key$|^ssl_?key$/i;
// scheme://user:password@host  ->  scheme://user:********@host
// The password runs to the LAST "@" of the authority: WHATWG URL parsing reads `u:p@ss@host` as the
// password `p@ss`, so stopping at the first "@" would leave part of it visible.
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^/?#\s]+)(@)/gi;
// ?password=...  &sslpassword=...  (libpq URLs accept credentials as query parameters too)
const QUERY_SECRET = /([?&][a-z_]*(?:password|secret|token)[a-z_]*=)([^&#\s]*)/gi;
// libpq keyword strings: "host=db password=s3cret" or password='s 3'
const KEYWORD_SECRET = /(\b[a-z_]*(?:password|secret|token)[a-z_]*\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s'][^\s]*)/gi;
const PEM_PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** True when a config key's value is a secret by its name (password, *secret*, *token*, api keys, ...). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/**
 * Masks the secrets inside one string: URL passwords (`postgres://user:********@host/db`), credential query
 * parameters, libpq `password=` keywords, and whole PEM private keys.
 */
export function maskSecretsInString(text: string): string {
  if (PEM_PRIVATE_KEY.test(text)) return MASK;
  const masked = text.replace(URL_PASSWORD, `$1${MASK}$3`).replace(QUERY_SECRET, `$1${MASK}`);
  // Keyword strings only: in a URL the query-parameter rule already applied, and a keyword match would run
  // on past the next '&'.
  return text.includes('://') ? masked : masked.replace(KEYWORD_SECRET, `$1${MASK}`);
}

/**
 * How a value prints when it sits under `key`: fully masked when the key names a secret (empty values stay
 * visible, since "no password set" is what an operator debugging a login needs to know), otherwise with
 * embedded credentials masked.
 */
export function maskValueForKey(key: string | undefined, value: unknown): unknown {
  if (key !== undefined && isSecretKey(key) && value !== '' && value !== null && value !== undefined) {
    // A list under a secret key (a password written as a list, by mistake) is a list of secrets.
    if (Array.isArray(value)) return value.map((item) => maskValueForKey(key, item));
    return isPlainObject(value) ? maskSecrets(value) : MASK;
  }
  return maskSecrets(value);
}

/**
 * Returns a deep copy of `value` that is safe to print or log: values under secret-named keys (password,
 * anything containing password/secret/token/credential, api keys, private keys) become `'********'`, and
 * credentials embedded in strings (URL passwords, `?password=`, libpq `password=`, PEM private keys) are
 * masked wherever they appear. Plain objects and arrays are copied; other objects are returned as they are.
 *
 * @example
 * maskSecrets({ url: 'postgres://app:s3cret@db/prod', password: 's3cret' })
 * // { url: 'postgres://app:********@db/prod', password: '********' }
 */
export function maskSecrets<T>(value: T): T {
  if (typeof value === 'string') return maskSecretsInString(value) as T;
  if (Array.isArray(value)) return value.map((item) => maskSecrets(item)) as T;
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) setOwn(out, key, maskValueForKey(key, item));
    return out as T;
  }
  return value;
}
