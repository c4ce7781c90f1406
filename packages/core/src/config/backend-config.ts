import { describeValue } from '../describe-value.js';
import type { BackendDefinition } from '../driver/definition.js';
import type { StandardSchemaV1 } from '../driver/standard-schema.js';
import { isStorageError, StorageError } from '../errors.js';
import { isPlainObject, setOwn } from '../json-value.js';
import {
  COMMON_KEY_ALIASES,
  type CommonConfig,
  type CoreSettings,
  coreSettingsFrom,
} from './common-config.js';
import {
  type ConfigProblem,
  configProblemsError,
  formatSchemaIssues,
  joinIssuePath,
  unknownKeyMessage,
} from './config-issues.js';
import { joinPath } from './interpolate.js';

const PARSED = Symbol.for('recordstore.parsedBackendConfig');

/** A backend's `config:` block after the one parse: the backend's config and the core settings derived from it. */
export interface ParsedBackendConfig<Config = Record<string, unknown>> {
  readonly [PARSED]: true;
  /** The parsed config: coerced values and defaults filled in. */
  readonly config: Config;
  readonly settings: CoreSettings;
  /** The existing layer's key names that were renamed to the design's (`enable_ttl` -> `ttl_enabled`). */
  readonly mappedKeys: ReadonlyArray<{ from: string; to: string }>;
}

/** Where a config key was written, for messages (environment overlays move keys). */
export type LocateKey = (key: string) => string;

/** Options of {@link parseBackendConfig}. */
export interface ParseBackendConfigOptions {
  /** How a key is shown in messages; default `config.<key>`. */
  locateKey?: LocateKey;
  /** The config file, named in messages. */
  file?: string | null;
}

/** True for a config {@link parseBackendConfig} produced (checked by brand, not instanceof). */
export function isParsedBackendConfig(value: unknown): value is ParsedBackendConfig<unknown> {
  return value !== null && typeof value === 'object' && (value as Record<symbol, unknown>)[PARSED] === true;
}

/** Locates keys under a path prefix (`config` by default). */
export function locateUnder(path: string): LocateKey {
  return (key) => (key === '' ? path : joinPath(path, key));
}

function mapKeyAliases(
  definition: BackendDefinition<unknown>,
  config: Record<string, unknown>,
  locateKey: LocateKey,
): { input: Record<string, unknown>; mappedKeys: Array<{ from: string; to: string }>; aliases: string[] } {
  const known = definition.configKeys === undefined ? undefined : new Set(definition.configKeys);
  const all = { ...COMMON_KEY_ALIASES, ...(definition.keyAliases ?? {}) };
  const usable = Object.entries(all).filter(
    // An alias applies only when the backend knows the target key and does not use the alias as a key itself.
    ([from, to]) => known === undefined || (known.has(to) && !known.has(from)),
  );
  const input: Record<string, unknown> = { ...config };
  const mappedKeys: Array<{ from: string; to: string }> = [];
  for (const [from, to] of usable) {
    if (!Object.hasOwn(input, from)) continue;
    if (Object.hasOwn(input, to)) {
      throw new StorageError(
        'config',
        `${locateKey(from)}: "${from}" is the old name of "${to}", and both are set (${locateKey(to)}); keep only "${to}".`,
        { path: locateKey(from) },
      );
    }
    input[to] = input[from];
    delete input[from];
    mappedKeys.push({ from, to });
  }
  return { input, mappedKeys, aliases: usable.map(([from]) => from) };
}

/**
 * Core's own check for keys the backend does not know, made before validation when the definition lists
 * its `configKeys`, so the message (with its "did you mean") is the same whatever the schema library. The
 * unknown keys are left out of what the schema sees, so a strict schema does not report them again.
 */
function checkUnknownKeys(
  definition: BackendDefinition<unknown>,
  input: Record<string, unknown>,
  aliases: readonly string[],
  locate: (path: readonly PropertyKey[]) => string,
): { known: Record<string, unknown>; problems: ConfigProblem[] } {
  if (definition.configKeys === undefined) return { known: input, problems: [] };
  const keys = new Set(definition.configKeys);
  const offered = [...definition.configKeys, ...aliases];
  const known: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  for (const [key, value] of Object.entries(input)) {
    if (keys.has(key)) {
      setOwn(known, key, value);
      continue;
    }
    const path = locate([key]);
    problems.push({ path, message: unknownKeyMessage(path, key, offered) });
  }
  return { known, problems };
}

/** Validates synchronously through the schema's Standard Schema interface; no library internals are read. */
function validate<Config>(
  definition: BackendDefinition<Config>,
  input: Record<string, unknown>,
): StandardSchemaV1.Result<Config> {
  const result = definition.configSchema['~standard'].validate(input);
  if (result instanceof Promise) {
    result.catch(() => undefined);
    throw new StorageError(
      'config',
      `${definition.name}: its config schema is asynchronous; config schemas must validate synchronously.`,
      { backend: definition.name },
    );
  }
  return result;
}

/**
 * Parses a backend's `config:` block: the one place config is parsed, for `createStorage`, the YAML
 * loader, `config check` and offline commands alike. Maps the existing layer's key aliases, refuses keys
 * the backend does not declare, validates with the backend's Standard Schema and derives core's settings.
 *
 * @throws StorageError(config) naming the key path as written, the value seen (secrets masked) and what
 *   was expected (the schema library's own message); every problem at once.
 */
export function parseBackendConfig<Config>(
  definition: BackendDefinition<Config>,
  config: unknown,
  options: ParseBackendConfigOptions = {},
): ParsedBackendConfig<Config> {
  if (isParsedBackendConfig(config)) return config as ParsedBackendConfig<Config>;
  const locateKey = options.locateKey ?? locateUnder('config');
  const file = options.file ?? null;
  const raw = config ?? {};
  const root = locateKey('').replace(/\.$/, '');
  if (!isPlainObject(raw)) {
    const message = `${root}: expected a mapping of keys to values, got ${describeValue(raw)}`;
    throw configProblemsError([{ path: root, message }], { file });
  }
  const untyped = definition as BackendDefinition<unknown>;
  const { input, mappedKeys, aliases } = mapKeyAliases(untyped, raw, locateKey);
  const renamed = new Map(mappedKeys.map(({ from, to }) => [to, from]));
  // Issue paths are in the mapped input; messages show each key as the caller wrote it.
  const locate = (path: readonly PropertyKey[]): string => {
    const [first, ...rest] = path;
    if (first === undefined) return root;
    return joinIssuePath(locateKey(renamed.get(String(first)) ?? String(first)), rest);
  };
  const unknown = checkUnknownKeys(untyped, input, aliases, locate);
  const result = validate(definition, unknown.known);
  const formatted = result.issues
    ? formatSchemaIssues(result.issues, { input: unknown.known, locate })
    : undefined;
  const problems = [...unknown.problems, ...(formatted?.problems ?? [])];
  if (problems.length > 0) {
    throw configProblemsError(problems, { file, ...(formatted ? { cause: formatted.issues } : {}) });
  }
  const parsed = (result as StandardSchemaV1.SuccessResult<Config>).value;
  let settings: CoreSettings;
  try {
    settings = definition.settings
      ? definition.settings(parsed)
      : coreSettingsFrom(parsed as unknown as CommonConfig);
  } catch (error) {
    if (!isStorageError(error, 'config')) throw error;
    const key = (error.path ?? '').replace(/^config\.?/, '');
    const path = key === '' ? root : locate([key]);
    const message = `${path}: ${error.message.replace(/^config: /, '')}`;
    throw configProblemsError([{ path, message }], { file });
  }
  return { [PARSED]: true, config: parsed, settings, mappedKeys };
}
