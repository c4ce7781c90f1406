import type { SerializerProtocol } from '@langchain/langgraph-checkpoint';
import { isPlainObject, StorageError, unstorableStringReason } from '@recordstore/core';

/**
 * A value as the saver's serde wrote it, inside a record's JSON data. The serde's bytes are kept
 * byte for byte: as text when they are UTF-8 that every backend stores as is (the usual `json` output of
 * LangGraph's JsonPlusSerializer, a third smaller than base64 and readable in the database), as base64
 * otherwise.
 */
export interface SerializedValue {
  /** The serde's type tag (`json`, `bytes`, ...), passed back to `loadsTyped`. */
  type: string;
  encoding: 'utf8' | 'base64';
  data: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

function asText(bytes: Uint8Array): string | null {
  try {
    const text = utf8.decode(bytes);
    return unstorableStringReason(text) === null ? text : null;
  } catch {
    return null;
  }
}

/** Serializes a value with the saver's serde into its record form. */
export async function serializeValue(serde: SerializerProtocol, value: unknown): Promise<SerializedValue> {
  const [type, bytes] = await serde.dumpsTyped(value);
  const text = asText(bytes);
  return text === null
    ? { type, encoding: 'base64', data: Buffer.from(bytes).toString('base64') }
    : { type, encoding: 'utf8', data: text };
}

/** The serde's bytes of a stored value. */
export function valueBytes(value: SerializedValue): Uint8Array {
  return value.encoding === 'utf8' ? encoder.encode(value.data) : Buffer.from(value.data, 'base64');
}

/** Deserializes a stored value with the saver's serde. */
export function deserializeValue(serde: SerializerProtocol, value: SerializedValue): Promise<unknown> {
  return serde.loadsTyped(value.type, valueBytes(value));
}

/**
 * Reads a {@link SerializedValue} out of a loaded record field.
 * @throws StorageError(internal) when the field is not one (a record this package did not write).
 */
export function readSerialized(field: unknown, recordId: string, name: string): SerializedValue {
  if (
    isPlainObject(field) &&
    typeof field.type === 'string' &&
    (field.encoding === 'utf8' || field.encoding === 'base64') &&
    typeof field.data === 'string'
  ) {
    return { type: field.type, encoding: field.encoding, data: field.data };
  }
  throw new StorageError(
    'internal',
    `@recordstore/langgraph: record ${recordId} has no valid "${name}" field; it was not written by this package (or was edited). Delete it or use another prefix.`,
  );
}
