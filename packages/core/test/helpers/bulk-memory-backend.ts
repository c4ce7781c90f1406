import { type BulkImportCapability, defineBackend, MemoryDriver, memoryBackend } from '../../src/index.js';

/**
 * The memory backend with a driver that offers a bulk path (as PostgreSQL's COPY does): `bulk` makes the
 * driver's `bulkImport` capability, usually writing through the driver's own rows.
 */
export function memoryBackendWithBulkImport(
  name: string,
  bulk: (driver: MemoryDriver) => BulkImportCapability,
) {
  return defineBackend({
    ...memoryBackend,
    name,
    createDriver: (_config, { settings }) => {
      const driver = new MemoryDriver(settings);
      Object.defineProperty(driver, 'offers', { value: { ...driver.offers, bulkImport: bulk(driver) } });
      return driver;
    },
  });
}
