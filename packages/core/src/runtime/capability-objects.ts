import type { StorageCapabilityObjects } from '../backend.js';
import type { StorageDriver } from '../driver/driver.js';
import { type ImportContext, recordImporter } from './bulk-import.js';
import type { OperationTracer } from './tracing.js';

/** What a store's optional abilities are built from. */
export interface CapabilitySources {
  /** What the driver offers as is (metrics, audit, meta, schemaVersion, lock, ...). */
  offers: StorageDriver['offers'];
  /** The store's tracer, when one was given. */
  tracing: OperationTracer | null;
  /** The record-level side of a bulk import (validation, stamping, schemas) around the driver's rows. */
  importer: ImportContext;
}

/**
 * One optional ability of a store, or undefined when its backend offers none: `bulkImport` wraps the
 * driver's row importer with record validation, `tracing` exposes the store's tracer to the transfer
 * engines, anything else is the driver's offer as is.
 */
export function capabilityObject<K extends keyof StorageCapabilityObjects>(
  name: K,
  sources: CapabilitySources,
): StorageCapabilityObjects[K] | undefined {
  const { offers, tracing } = sources;
  if (name === 'tracing') {
    if (!tracing) return undefined;
    const traced: StorageCapabilityObjects['tracing'] = {
      trace: (operation, fn) => tracing.trace(operation, fn),
    };
    return traced as StorageCapabilityObjects[K];
  }
  if (name === 'bulkImport') {
    if (!offers?.bulkImport) return undefined;
    return recordImporter(sources.importer, offers.bulkImport) as StorageCapabilityObjects[K];
  }
  return offers?.[name as Exclude<K, 'bulkImport' | 'tracing'>] as StorageCapabilityObjects[K] | undefined;
}
