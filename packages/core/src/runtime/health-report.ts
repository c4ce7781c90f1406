import type { HealthReport } from '../backend.js';
import type { StorageError } from '../errors.js';

/** What {@link healthReport} needs of its store. */
export interface HealthSource {
  backend: string;
  connected: boolean;
  /** The driver's details; throws when the store is unusable. */
  health(): Promise<Record<string, unknown>>;
  /** Scheduled backups (folder and last run), or null when none are scheduled. */
  backups: { path: string; last: unknown } | null;
  toStorageError(error: unknown): StorageError;
}

/**
 * A store's health: `unhealthy` when not connected or the driver's check throws, `degraded` when the
 * driver names impairments in `details.degraded` (a replica or a worker down), else `healthy`.
 */
export async function healthReport(source: HealthSource): Promise<HealthReport> {
  const started = performance.now();
  const checkedAt = new Date();
  const report = (status: HealthReport['status'], details: Record<string, unknown>, error?: string) => ({
    status,
    backend: source.backend,
    responseTimeMs: Math.round((performance.now() - started) * 1000) / 1000,
    checkedAt,
    details,
    ...(error === undefined ? {} : { error }),
  });
  if (!source.connected) return { ...report('unhealthy', {}, 'not connected'), responseTimeMs: 0 };
  try {
    const details = await source.health();
    // The existing layer's health check reported backups; so does this one when they are scheduled.
    if (source.backups) details.backups = source.backups;
    // A driver names what works but is impaired (a replica down) in `details.degraded`.
    const degraded = Array.isArray(details.degraded)
      ? details.degraded.filter((reason): reason is string => typeof reason === 'string')
      : [];
    return degraded.length > 0
      ? report('degraded', details, degraded.join('; '))
      : report('healthy', details);
  } catch (error) {
    return report('unhealthy', {}, source.toStorageError(error).message);
  }
}
