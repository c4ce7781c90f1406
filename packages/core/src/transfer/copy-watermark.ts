import { createHash } from 'node:crypto';
import type { StorageBackend } from '../backend.js';
import type { MetaCapability } from '../driver/capabilities.js';
import { compareCodePoints } from '../filter/compare.js';

/** Meta keys of copy watermarks start with this, followed by a fingerprint of the source. */
export const COPY_WATERMARK_KEY_PREFIX = 'copy.watermark:';

/** A position in (updated_at, id) order: every record at or before it has been copied. */
export interface CopyPosition {
  updatedAt: Date;
  id: string;
}

/** The copy state kept in the target's meta storage, as {@link readCopyWatermark} returns it. */
export interface CopyWatermark {
  /** The meta key it is stored under (see {@link watermarkKey}). */
  key: string;
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

/** The meta key of the watermark a source keeps in its targets. */
export function watermarkKey(sourceKey: string): string {
  return `${COPY_WATERMARK_KEY_PREFIX}${createHash('sha256').update(sourceKey).digest('hex').slice(0, 32)}`;
}

/**
 * Reads the copy watermark a source left in a target, or null when it never copied there (or the target
 * offers no `meta` capability, so no copy could keep one).
 * @param sourceKey the key the copy ran with (default of `copyRecords`: the source's backend name).
 */
export async function readCopyWatermark(
  to: StorageBackend,
  sourceKey: string,
): Promise<CopyWatermark | null> {
  const meta = to.capability('meta');
  return meta ? loadWatermark(meta, sourceKey) : null;
}

/** Reads and decodes the watermark of `sourceKey`; a value this version cannot read counts as none. */
export async function loadWatermark(meta: MetaCapability, sourceKey: string): Promise<CopyWatermark | null> {
  const key = watermarkKey(sourceKey);
  const text = await meta.get(key);
  if (text === null) return null;
  let value: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
    value = parsed as Record<string, unknown>;
  } catch {
    return null;
  }
  const time = (v: unknown) => (typeof v === 'number' ? new Date(v) : null);
  const position =
    typeof value.positionUpdatedAt === 'number' && typeof value.positionId === 'string'
      ? { updatedAt: new Date(value.positionUpdatedAt), id: value.positionId }
      : null;
  return {
    key,
    source: typeof value.source === 'string' ? value.source : sourceKey,
    phase: value.phase === 'full' ? 'full' : 'incremental',
    status: value.status === 'complete' ? 'complete' : 'running',
    fullAfterId: typeof value.fullAfterId === 'string' ? value.fullAfterId : null,
    fullStartedAt: time(value.fullStartedAt),
    position,
    completedAt: time(value.completedAt),
  };
}

/** Stores `mark` under its key (one small upsert in the target's meta storage). */
export function storeWatermark(meta: MetaCapability, mark: CopyWatermark): Promise<void> {
  return meta.set(
    mark.key,
    JSON.stringify({
      source: mark.source,
      phase: mark.phase,
      status: mark.status,
      fullAfterId: mark.fullAfterId,
      fullStartedAt: mark.fullStartedAt?.getTime() ?? null,
      positionUpdatedAt: mark.position?.updatedAt.getTime() ?? null,
      positionId: mark.position?.id ?? null,
      completedAt: mark.completedAt?.getTime() ?? null,
    }),
  );
}

/** Orders two positions by (updated_at, id); a missing position sorts before every other. */
export function comparePositions(a: CopyPosition, b: CopyPosition | null): number {
  if (b === null) return 1;
  return a.updatedAt.getTime() - b.updatedAt.getTime() || compareCodePoints(a.id, b.id);
}
