import { createHash } from 'node:crypto';
import { COMMON_KEY_ALIASES, commonConfigShape } from '../config/common-config.js';
import { isSecretKey, maskSecrets, maskSecretsInString } from '../config/secrets.js';
import type { InlineSpecCapability } from '../driver/capabilities.js';
import { isStorageError, StorageError } from '../errors.js';
import { registeredBackendNames, resolveBackend } from '../registry/backend-registry.js';
import { type BackendRef, validateBackendConfig } from '../registry/create-storage.js';
import { canonicalJson } from './canonical.js';

/** A store named inline on a command line: the registry's `{ class, config }`. */
export interface InlineStoreSpec {
  kind: 'inline';
  /** The registered name of the backend that claimed the spec's scheme. */
  class: string;
  config: Record<string, unknown>;
}

/** A store named by its key under `storage_types:` in the config file; the caller resolves it. */
export interface NamedStoreSpec {
  kind: 'named';
  name: string;
}

/** What {@link parseStoreSpec} returns. */
export type StoreSpec = InlineStoreSpec | NamedStoreSpec;

/** Options of {@link parseStoreSpec} and {@link storeKey}. */
export interface StoreSpecOptions {
  /** Where packages of registered backends are looked for (normally the config file's folder). */
  baseDir?: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;

interface Claimant {
  name: string;
  inline: InlineSpecCapability;
}

/** What scanning the registry found: the backends' inline forms, and those that could not be loaded. */
interface InlineSurvey {
  claimants: Claimant[];
  failures: string[];
}

function inlineOf(definition: {
  capabilities?: { inline?: InlineSpecCapability };
}): InlineSpecCapability | null {
  return definition.capabilities?.inline ?? null;
}

function claims(inline: InlineSpecCapability | null, scheme: string): inline is InlineSpecCapability {
  return inline?.schemes.some((s) => s.toLowerCase() === scheme) === true;
}

/** Loads every registered backend to read its inline forms; one that fails to load is noted, not fatal. */
async function surveyRegistry(options: StoreSpecOptions): Promise<InlineSurvey> {
  const survey: InlineSurvey = { claimants: [], failures: [] };
  for (const name of registeredBackendNames()) {
    try {
      const { definition } = await resolveBackend(name, options);
      const inline = inlineOf(definition);
      if (inline !== null) survey.claimants.push({ name, inline });
    } catch (error) {
      if (!isStorageError(error)) throw error;
      survey.failures.push(`${name} (${error.message})`);
    }
  }
  return survey;
}

/**
 * The backend whose inline capability claims `scheme`. The backend registered under the scheme's own name
 * (or alias) is asked first, so `sqlite:` loads only that backend's package; the others are loaded only
 * when it does not claim the scheme.
 */
async function claimantOf(scheme: string, options: StoreSpecOptions): Promise<Claimant | InlineSurvey> {
  let direct: string | null = null;
  try {
    const resolved = await resolveBackend(scheme, options);
    direct = resolved.name;
    const inline = inlineOf(resolved.definition);
    if (claims(inline, scheme)) return { name: resolved.name, inline };
  } catch (error) {
    // Not a registered name, or its package is missing: the full survey below reports which.
    if (!isStorageError(error)) throw error;
  }
  const survey = await surveyRegistry(options);
  const found = survey.claimants.find((c) => c.name !== direct && claims(c.inline, scheme));
  return found ?? survey;
}

function formsOf(survey: InlineSurvey): string {
  const schemes = survey.claimants.flatMap((c) => c.inline.schemes.map((s) => `${s}:`));
  return schemes.length > 0 ? schemes.join(', ') : 'none registered';
}

function notLoaded(survey: InlineSurvey): string {
  return survey.failures.length > 0
    ? ` Backends that could not be loaded: ${survey.failures.join('; ')}.`
    : '';
}

/**
 * Parses the `--from` / `--to` forms of `recordstore copy` (and `backup restore --to`):
 * - `<name>:{json}` -> any registered backend with that config block (`lmdb:{"path":"./x"}`);
 * - `<scheme>:<rest>` -> the `{ class, config }` of the registered backend whose `inline` capability claims
 *   the scheme (`sqlite:./x.db`, `postgres://...`, `memory:`), parsed by that backend;
 * - anything else that looks like a name (`production`, `local_sqlite`) -> a named config to look up.
 *
 * Backends are resolved through the registry, so the forms are whatever the registered backends offer.
 *
 * @example
 * await parseStoreSpec('sqlite:./data/app.db') // { kind: 'inline', class: 'sqlite', config: { path: './data/app.db' } }
 * @throws StorageError(config) for an empty form, a scheme no backend claims, or a malformed inline form.
 */
export async function parseStoreSpec(text: string, options: StoreSpecOptions = {}): Promise<StoreSpec> {
  const spec = typeof text === 'string' ? text.trim() : '';
  if (spec === '') {
    const survey = await surveyRegistry(options);
    throw new StorageError(
      'config',
      `A store must be given inline as <scheme>:<location> (${formsOf(survey)}) or as the name of a ` +
        'storage_types entry; got an empty value.',
    );
  }
  const scheme = SCHEME.exec(spec)?.[1]?.toLowerCase();
  if (scheme === undefined && NAME.test(spec)) return { kind: 'named', name: spec };
  if (
    scheme !== undefined &&
    spec
      .slice(scheme.length + 1)
      .trimStart()
      .startsWith('{')
  ) {
    return jsonSpec(spec, scheme, options);
  }
  const found = scheme === undefined ? await surveyRegistry(options) : await claimantOf(scheme, options);
  if ('inline' in found) return { kind: 'inline', class: found.name, config: found.inline.parse(spec) };
  const why =
    scheme === undefined ? 'it has no <scheme>: prefix' : `no registered backend claims "${scheme}:"`;
  throw new StorageError(
    'config',
    `Cannot read the store "${maskSecretsInString(spec)}": ${why}. Write one of the inline forms ` +
      `(${formsOf(found)}), or the name of a storage_types entry in the config file.${notLoaded(found)}`,
  );
}

/**
 * `<name>:{json config}`: any registered backend, named by its registered name or alias, with its config
 * block as JSON; the form every backend has, inline capability or not.
 */
async function jsonSpec(spec: string, scheme: string, options: StoreSpecOptions): Promise<InlineStoreSpec> {
  const name = spec.slice(0, scheme.length);
  const { name: registered } = await resolveBackend(name, options);
  let config: unknown;
  try {
    config = JSON.parse(spec.slice(scheme.length + 1));
  } catch (error) {
    throw new StorageError(
      'config',
      `Cannot read the store "${maskSecretsInString(spec)}": the config after "${name}:" is not valid JSON ` +
        `(${error instanceof Error ? error.message : String(error)}). Write ${name}:{"key":"value"}.`,
    );
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new StorageError(
      'config',
      `Cannot read the store "${maskSecretsInString(spec)}": the JSON after "${name}:" must be an object of config keys.`,
    );
  }
  return { kind: 'inline', class: registered, config: config as Record<string, unknown> };
}

// Keys that tune how a store behaves, not where its data lives: the same data under another TTL or batch
// size is the same store.
const TUNING_KEYS = new Set([...Object.keys(commonConfigShape), ...Object.keys(COMMON_KEY_ALIASES)]);

/** The fallback identity of a backend without one: its name and a digest of its location keys. */
function digestKey(name: string, config: Record<string, unknown>): string {
  const location: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    // Credentials are not part of where data lives: a rotated password must not restart a copy.
    if (!TUNING_KEYS.has(key) && !isSecretKey(key)) location[key] = value;
  }
  const digest = createHash('sha256')
    .update(canonicalJson(maskSecrets(location)))
    .digest('hex');
  return `${name}:${digest.slice(0, 16)}`;
}

/**
 * A stable identity of a store for copy watermarks: the backend's `identity` capability of the parsed
 * config (`sqlite:/abs/path.db`, `postgresql://host:5432/db?schema=public`), or, for a backend that offers
 * none, its name plus a digest of the config without tuning keys and credentials. Safe to log.
 *
 * @throws StorageError(config) for an unknown class or an invalid config.
 */
export async function storeKey(
  spec: { class: BackendRef; config: Record<string, unknown> },
  options: StoreSpecOptions & { path?: string } = {},
): Promise<string> {
  const validated = await validateBackendConfig(spec.class, spec.config, options);
  const identity = validated.definition.capabilities?.identity;
  if (identity) return identity(validated.config);
  return digestKey(validated.name, validated.config);
}
