import { StorageError } from '@recordstore/core';
import type pg from 'pg';
import * as security from './generated/security.queries.js';
import {
  DECLARED_INDEX_STATISTICS,
  declaredIndexName,
  ensureDeclaredIndexes,
  presentDeclaredIndexes,
} from './indexes/index.js';
import {
  describeLayout,
  ensureLayout,
  inspectLayout,
  layoutMatches,
  layoutOf,
  listPartitionName,
  maintainPartitions,
} from './partitions/index.js';
import { listPartitions, tableHasRows } from './partitions/partition-catalog.js';
import { enableAuditTrigger } from './postgres-audit.js';
import type { PostgresConfig } from './postgres-config.js';
import { clientExecutor } from './postgres-statements.js';
import { prepareTenancy } from './postgres-tenancy.js';
import * as q from './queries.js';

/**
 * The schema changes the config asks for beyond the migrations: column compression, tenant isolation
 * (row-level security), the audit trigger, the partitioned layout (with its list partitions) and the
 * declared indexes. Each is a step that first reads the database (`inspect`: what differs, or a typed
 * error for a mismatch no migration step can fix) and then, in the migration step only, changes it
 * (`apply`). Connect inspects; `recordstore migrate up` and auto_migrate apply.
 */

/** What the steps need besides the client. */
export interface SettingsContext {
  config: PostgresConfig;
  /** The database, for messages (no secret). */
  target: string;
  /** The clock (ms) for layout conversions. */
  now: number;
  /** Where warnings go (a role that is exempt from the tenant policy, ...). */
  warn(message: string): void;
  convert(error: unknown): StorageError;
}

/** One way the database differs from the config, which the migration step changes. */
export interface SettingDifference {
  /** The config key it follows (`config.audit_enabled`). */
  path: string;
  /** What differs, in words. */
  found: string;
  /** What the migration step does about it. */
  fix: string;
}

interface SchemaStep {
  inspect(client: pg.ClientBase, context: SettingsContext): Promise<SettingDifference | null>;
  apply(client: pg.ClientBase, context: SettingsContext): Promise<void>;
}

const sessionOf = (client: pg.ClientBase, context: SettingsContext): q.SqlSession =>
  q.createSession(clientExecutor(client), false, (e) => context.convert(e));

const COMPRESSION_CODES = { pglz: 'p', lz4: 'l' } as const;

const compression: SchemaStep = {
  async inspect(client, context) {
    const { compression_enabled: enabled, compression_algorithm: method } = context.config;
    if (!enabled) return null;
    const session = sessionOf(client, context);
    if ((await q.serverVersion(session)) < 140000) {
      throw new StorageError(
        'unsupported',
        'postgresql: compression_enabled needs PostgreSQL 14 or later (per-column compression); set compression_enabled: false.',
        { path: 'config.compression_enabled', backend: 'postgresql' },
      );
    }
    const current = await q.columnCompression(session);
    const wanted = COMPRESSION_CODES[method];
    if (current.data === wanted && current.metadata === wanted) return null;
    const now = current.data === 'l' ? 'lz4' : current.data === 'p' ? 'pglz' : 'the server default';
    return {
      path: 'config.compression_algorithm',
      found: `data and metadata use ${now} column compression, the config asks for ${method}`,
      fix: `set the column compression of data and metadata to ${method}`,
    };
  },
  async apply(client, context) {
    const method = context.config.compression_algorithm;
    try {
      await q.setColumnCompression(sessionOf(client, context), method);
    } catch (error) {
      if (error instanceof StorageError && error.code === '0A000') {
        throw new StorageError(
          'unsupported',
          'postgresql: compression_algorithm lz4 is not available: this server was built without lz4 ' +
            '(--with-lz4). Use compression_algorithm: pglz.',
          { path: 'config.compression_algorithm', backend: 'postgresql', cause: error },
        );
      }
      throw error;
    }
  },
};

const tenancy: SchemaStep = {
  async inspect(client, context) {
    const tenantId = context.config.tenant_id;
    const session = sessionOf(client, context);
    const [state] = await security.tenancyState.run(undefined, session.connection);
    if (tenantId !== undefined && state !== undefined && !state.rls) {
      return {
        path: 'config.tenant_id',
        found: 'tenant_id is set but row-level security is off for storage_records',
        fix: 'turn row-level security on (the table owner must run it)',
      };
    }
    // Every other case changes nothing: it is refused (no tenant_id while this role is bound) or warned about.
    await prepareTenancy(session, tenantId, context.warn);
    return null;
  },
  apply: (client, context) =>
    prepareTenancy(sessionOf(client, context), context.config.tenant_id, context.warn),
};

const audit: SchemaStep = {
  async inspect(client, context) {
    if (!context.config.audit_enabled) return null;
    const session = sessionOf(client, context);
    const [trigger] = await security.auditTriggerState.run(undefined, session.connection);
    // A missing trigger is refused there, with its own message; an enabled one is left alone.
    if (trigger === undefined) await enableAuditTrigger(session);
    if (trigger?.enabled !== 'D') return null;
    return {
      path: 'config.audit_enabled',
      found: 'audit_enabled is true but the audit trigger recordstore_audit is disabled',
      fix: 'enable the audit trigger (the table owner must run it)',
    };
  },
  apply: (client, context) => enableAuditTrigger(sessionOf(client, context)),
};

/** Configured list values without a partition of their own (their rows sit in the default partition). */
async function missingListPartitions(client: pg.ClientBase, config: PostgresConfig): Promise<string[]> {
  const names = new Set((await listPartitions(client)).map((p) => p.name));
  return config.list_partition_values.filter((value) => !names.has(listPartitionName(value)));
}

const layout: SchemaStep = {
  async inspect(client, context) {
    const { config } = context;
    const wanted = layoutOf(config);
    const current = await inspectLayout(client);
    if (!current.exists) return null;
    if (!layoutMatches(current, wanted)) {
      // A table with rows is converted only by `recordstore partitions enable|disable`: refused, naming it.
      if (await tableHasRows(client)) {
        await ensureLayout(client as pg.Client, config, { autoMigrate: false, target: context.target });
      }
      return {
        path: 'config.partitioning_enabled',
        found: `storage_records is ${describeLayout(current)}, the config asks for ${describeLayout(wanted)}`,
        fix: 'convert the empty table to the configured layout',
      };
    }
    if (wanted.kind !== 'list') return null;
    const missing = await missingListPartitions(client, config);
    if (missing.length === 0) return null;
    return {
      path: 'config.list_partition_values',
      found: `list_partition_values ${missing.join(', ')} have no partition yet`,
      fix: 'create their partitions (moving their rows out of the default partition)',
    };
  },
  async apply(client, context) {
    const { config } = context;
    await ensureLayout(client as pg.Client, config, {
      autoMigrate: true,
      target: context.target,
      now: context.now,
    });
    if (config.partitioning_enabled && config.partition_strategy === 'list') {
      await maintainPartitions(client, config, context.now);
    }
  },
};

/** The steps taken under the migration lock, in order. */
const LOCKED_STEPS: readonly SchemaStep[] = [compression, tenancy, audit, layout];

/** Declared indexes that are missing or invalid (only when auto_create_indexes). */
async function missingDeclaredIndexes(client: pg.ClientBase, config: PostgresConfig): Promise<string[]> {
  if (!config.auto_create_indexes || config.indexes.length === 0) return [];
  const present = new Set(await presentDeclaredIndexes(client, config.indexes));
  return config.indexes.filter((declared) => !present.has(declared)).map((d) => declaredIndexName(d));
}

/**
 * Reads how the database differs from the config's schema settings, changing nothing.
 * @throws StorageError(config|unsupported) for a mismatch the migration step cannot fix (a table with rows
 *   in another layout, no tenant_id for a role bound by row-level security, a missing audit trigger, ...).
 */
export async function inspectSchemaSettings(
  client: pg.ClientBase,
  context: SettingsContext,
): Promise<SettingDifference[]> {
  const differences: SettingDifference[] = [];
  for (const step of LOCKED_STEPS) {
    const difference = await step.inspect(client, context);
    if (difference !== null) differences.push(difference);
  }
  const indexes = await missingDeclaredIndexes(client, context.config);
  if (indexes.length > 0) {
    differences.push({
      path: 'config.indexes',
      found: `declared indexes ${indexes.join(', ')} do not exist`,
      fix: 'create them (CONCURRENTLY on an unpartitioned table)',
    });
  }
  return differences;
}

/**
 * Applies the settings that differ, each re-inspected first (another process may have done it). The caller
 * holds the migration lock. Declared indexes are not built here: see {@link applyDeclaredIndexes}.
 * @returns what was done, one line per change.
 */
export async function applySchemaSettings(
  client: pg.ClientBase,
  context: SettingsContext,
): Promise<string[]> {
  const done: string[] = [];
  for (const step of LOCKED_STEPS) {
    const difference = await step.inspect(client, context);
    if (difference === null) continue;
    await step.apply(client, context);
    done.push(`${difference.path.replace(/^config\./, '')}: ${difference.fix}`);
  }
  return done;
}

/**
 * Creates the declared indexes that are missing, AFTER the migration lock is released: CREATE INDEX
 * CONCURRENTLY waits for every transaction older than it, and a process waiting for the lock is one, so
 * building under the lock would deadlock two processes that connect together. Two builders race on the
 * index name instead (ensureDeclaredIndexes treats the loser's error as done).
 */
export async function applyDeclaredIndexes(client: pg.ClientBase, config: PostgresConfig): Promise<string[]> {
  // ensureDeclaredIndexes reads each index's state once and does only what differs: built when missing,
  // its histogram size set when another (a separate look first would read the catalog twice).
  if (!config.auto_create_indexes || config.indexes.length === 0) return [];
  const result = await ensureDeclaredIndexes(client, config.indexes);
  return [
    ...[...result.created, ...result.rebuilt].map((name) => `indexes: created ${name}`),
    ...result.statistics.map(
      (name) => `indexes: ${name} keeps ${DECLARED_INDEX_STATISTICS} histogram buckets`,
    ),
  ];
}
