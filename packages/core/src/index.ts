/**
 * @recordstore/core: the storage contract, the record model, the filter language and its reference
 * semantics, the in-memory reference backend, the backend registry and config loading.
 */
export type {
  BackendCapabilities,
  HealthReport,
  HealthStatus,
  ListOptions,
  RowQuery,
  RowStore,
  SaveOptions,
  StorageBackend,
  StorageOperations,
  StorageStats,
  StreamOptions,
} from './backend.js';
export { type BackendOptions, BaseStorageBackend, dedupeById, parseOrderBy } from './base-backend.js';
export { type Clock, type Logger, ManualClock, silentLogger, systemClock } from './clock.js';
export { compressJson, decompressJson, shouldCompress } from './compression.js';
export {
  type BackupSettings,
  COMMON_KEY_ALIASES,
  type CommonConfig,
  type CoreSettings,
  commonConfigShape,
  coreSettingsFrom,
  DEFAULT_BACKUP_PATH,
} from './config/common-config.js';
export {
  configBoolean,
  configCount,
  configNumber,
  configPositiveInt,
  configPositiveNumber,
  configString,
} from './config/fields.js';
export { type EnvSource, interpolateString, interpolateValue } from './config/interpolate.js';
export {
  createStorageFromConfig,
  type LoadConfigOptions,
  type LoadedConfig,
  loadConfig,
  parseConfigText,
  type StorageTypeConfig,
  type ValidatedStorageType,
  validateLoadedConfig,
} from './config/loader.js';
export { isSecretKey, MASK, maskSecrets, maskSecretsInString } from './config/secrets.js';
export {
  isStorageError,
  StorageError,
  type StorageErrorKind,
  type StorageErrorOptions,
  validationError,
} from './errors.js';
export * from './filter/index.js';
export { type MemoryConfig, MemoryStorageBackend, memoryConfigSchema } from './memory/memory-backend.js';
export {
  describeType,
  describeValue,
  generateId,
  isExpired,
  isPlainObject,
  isReservedKey,
  type JsonObject,
  type JsonValue,
  MAX_DEPTH,
  MAX_ID_LENGTH,
  RESERVED_KEYS,
  type RecordInput,
  type RecordRow,
  type ReservedKey,
  STRING_COLUMNS,
  type StoredRecord,
  type StringColumn,
  setOwn,
  TIME_COLUMNS,
  type TimeColumn,
  type TimestampInput,
  toEpochMs,
  toJsonValue,
  toStoredRecord,
  toWriteRow,
  unstorableStringReason,
  validateId,
  type WriteRow,
} from './record.js';
export {
  type BackendClass,
  createStorage,
  type RegisterBackendOptions,
  registerBackend,
  registeredBackendNames,
  resolveBackend,
  type ValidatedBackendConfig,
  validateBackendConfig,
} from './registry.js';
export * from './transfer/index.js';
