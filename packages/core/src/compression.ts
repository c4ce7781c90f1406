import { gunzipSync, gzipSync } from 'node:zlib';

/** Gzip-compresses a JSON text (used by backends whose compression is `payload`). */
export function compressJson(json: string): Buffer {
  return gzipSync(Buffer.from(json, 'utf8'), { level: 6 });
}

/** Reverses {@link compressJson}. */
export function decompressJson(payload: Uint8Array): string {
  return gunzipSync(payload).toString('utf8');
}

/** True when a record's JSON should be compressed under the given settings. */
export function shouldCompress(
  json: string,
  settings: { enabled: boolean; thresholdBytes: number },
): boolean {
  // A UTF-16 length above the threshold is already above it in UTF-8 bytes, and 3x the length is an upper
  // bound of the byte length, so bytes are counted only when the answer is still open.
  if (!settings.enabled || json.length * 3 <= settings.thresholdBytes) return false;
  return json.length > settings.thresholdBytes || Buffer.byteLength(json) > settings.thresholdBytes;
}
