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
  SaveOptions,
  StorageBackend,
  StorageCapabilityObjects,
  StorageOperations,
  StorageStats,
  StreamOptions,
} from './backend.js';
export { type Clock, type Logger, ManualClock, silentLogger, systemClock } from './clock.js';
export { compressJson, decompressJson, shouldCompress } from './compression.js';
export {
  isParsedBackendConfig,
  type LocateKey,
  type ParseBackendConfigOptions,
  type ParsedBackendConfig,
  parseBackendConfig,
} from './config/backend-config.js';
export {
  type BackupSettings,
  COMMON_KEY_ALIASES,
  type CoalesceSettings,
  type CommonConfig,
  type CoreSettings,
  commonConfigShape,
  coreSettingsFrom,
  DEFAULT_BACKUP_PATH,
  MAX_COALESCE_WINDOW_US,
} from './config/common-config.js';
export {
  createStorageFromConfig,
  loadConfigPlugins,
  type ValidatedStorageType,
  validateLoadedConfig,
} from './config/config-backends.js';
export {
  type DeclaredIndexShape,
  type DeclaredIndexTarget,
  declaredIndexName as deriveDeclaredIndexName,
  declaredIndexTarget,
} from './config/declared-index.js';
export {
  configBoolean,
  configCount,
  configNumber,
  configPositiveInt,
  configPositiveNumber,
  configString,
} from './config/fields.js';
export { type EnvSource, interpolateString, interpolateValue } from './config/interpolate.js';
export type {
  LoadConfigOptions,
  LoadedConfig,
  StorageTypeConfig,
} from './config/loaded-config.js';
export { loadConfig, parseConfigText } from './config/loader.js';
export { isSecretKey, MASK, maskSecrets, maskSecretsInString } from './config/secrets.js';
export { describeType, describeValue } from './describe-value.js';
export * from './driver/capabilities.js';
export {
  type AnyBackendDefinition,
  type BackendDefinition,
  defineBackend,
  isBackendDefinition,
} from './driver/definition.js';
export type {
  DriverCapabilities,
  DriverContext,
  DriverStats,
  RowStore,
  StorageDriver,
} from './driver/driver.js';
export { isStandardSchema, type StandardSchemaV1 } from './driver/standard-schema.js';
export {
  isStorageError,
  StorageError,
  type StorageErrorKind,
  type StorageErrorOptions,
  validationError,
} from './errors.js';
export * from './filter/index.js';
export {
  isPlainObject,
  type JsonObject,
  type JsonValue,
  MAX_DEPTH,
  setOwn,
  toJsonValue,
  unstorableStringReason,
} from './json-value.js';
export {
  type MemoryConfig,
  MemoryStorageBackend,
  memoryBackend,
  memoryConfigSchema,
} from './memory/memory-backend.js';
export { MemoryDriver } from './memory/memory-driver.js';
export {
  isExpired,
  isReservedKey,
  RESERVED_KEYS,
  type RecordInput,
  type RecordRow,
  type ReservedKey,
  STRING_COLUMNS,
  type StoredRecord,
  type StringColumn,
  TIME_COLUMNS,
  type TimeColumn,
  type TimestampInput,
  toStoredRecord,
  toWriteRow,
  type WriteRow,
} from './record.js';
export { generateId, MAX_ID_LENGTH, validateId } from './record-id.js';
export * from './registry/index.js';
export { dedupeById, parseOrderBy } from './runtime/query-plan.js';
export { type BackendOptions, StorageRuntime } from './runtime/storage-runtime.js';
export {
  globalTracer,
  OperationTracer,
  type SpanAttributeValue,
  type SpanTracer,
  type StoreSpanAttributes,
  type TracedSpan,
} from './runtime/tracing.js';
export {
  type RecordIssue,
  type RecordSchemas,
  RecordValidationError,
} from './schema/record-schemas.js';
export { toEpochMs } from './timestamp.js';
export * from './transfer/index.js';
export type {
  IsUntypedRecord,
  MetadataOf,
  RecordInputOf,
  RecordPatchOf,
  RecordTypeName,
  StoredRecordOf,
  UntypedRecord,
} from './typing/record-types.js';
export type { FieldCondition, FieldOperators, TypedFilter } from './typing/typed-filter.js';
