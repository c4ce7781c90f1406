import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type BackendDefinition,
  commonConfigShape,
  defineBackend,
  isParsedBackendConfig,
  MASK,
  MemoryDriver,
  memoryConfigSchema,
  type ParseBackendConfigOptions,
  parseBackendConfig,
  type StandardSchemaV1,
  StorageError,
  StorageRuntime,
} from '../src/index.js';

/** The config of the backend below, whatever library validates it. */
interface KvConfig extends z.infer<typeof memoryConfigSchema> {
  path: string;
  port: number;
  password?: string;
  limits?: { max: number };
}

const COMMON_DEFAULTS = memoryConfigSchema.parse({});
const KV_KEYS = [...Object.keys(commonConfigShape), 'path', 'port', 'password', 'limits'];

type Issue = StandardSchemaV1.Issue;

/**
 * A config schema written by hand against the Standard Schema interface: no library at all. It checks its
 * own keys, rejects keys it does not know in its own words, reports a nested path with `{ key }` segments
 * (as the spec allows), and leaves the common keys to their defaults.
 */
const handWrittenSchema: StandardSchemaV1<unknown, KvConfig> = {
  '~standard': {
    version: 1,
    vendor: 'hand-written',
    validate(value) {
      const input = value as Record<string, unknown>;
      const issues: Issue[] = [];
      for (const key of Object.keys(input)) {
        if (!KV_KEYS.includes(key)) issues.push({ message: `this schema has no property ${key}`, path: [] });
      }
      if (typeof input.path !== 'string') issues.push({ message: 'must be a file path', path: ['path'] });
      const port = input.port;
      if (!(Number.isInteger(port) && (port as number) >= 1 && (port as number) <= 65535)) {
        issues.push({ message: 'must be a port number from 1 to 65535', path: [{ key: 'port' }] });
      }
      if (input.password !== undefined && String(input.password).length < 12) {
        // A careless message that quotes the value it refused: core must still not show it.
        issues.push({ message: `"${String(input.password)}" is too short`, path: ['password'] });
      }
      const limits = input.limits as { max?: unknown } | undefined;
      if (limits !== undefined && typeof limits.max !== 'number') {
        issues.push({ message: 'must be a number', path: [{ key: 'limits' }, { key: 'max' }] });
      }
      if (input.path === input.password && input.path !== undefined) {
        issues.push({ message: 'path and password must differ' });
      }
      if (issues.length > 0) return { issues };
      return { value: { ...COMMON_DEFAULTS, ...(input as Partial<KvConfig>) } as KvConfig };
    },
  },
};

/** The same config in zod, strict like the hand-written one. */
const zodSchema = z
  .object({
    ...commonConfigShape,
    path: z.string(),
    port: z.number().int().min(1).max(65535),
    password: z.string().min(12).optional(),
    limits: z.object({ max: z.number() }).optional(),
  })
  .strict();

function kvBackend(name: string, configSchema: StandardSchemaV1<unknown, KvConfig>, configKeys = KV_KEYS) {
  return defineBackend<KvConfig>({
    name,
    configSchema,
    ...(configKeys.length > 0 ? { configKeys } : {}),
    keyAliases: { file: 'path' },
    createDriver: (_config, { settings }) => new MemoryDriver(settings),
  });
}

const backends: Array<[string, BackendDefinition<KvConfig>]> = [
  ['a hand-written Standard Schema (no library)', kvBackend('kv-hand', handWrittenSchema)],
  ['zod', kvBackend('kv-zod', zodSchema as StandardSchemaV1<unknown, KvConfig>)],
  // valibot is not installed in this workspace; it would be one more row here.
];

/** Parses and returns the StorageError it must throw; keys are shown under `x.config` unless told. */
function problem(
  definition: BackendDefinition<KvConfig>,
  config: unknown,
  options: ParseBackendConfigOptions = { locateKey: (key) => (key === '' ? 'x.config' : `x.config.${key}`) },
): StorageError {
  try {
    parseBackendConfig(definition, config, options);
  } catch (error) {
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).kind).toBe('config');
    return error as StorageError;
  }
  throw new Error('expected a config error, but the config parsed');
}

describe.each(backends)('parseBackendConfig(definition, config) with %s', (_library, definition) => {
  it('parses a good config once, deriving core settings', () => {
    const parsed = parseBackendConfig(definition, { file: './kv.db', port: 5, enable_ttl: true });
    expect(isParsedBackendConfig(parsed)).toBe(true);
    expect(parsed.config).toMatchObject({ path: './kv.db', port: 5, ttl_enabled: true });
    expect(parsed.mappedKeys).toEqual([
      { from: 'enable_ttl', to: 'ttl_enabled' },
      { from: 'file', to: 'path' },
    ]);
    expect(parsed.settings.defaultTtlMs).toBe(3_600_000);
    // Parsing a parsed config returns it unchanged: the runtime never parses twice.
    expect(parseBackendConfig(definition, parsed)).toBe(parsed);
    expect(new StorageRuntime(definition, parsed).config).toBe(parsed.config);
  });

  it("reports an unknown key in core's words, not the library's", () => {
    const error = problem(definition, { pth: './kv.db', port: 5 });
    expect(error.path).toBe('x.config.pth');
    expect(error.message).toContain('x.config.pth: unknown key "pth" (did you mean "path"?)');
    expect(error.message).not.toMatch(/Unrecognized key|has no property/);
  });

  it('offers key aliases in "did you mean"', () => {
    const error = problem(definition, { path: 'p', port: 5, enable_ttls: true });
    expect(error.message).toBe(
      'x.config.enable_ttls: unknown key "enable_ttls" (did you mean "enable_ttl"?)',
    );
  });

  it('names the key path, the value seen and what the library expects', () => {
    const error = problem(definition, { path: 'p', port: 'abc' });
    expect(error.path).toBe('x.config.port');
    expect(error.message).toMatch(/^x\.config\.port: .+ \(got "abc"\)$/);
  });

  it('names a key alias by the name it was written with', () => {
    const error = problem(definition, { file: 42, port: 5 });
    expect(error.path).toBe('x.config.file');
    expect(error.message).toMatch(/^x\.config\.file: .+ \(got 42\)$/);
  });

  it('says when a required key is missing', () => {
    const error = problem(definition, { port: 5 });
    expect(error.message).toMatch(/^x\.config\.path: .+ \(the key is missing\)$/);
  });

  it('follows a nested path (Standard Schema path segments included)', () => {
    const error = problem(definition, { path: 'p', port: 5, limits: { max: 'lots' } });
    expect(error.path).toBe('x.config.limits.max');
    expect(error.message).toMatch(/^x\.config\.limits\.max: .+ \(got "lots"\)$/);
  });

  it('masks a secret in the value seen, in the message and in the cause', () => {
    const secret = 'hunter2-pw';
    const error = problem(definition, { path: 'p', port: 5, password: secret });
    expect(error.path).toBe('x.config.password');
    expect(error.message).toMatch(
      new RegExp(`^x\\.config\\.password: .+ \\(got "${MASK.replace(/\*/g, '\\*')}"\\)$`),
    );
    expect(error.message).not.toContain(secret);
    expect(JSON.stringify(error.cause)).not.toContain(secret);
    expect(JSON.stringify(error.toJSON())).not.toContain(secret);
  });

  it('reports every problem at once, unknown keys first', () => {
    const error = problem(definition, { path: 'p', port: 0, nope: 1 });
    expect(error.path).toBe('x.config.nope');
    expect(error.message).toContain('2 problems in the config:');
    expect(error.message).toContain('  - x.config.nope: unknown key "nope"');
    expect(error.message).toMatch(/ {2}- x\.config\.port: .+ \(got 0\)/);
  });

  it("keeps core's check of keys that exclude each other", () => {
    const error = problem(definition, { path: 'p', port: 5, default_ttl_seconds: 60, default_ttl_days: 1 });
    expect(error.path).toBe('x.config.default_ttl_days');
    expect(error.message).toContain('default_ttl_seconds and default_ttl_days say the same thing');
  });

  it('refuses a config that is not a mapping', () => {
    expect(problem(definition, ['p']).message).toBe(
      'x.config: expected a mapping of keys to values, got ["p"]',
    );
  });
});

describe('parseBackendConfig: what only some schemas do', () => {
  it('shows an issue without a path at the block itself, without repeating the block', () => {
    const error = problem(backends[0]![1], { path: 'same-secret', port: 5, password: 'same-secret' });
    expect(error.message).toContain('x.config: path and password must differ');
    expect(error.message).not.toContain('same-secret');
  });

  it('without configKeys, a schema reports unknown keys in its own words', () => {
    const noKeys = kvBackend('kv-no-keys', handWrittenSchema, []);
    const error = problem(noKeys, { path: 'p', port: 5, pth: 1 });
    expect(error.message).toBe('x.config: this schema has no property pth');
  });

  it('names keys where an environment overlay wrote them (locateKey)', () => {
    const definition = backends[1]![1];
    const overlay = 'environments.prod.storage_types.kv.config';
    const locateKey = (key: string) =>
      key === ''
        ? 'storage_types.kv.config'
        : `${key === 'port' ? overlay : 'storage_types.kv.config'}.${key}`;
    const error = problem(definition, { path: 'p', port: 'x' }, { locateKey, file: '/app/recordstore.yaml' });
    expect(error.path).toBe(`${overlay}.port`);
    expect(error.message).toMatch(
      new RegExp(`^/app/recordstore\\.yaml: ${overlay.replace(/\./g, '\\.')}\\.port: .+ \\(got "x"\\)$`),
    );
  });

  it('refuses an asynchronous schema', () => {
    const asyncSchema: StandardSchemaV1<unknown, KvConfig> = {
      '~standard': { version: 1, vendor: 'async', validate: async () => ({ issues: [] }) },
    };
    const error = problem(kvBackend('kv-async', asyncSchema), { path: 'p', port: 5 });
    expect(error.message).toBe(
      'kv-async: its config schema is asynchronous; config schemas must validate synchronously.',
    );
  });

  it('the same unknown-key message for every library', () => {
    const messages = backends.map(
      ([, definition]) => problem(definition, { path: 'p', port: 5, prot: 1 }).message,
    );
    expect(new Set(messages).size).toBe(1);
    expect(messages[0]).toBe('x.config.prot: unknown key "prot" (did you mean "port"?)');
  });
});
