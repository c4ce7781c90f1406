import { parseBackendConfig } from '@recordstore/core';
import { type PostgresConfig, type PostgresConfigInput, postgresBackend } from '../src/index.js';

/** A config block parsed the one way core parses every config: what the offline entry points take. */
export function parsedConfig(raw: PostgresConfigInput | Record<string, unknown>): PostgresConfig {
  return parseBackendConfig(postgresBackend, raw).config;
}
