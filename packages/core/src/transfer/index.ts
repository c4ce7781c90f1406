/**
 * Backend-agnostic data transfer: portable backups (compressed NDJSON with a manifest), scheduled backups,
 * and verified, resumable copies between any two stores, all through the public StorageBackend contract.
 */

export {
  type BackupResult,
  type CreateBackupOptions,
  createBackup,
  DEFAULT_BACKUP_PREFIX,
} from './backup-create.js';
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
export {
  type BackupEntry,
  listBackups,
  type PruneBackupsOptions,
  type PruneResult,
  pruneBackups,
} from './backup-folder.js';
export {
  type RestoreBackupOptions,
  type RestoreMode,
  type RestoreResult,
  restoreBackup,
} from './backup-restore.js';
export {
  type BackupVerification,
  readHeader as readBackupHeader,
  type VerifyBackupOptions,
  verifyBackup,
} from './backup-verify.js';
export { canonicalJson, recordChecksum } from './canonical.js';
export { type CopyOptions, type CopyReport, copyRecords } from './copy.js';
export { type CopyVerification, type VerifyCopyOptions, verifyCopy } from './copy-verify.js';
export {
  COPY_WATERMARK_KEY_PREFIX,
  type CopyPosition,
  type CopyWatermark,
  readCopyWatermark,
  watermarkKey,
} from './copy-watermark.js';
export {
  type ProgressListener,
  ProgressTracker,
  type TransferPhase,
  type TransferProgress,
} from './progress.js';
export {
  BackupScheduler,
  type BackupSchedulerOptions,
  LAST_SCHEDULED_BACKUP_KEY,
  SCHEDULED_BACKUP_LOCK,
} from './scheduler.js';
export {
  type InlineStoreSpec,
  type NamedStoreSpec,
  parseStoreSpec,
  type StoreSpec,
  type StoreSpecOptions,
  storeKey,
} from './store-spec.js';
