/**
 * Backend-agnostic data transfer: portable backups (compressed NDJSON with a manifest), scheduled backups,
 * and verified, resumable copies between any two stores, all through the public StorageBackend contract.
 */

export {
  type BackupEntry,
  type BackupResult,
  type BackupVerification,
  type CreateBackupOptions,
  createBackup,
  DEFAULT_BACKUP_PREFIX,
  listBackups,
  type PruneBackupsOptions,
  type PruneResult,
  pruneBackups,
  type RestoreBackupOptions,
  type RestoreMode,
  type RestoreResult,
  readHeader as readBackupHeader,
  restoreBackup,
  type VerifyBackupOptions,
  verifyBackup,
} from './backup.js';
export {
  BACKUP_EXTENSION,
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  type BackupHeader,
  type BackupManifest,
  type BackupTrailer,
  MANIFEST_EXTENSION,
  manifestPathOf,
  RECORDSTORE_VERSION,
} from './backup-file.js';
export { canonicalJson, recordChecksum } from './canonical.js';
export {
  COPY_WATERMARK_ID_PREFIX,
  COPY_WATERMARK_TYPE,
  type CopyOptions,
  type CopyPosition,
  type CopyReport,
  type CopyVerification,
  type CopyWatermark,
  copyRecords,
  readCopyWatermark,
  type VerifyCopyOptions,
  verifyCopy,
  watermarkId,
} from './copy.js';
export {
  type ProgressListener,
  ProgressTracker,
  type TransferPhase,
  type TransferProgress,
} from './progress.js';
export { BackupScheduler, type BackupSchedulerOptions } from './scheduler.js';
export {
  type InlineStoreSpec,
  type NamedStoreSpec,
  parseStoreSpec,
  type StoreSpec,
  storeKey,
} from './store-spec.js';
