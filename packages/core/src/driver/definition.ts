import type { CoreSettings } from '../config/common-config.js';
import { StorageError } from '../errors.js';
import type { DefinitionCapabilities } from './capabilities.js';
import type { DriverContext, StorageDriver } from './driver.js';
import { isStandardSchema, type StandardSchemaV1 } from './standard-schema.js';

/**
 * A backend as the registry knows it: its name, its config schema and a factory for its driver. Core
 * parses and validates the `config:` block once, with one error format, and composes the driver into a
 * full store; optional capabilities (migrations, maintenance tasks, identities) are found here without
 * connecting a store.
 *
 * @example
 * export const kvBackend = defineBackend({
 *   name: 'kv',
 *   configSchema: z.object({ ...commonConfigShape, path: z.string() }).strict(),
 *   configKeys: ['path', ...Object.keys(commonConfigShape)],
 *   createDriver: (config, context) => new KvDriver(config, context),
 * });
 * const store = await createStorage({ class: kvBackend, config: { path: './kv' } });
 */
export interface BackendDefinition<Config = Record<string, unknown>> {
  /** The registered name (`sqlite`), used in messages and health reports. */
  readonly name: string;
  /** Other names the backend answers to in `class:` (class names, short forms). */
  readonly aliases?: readonly string[];
  /** The package that holds the backend, for messages (`@recordstore/sqlite`). */
  readonly packageName?: string;
  /** The schema of the `config:` block (any Standard Schema library); its output must carry core's common keys. */
  readonly configSchema: StandardSchemaV1<unknown, Config>;
  /** Every key the schema knows, for "unknown key (did you mean ...?)" messages; optional. */
  readonly configKeys?: readonly string[];
  /** Extra accepted spellings of config keys (`{ old_name: 'new_name' }`), mapped before validation. */
  readonly keyAliases?: Readonly<Record<string, string>>;
  /** Creates the driver for a parsed config. Must not connect: the runtime calls `open()`. */
  createDriver(config: Config, context: DriverContext): StorageDriver;
  /** Core settings from the parsed config; defaults to reading the common keys. */
  settings?(config: Config): CoreSettings;
  /** Abilities usable without a connected store. */
  readonly capabilities?: DefinitionCapabilities<Config>;
}

const DEFINITION = Symbol.for('recordstore.backendDefinition');

/**
 * Declares a backend. Checks the definition's shape once, so a mistake in a third-party adapter is
 * reported when it is registered, not on first use.
 */
export function defineBackend<Config>(definition: BackendDefinition<Config>): BackendDefinition<Config> {
  const problems: string[] = [];
  if (typeof definition?.name !== 'string' || definition.name.trim() === '')
    problems.push('name must be a non-empty string');
  if (!isStandardSchema(definition?.configSchema)) {
    problems.push('configSchema must be a Standard Schema (a zod, valibot or arktype schema)');
  }
  if (typeof definition?.createDriver !== 'function') problems.push('createDriver must be a function');
  if (problems.length > 0) {
    throw new StorageError(
      'config',
      `defineBackend(${typeof definition?.name === 'string' ? definition.name : '?'}): ${problems.join('; ')}.`,
    );
  }
  Object.defineProperty(definition, DEFINITION, { value: true });
  return definition;
}

/**
 * True for a backend definition (made by {@link defineBackend}, or any object of that shape). Checked by
 * shape, not `instanceof`, so a definition built against another copy of core is recognised.
 */
export function isBackendDefinition(value: unknown): value is BackendDefinition<unknown> {
  if (value === null || typeof value !== 'object') return false;
  const candidate = value as Partial<BackendDefinition<unknown>>;
  return (
    typeof candidate.name === 'string' &&
    typeof candidate.createDriver === 'function' &&
    isStandardSchema(candidate.configSchema)
  );
}

/** A definition of any config type, as the registry holds them. */
// biome-ignore lint/suspicious/noExplicitAny: a definition's config type is erased once it is registered.
export type AnyBackendDefinition = BackendDefinition<any>;
