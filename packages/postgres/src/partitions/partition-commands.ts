import { StorageError } from '@recordstore/core';
import type pg from 'pg';
import type { PostgresConfig, PostgresConfigInput } from '../postgres-config.js';
import { withPostgresClient } from './admin-connection.js';
import { inspectLayout } from './partition-catalog.js';
import {
  type ConvertLayoutOptions,
  type ConvertLayoutReport,
  convertLayout,
} from './partition-conversion.js';
import { describeLayout, layoutMatches, layoutOf } from './partition-layout.js';
import { maintainPartitions, type PartitionMaintenanceReport } from './partition-maintenance.js';
import { type PartitionStatusReport, partitionStatus } from './partition-status.js';

/**
 * What `recordstore partitions status|maintain|enable|disable` do, on one admin client: the checks that
 * make each safe to run by hand, around the layout functions. The admin tasks and the standalone entry
 * points below both run these.
 */

/** A refusal because of how the config sets partitioning_enabled / partition_strategy. */
function partitioningError(message: string): StorageError {
  return new StorageError('config', `postgresql: ${message}`, {
    path: 'config.partitioning_enabled',
    backend: 'postgresql',
  });
}

/** Conversion options an operator may give (the clock is always the real one). */
export type ConversionOptions = Omit<ConvertLayoutOptions, 'now'>;

/**
 * `partitions enable`: rebuilds storage_records in the layout the config describes, then creates the
 * partitions maintenance would.
 * @throws StorageError(config) when the config does not enable partitioning.
 */
export async function enablePartitioning(
  client: pg.Client,
  config: PostgresConfig,
  options: ConversionOptions,
): Promise<ConvertLayoutReport> {
  if (!config.partitioning_enabled) {
    throw partitioningError(
      'partitions enable needs partitioning_enabled: true (and partition_strategy) in the config: it converts the table to the layout the config describes.',
    );
  }
  const report = await convertLayout(client, config, options);
  await maintainPartitions(client, config);
  return report;
}

/** `partitions disable`: copies the rows back into one unpartitioned table (primary key on id). */
export function disablePartitioning(
  client: pg.Client,
  config: PostgresConfig,
  options: ConversionOptions,
): Promise<ConvertLayoutReport> {
  return convertLayout(client, { ...config, partitioning_enabled: false }, options);
}

/**
 * `partitions maintain`.
 * @throws StorageError(config) when partitioning is off, or the table's layout is not the configured one.
 */
export async function maintainConfiguredPartitions(
  client: pg.Client,
  config: PostgresConfig,
): Promise<PartitionMaintenanceReport> {
  if (!config.partitioning_enabled) {
    throw partitioningError(
      'partitions maintain: partitioning_enabled is false in this config; nothing to maintain.',
    );
  }
  const current = await inspectLayout(client);
  const wanted = layoutOf(config);
  if (!layoutMatches(current, wanted)) {
    throw partitioningError(
      `storage_records is ${describeLayout(current)}, the config asks for ${describeLayout(wanted)}; run \`recordstore partitions enable\` first.`,
    );
  }
  return maintainPartitions(client, config);
}

// Standalone entry points: one client from a config block, no store, no migrations.

/** Options of the standalone partition functions: the backend's config block. */
export interface PartitionAdminOptions {
  config: PostgresConfigInput | Record<string, unknown>;
}

/**
 * `recordstore partitions enable`: rebuilds storage_records in the layout the config describes
 * (partitioning_enabled: true and its strategy), copying the rows in batches in one transaction.
 * @throws StorageError(config) when the config does not enable partitioning.
 */
export function enablePostgresPartitioning(
  options: PartitionAdminOptions & ConversionOptions,
): Promise<ConvertLayoutReport> {
  return withPostgresClient(options.config, (client, config) => enablePartitioning(client, config, options));
}

/** `recordstore partitions disable`: copies the rows back into one unpartitioned table (primary key on id). */
export function disablePostgresPartitioning(
  options: PartitionAdminOptions & ConversionOptions,
): Promise<ConvertLayoutReport> {
  return withPostgresClient(options.config, (client, config) => disablePartitioning(client, config, options));
}

/** `recordstore partitions status`. */
export function postgresPartitionStatus(
  options: PartitionAdminOptions & { exact?: boolean },
): Promise<PartitionStatusReport> {
  return withPostgresClient(options.config, (client) =>
    partitionStatus(client, { exact: options.exact ?? false }),
  );
}

/**
 * `recordstore partitions maintain`.
 * @throws StorageError(config) when the table's layout is not the configured one (run enable first).
 */
export function maintainPostgresPartitions(
  options: PartitionAdminOptions,
): Promise<PartitionMaintenanceReport> {
  return withPostgresClient(options.config, maintainConfiguredPartitions);
}
