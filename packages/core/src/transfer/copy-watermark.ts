import { createHash } from 'node:crypto';
import type { StorageBackend } from '../backend.js';
import { compareCodePoints } from '../filter/compare.js';
import type { Filter } from '../filter/types.js';
import type { RecordInput } from '../record.js';

/**
 * The `type` of the records that hold copy watermarks in a target store. Copies skip them in their source
 * and verification ignores them on both sides; count them out of your own queries with
 * `{ type: { $ne: COPY_WATERMARK_TYPE } }` when a target also serves an application.
 */
export const COPY_WATERMARK_TYPE = 'recordstore.copy_watermark';
/** Ids of watermark records start with this, followed by a fingerprint of the source. */
export const COPY_WATERMARK_ID_PREFIX = '__recordstore_copy__';

/** The filter that leaves watermark records out of a copy's reads and counts. */
export const NOT_WATERMARK: Filter = { type: { $ne: COPY_WATERMARK_TYPE } };

/** A position in (updated_at, id) order: every record at or before it has been copied. */
export interface CopyPosition {
  updatedAt: Date;
  id: string;
}

/** The copy state kept in the target, as {@link readCopyWatermark} returns it. */
export interface CopyWatermark {
  /** The watermark record's id. */
  recordId: string;
  /** The source it describes (no credentials). */
  source: string;
  /** `full`: the id-ordered pass; `incremental`: the (updated_at, id)-ordered pass. */
  phase: 'full' | 'incremental';
  /** `running` until a run finishes; a run killed meanwhile leaves `running`, and the next run resumes. */
  status: 'running' | 'complete';
  /** Full pass: the last id copied (ids sort by code point), or null before the first batch. */
  fullAfterId: string | null;
  /** When the full pass began: where its catch-up pass starts (minus the lookback). */
  fullStartedAt: Date | null;
  /** Incremental position: every source record at or before it (minus the lookback) is in the target. */
  position: CopyPosition | null;
  /** When the last run finished. */
  completedAt: Date | null;
}

/**
 * Reads the copy watermark a source left in a target, or null when it never copied there.
 * @param sourceKey the key the copy ran with (default of {@link copyRecords}: the source's backend name).
 */
export async function readCopyWatermark(
  to: StorageBackend,
  sourceKey: string,
): Promise<CopyWatermark | null> {
  const record = await to.load(watermarkId(sourceKey));
  if (record === null || record.type !== COPY_WATERMARK_TYPE) return null;
  const time = (value: unknown) => (typeof value === 'number' ? new Date(value) : null);
  const position =
    typeof record.position_updated_at === 'number' && typeof record.position_id === 'string'
      ? { updatedAt: new Date(record.position_updated_at), id: record.position_id }
      : null;
  return {
    recordId: record.id,
    source: typeof record.source === 'string' ? record.source : sourceKey,
    phase: record.phase === 'full' ? 'full' : 'incremental',
    status: record.status === 'complete' ? 'complete' : 'running',
    fullAfterId: typeof record.full_after_id === 'string' ? record.full_after_id : null,
    fullStartedAt: time(record.full_started_at),
    position,
    completedAt: time(record.completed_at),
  };
}

/** The id of the watermark record a source keeps in its targets. */
export function watermarkId(sourceKey: string): string {
  return `${COPY_WATERMARK_ID_PREFIX}${createHash('sha256').update(sourceKey).digest('hex').slice(0, 32)}`;
}

/** The record that stores `mark` in the target; `createdAt` keeps the first run's creation time. */
export function watermarkRecord(mark: CopyWatermark, createdAt: Date): RecordInput {
  return {
    id: mark.recordId,
    type: COPY_WATERMARK_TYPE,
    created_at: createdAt,
    updated_at: new Date(),
    // Explicit: a target with a default TTL must not expire its copy state.
    expires_at: null,
    source: mark.source,
    phase: mark.phase,
    status: mark.status,
    full_after_id: mark.fullAfterId,
    full_started_at: mark.fullStartedAt?.getTime() ?? null,
    position_updated_at: mark.position?.updatedAt.getTime() ?? null,
    position_id: mark.position?.id ?? null,
    completed_at: mark.completedAt?.getTime() ?? null,
  };
}

/** Orders two positions by (updated_at, id); a missing position sorts before every other. */
export function comparePositions(a: CopyPosition, b: CopyPosition | null): number {
  if (b === null) return 1;
  return a.updatedAt.getTime() - b.updatedAt.getTime() || compareCodePoints(a.id, b.id);
}
