import {
  parseBackendConfig,
  parseConfigText,
  registerBackend,
  StorageError,
  validateLoadedConfig,
} from '@recordstore/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { REFUSED_WITH_DISTRIBUTION } from '../src/citus/index.js';
import { PostgreSQLStorageBackend, postgresBackend } from '../src/index.js';

/**
 * What a distributed store refuses is known without a server: core's one parse of the config (the
 * constructor, the registry, `recordstore config check`) reports it, at the key's path in the file, with
 * why and what to use instead. Nothing here connects: the URLs point at a port nothing listens on.
 */

const URL = 'postgres://app@127.0.0.1:1/records';

/** The StorageError `fn` throws (synchronously or not). */
async function refusal(fn: () => unknown): Promise<StorageError> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof StorageError) return error;
    throw error;
  }
  throw new Error('expected a StorageError');
}

function configFile(storeConfig: string, extra = ''): string {
  return `default: main
storage_types:
  main:
    class: postgresql
    config:
      url: ${URL}
      distributed: citus
${storeConfig
  .split('\n')
  .filter((line) => line !== '')
  .map((line) => `      ${line}`)
  .join('\n')}
${extra}`;
}

describe('distributed: citus refusals, offline', () => {
  beforeAll(() => {
    registerBackend('postgresql', postgresBackend);
  });

  const REFUSALS = [
    [
      'partitioning_enabled',
      'partitioning_enabled: true',
      /partitioned table.*Instead, keep partitioning_enabled: false/,
    ],
    [
      'tenant_id',
      'tenant_id: acme',
      /set_config.*does not forward to the workers.*Instead, give each tenant/,
    ],
    [
      'audit_enabled',
      'audit_enabled: true',
      /audit trigger would fire on the shards.*Instead, record changes/,
    ],
    ['replicas', 'replicas: ["replica-1:5432"]', /holds only metadata.*Instead, remove replicas/],
  ] as const;

  it('covers every key a distributed store refuses', () => {
    expect(REFUSALS.map(([key]) => key).sort()).toEqual([...REFUSED_WITH_DISTRIBUTION].sort());
  });

  it.each(REFUSALS)(
    'config check refuses %s on Citus at its path in the file, saying why',
    async (key, line, why) => {
      const loaded = parseConfigText(configFile(line), { file: 'recordstore.yaml', env: {} });
      const error = await refusal(() => validateLoadedConfig(loaded));
      expect(error.kind).toBe('config');
      expect(error.path).toBe(`storage_types.main.config.${key}`);
      expect(error.message).toMatch(
        new RegExp(
          `^recordstore\\.yaml: storage_types\\.main\\.config\\.${key}: postgresql: ${key} cannot be used with distributed: citus: `,
        ),
      );
      expect(error.message).toMatch(why);
    },
  );

  it('reports every refused key of a store together, and the problems of other storage types beside them', async () => {
    const text = configFile(
      'tenant_id: acme\naudit_enabled: true\npartitioning_enabled: true',
      `  other:
    class: postgresql
    config:
      url: ${URL}
      shard_count: 8
`,
    );
    const error = await refusal(() => validateLoadedConfig(parseConfigText(text, { env: {} })));
    expect(error.message).toMatch(/^2 storage types have problems:/);
    expect(error.message).toContain(
      'storage_types.main.config.partitioning_enabled: postgresql: partitioning_enabled, tenant_id, audit_enabled cannot be used with distributed: citus:',
    );
    for (const key of ['partitioning_enabled', 'tenant_id', 'audit_enabled']) {
      expect(error.message).toMatch(new RegExp(`\\n\\s+- ${key}: .+\\. Instead, `));
    }
    expect(error.message).toContain(
      'storage_types.other.config.shard_count: postgresql: shard_count applies to a distributed store',
    );
  });

  it('accepts a distributed store without those keys, and the same keys without distributed', async () => {
    const valid = parseConfigText(configFile('shard_count: 8\nttl_enabled: true\nmetrics_enabled: true'), {
      env: {},
    });
    const [checked] = await validateLoadedConfig(valid);
    expect(checked?.config).toMatchObject({ distributed: 'citus', shard_count: 8 });
    const single = parseBackendConfig(postgresBackend, {
      url: URL,
      tenant_id: 'acme',
      audit_enabled: true,
      replicas: ['replica-1:5432'],
    });
    expect(single.config.distributed).toBeUndefined();
  });

  it('the constructor refuses the same combinations before any connection is attempted', async () => {
    const error = await refusal(
      () => new PostgreSQLStorageBackend({ url: URL, distributed: 'citus', replicas: ['r:5432'] }),
    );
    expect(error).toMatchObject({ kind: 'config', path: 'config.replicas' });
    expect(error.message).toMatch(/replicas cannot be used with distributed: citus: .*citus_add_node/);
  });
});
